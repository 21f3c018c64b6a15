"""Results on disk (DESIGN §6): `files` (atomic folders, CSV and JSON), `trace` (a trace's folder),
`parts` (an experiment's folder while it runs), `lock` (one writer at a time on it), `manifest`
(manifest.json as a typed record), `tables` (replications read back, summaries written) and
`experiment` (an experiment into its folder: start, resume, finish)."""

from sim.results.experiment import IncompleteResults, Outcome, Render, ResumeError, kept_folder, resume, start
from sim.results.files import INCOMPLETE, atomic_folder, default_out, read_json, unused_out

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
