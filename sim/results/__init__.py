"""Results on disk (DESIGN §6): `files` (atomic folders, CSV and JSON), `trace` (a trace's folder),
`parts` (an experiment's folder while it runs), `lock` (one writer at a time on it), `manifest`
(manifest.json as a typed record), `tables` (replications read back, summaries written) and
`experiment` (an experiment into its folder: start, resume, finish). The names below are imported on
first use (sim.lazy)."""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.results.experiment import Outcome, Render, ResumeError, resume, start
    from sim.results.files import (
        INCOMPLETE,
        IncompleteResults,
        atomic_folder,
        default_out,
        kept_folder,
        read_json,
        unused_out,
    )

__all__ = [
    "INCOMPLETE",
    "IncompleteResults",
    "Outcome",
    "Render",
    "ResumeError",
    "atomic_folder",
    "default_out",
    "kept_folder",
    "read_json",
    "resume",
    "start",
    "unused_out",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.results.experiment": ["Outcome", "Render", "ResumeError", "resume", "start"],
        "sim.results.files": [
            "INCOMPLETE", "IncompleteResults", "atomic_folder", "default_out", "kept_folder", "read_json",
            "unused_out",
        ],
    },
)  # fmt: skip
