"""How an experiment is run, as one typed record shared by the Python API and the command line."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.experiment.feasibility import MAX_EVENTS, MAX_MEMORY_GB

__all__ = ["Progress", "RunOptions"]

Progress = Callable[[int, int], None]  # (replications done, replications planned so far)


@dataclass(frozen=True)
class RunOptions:
    """The options of `run`, `sweep` and `compare` (DESIGN §2); None means the scenario's or the default.

    `replications` and `precision` exclude each other; `troops` sets the swept force's headcount for
    `run` and `compare` (a sweep takes its levels separately); `scheduler` is a Dask scheduler address or
    a connected `distributed.Client`; `command_line` is recorded in the manifest as typed. `max_events`
    and `max_memory_gb` are the limits on the estimated work (sim.experiment.feasibility), checked when
    the experiment is designed.
    """

    replications: int | None = None
    precision: float | None = None
    max_replications: int = 1000
    seed: int | None = None
    troops: int | None = None
    workers: int | None = None
    scheduler: Any = None
    out: str | os.PathLike[str] | None = None
    command_line: str | None = None
    max_events: float = MAX_EVENTS
    max_memory_gb: float = MAX_MEMORY_GB
