"""summit-sim: discrete-event simulation of summit security staffing, air coverage and fuel.

The public names below are loaded on first use (PEP 562), so that `import sim.scenario` (or the command
line) does not pay for the experiment machinery, and no layer below the API imports the API.
"""

from __future__ import annotations

import importlib
from typing import Any

from sim.version import __version__

__all__ = [
    "Results",
    "RunOptions",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "resume",
    "run",
    "sweep",
]

_HOME = {
    "Results": "sim.api",
    "compare": "sim.api",
    "load_results": "sim.api",
    "resume": "sim.api",
    "run": "sim.api",
    "sweep": "sim.api",
    "RunOptions": "sim.experiment.options",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    if name in {"api", "cli", "experiment", "metrics", "model", "plots", "report", "results", "scenario",
                "stats", "validation"}:  # fmt: skip
        return importlib.import_module(f"sim.{name}")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
