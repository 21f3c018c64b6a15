"""Experiments as the command line runs them, returning the `Outcome` (the answer as computed) rather
than the `Results` read back from the folder, for the tests that check both."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sim.api import resume_experiment, start_experiment
from sim.experiment import RunOptions, design_compare, design_run, design_sweep
from sim.experiment.design import ScenarioLike
from sim.results import Outcome


def run(scenario: ScenarioLike, *, progress: Any = None, **fields: Any) -> Outcome:
    options = RunOptions(**fields)
    return start_experiment(design_run(scenario, options), options, progress)


def sweep(scenario: ScenarioLike, troops: Sequence[int], *, progress: Any = None, **fields: Any) -> Outcome:
    options = RunOptions(**fields)
    return start_experiment(design_sweep(scenario, troops, options), options, progress)


def compare(a: ScenarioLike, b: ScenarioLike, *, progress: Any = None, **fields: Any) -> Outcome:
    options = RunOptions(**fields)
    return start_experiment(design_compare(a, b, options), options, progress)


def resume(folder: str | os.PathLike[str], *, progress: Any = None, **fields: Any) -> Outcome:
    return resume_experiment(folder, RunOptions(**fields), progress)
