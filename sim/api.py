"""The Python API for notebooks: the same experiments as the commands, answered as pandas tables.

    from sim import load_scenario, run, sweep, compare, load_results
    res = sweep("scenarios/apec2024_peru.yaml", troops=range(0, 1201, 150), replications=100)
    res.summary            # troops × metric: mean, ci_low, ci_high, std, n
    res.smallest_meeting_level
    res.folder             # the results folder on disk
    res.figures()          # its figures, by name; res.report is its report.html

Each call writes a results folder (DESIGN §6) exactly as the command does and returns `Results`, read
back from that folder; `load_results(folder)` reads any earlier one. Options are the fields of
`sim.RunOptions` (replications, precision, max_replications, seed, troops, workers, scheduler, out,
command_line), given as keywords or as one `RunOptions`.

`start_experiment` and `resume_experiment` are the same calls for the command line: they return the
`Outcome` (the answer as computed, before it is read back) and draw the report as every caller does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiment.design import Design, ScenarioLike, design_compare, design_run, design_sweep
from sim.experiment.options import Progress, RunOptions
from sim.experiment.plan import parse_troops
from sim.results import experiment as results_experiment
from sim.results.experiment import Outcome
from sim.results.files import INCOMPLETE, read_json

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.results.allocation import AllocateOutcome
    from sim.results.sensitivity import SensitivityOutcome
    from sim.results.sizing import SizeOutcome

__all__ = [
    "Results",
    "allocate",
    "compare",
    "load_results",
    "resume",
    "resume_experiment",
    "run",
    "sensitivity",
    "size",
    "start_experiment",
    "sweep",
]


@dataclass(frozen=True)
class Results:
    """A results folder as tables. `gaps` is read on first use (it can be large)."""

    folder: Path
    manifest: dict[str, Any]
    replications: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    targets: pd.DataFrame

    @property
    def gaps(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_csv(self.folder / "gaps.csv")

    @property
    def distributions(self) -> pd.DataFrame:
        """Escort waits and response times pooled over replications, as half-minute histograms per
        level (`distributions.csv`; empty for a folder written before it existed)."""
        import pandas as pd

        path = self.folder / "distributions.csv"
        if not path.is_file():
            return pd.DataFrame(columns=[self.manifest["key"], "quantity", "upper_min", "count"])
        return pd.read_csv(
            path, dtype={self.manifest["key"]: str} if self.manifest["key"] == "variant" else None
        )

    @property
    def report(self) -> Path:
        """The folder's `report.html`: open it in a browser."""
        return self.folder / "report.html"

    def figures(self) -> dict[str, Figure]:
        """Every figure of the folder (as `summit-sim plot` draws them), by name, without saving them."""
        from sim.plots.files import read_results, results_figures  # matplotlib: only when drawing

        return results_figures(read_results(self.folder, self.manifest))

    @property
    def smallest_meeting_level(self) -> Any:
        """The smallest troop level (or the variant) meeting every target with 95% confidence; None if
        none does."""
        return self.manifest["answer"]["smallest_meeting_level"]

    def means(self) -> pd.DataFrame:
        """Mean of every metric, one row per troop level (or variant), one column per metric."""
        key = self.manifest["key"]
        return self.summary.pivot(index=key, columns="metric", values="mean")[self.manifest["metrics"]]


def load_results(folder: str | os.PathLike[str]) -> Results:
    """Read a finished results folder."""
    import pandas as pd

    folder = Path(folder)
    if folder.name.endswith(INCOMPLETE):
        raise ValueError(f"{folder} is an interrupted run: finish it first with sim.resume({str(folder)!r})")
    manifest = read_json(folder / "manifest.json")
    if manifest.get("status") != "complete":
        raise ValueError(f"{folder} is not a complete results folder")
    key = manifest["key"]
    dtype = {key: str} if key == "variant" else None
    tables = {
        name: pd.read_csv(folder / f"{name}.csv", dtype=dtype)
        for name in ("replications", "summary", "targets")
    }
    keys = {f"{key}_from": str, f"{key}_to": str} if key == "variant" else None
    differences = pd.read_csv(folder / "differences.csv", dtype=keys)
    return Results(
        folder, manifest, tables["replications"], tables["summary"], differences, tables["targets"]
    )


def start_experiment(design: Design, options: RunOptions, progress: Progress | None = None) -> Outcome:
    """Run a designed experiment into its results folder, figures and report included."""
    return results_experiment.start(design, options, progress, render=_render)


def resume_experiment(
    folder: str | os.PathLike[str], options: RunOptions, progress: Progress | None = None
) -> Outcome:
    """Finish an interrupted experiment (`<out>.incomplete`), figures and report included."""
    return results_experiment.resume(folder, options, progress, render=_render)


def _render(folder: Path, manifest: dict[str, Any]) -> None:
    from sim.report.html import render_folder  # matplotlib and jinja2: only once there is a folder to draw

    render_folder(folder, manifest)


def _options(options: RunOptions | None, fields: dict[str, Any], command: str) -> RunOptions:
    """`options` with `fields` replacing some of its values; unknown names are a TypeError."""
    return replace(options or RunOptions(), **{"command_line": f"sim.{command}", **fields})


def run(
    scenario: ScenarioLike,
    options: RunOptions | None = None,
    *,
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """Replications at one staffing level (`troops`, default the scenario's)."""
    opts = _options(options, fields, "run")
    return load_results(start_experiment(design_run(scenario, opts), opts, progress).folder)


def sweep(
    scenario: ScenarioLike,
    troops: Sequence[int] | str,
    options: RunOptions | None = None,
    *,
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """The same replications at each troop level (a list, a range or "START:STOP:STEP")."""
    levels = parse_troops(troops) if isinstance(troops, str) else list(troops)
    opts = _options(options, fields, "sweep")
    return load_results(start_experiment(design_sweep(scenario, levels, opts), opts, progress).folder)


def compare(
    scenario_a: ScenarioLike,
    scenario_b: ScenarioLike,
    options: RunOptions | None = None,
    *,
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """Paired comparison of two variants on common random numbers: `differences` holds B − A."""
    opts = _options(options, fields, "compare")
    return load_results(start_experiment(design_compare(scenario_a, scenario_b, opts), opts, progress).folder)


def resume(
    folder: str | os.PathLike[str],
    options: RunOptions | None = None,
    *,
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """Finish an interrupted experiment (`<out>.incomplete`)."""
    return load_results(resume_experiment(folder, _options(options, fields, "resume"), progress).folder)


# The planner's decision (issue 16): size, allocate, sensitivity. Each writes a results folder with its
# tables, figures and report.html, and returns what it found (sim.results.sizing and its siblings).


def _render_decision(folder: Path, answer: dict[str, Any]) -> None:
    from sim.report.decide import render_decision  # matplotlib and jinja2: only once there is a folder

    render_decision(folder, answer)


def size_outcome(scenario: ScenarioLike, **options: Any) -> SizeOutcome:
    """`size` as the command runs it: the options of `sim.results.sizing.run_size`."""
    from sim.results.sizing import run_size

    options.setdefault("command_line", "sim.size")
    return run_size(scenario, render=_render_decision, **options)


def size(scenario: ScenarioLike, **options: Any) -> SizeOutcome:
    """The smallest level of the swept force's troops (or `path=` another input) meeting every target
    with 95% confidence, by a search on common random numbers. Options: path, resolution (default 5),
    replications (first round per level), max_replications (a close level's cap), budget, seed, sets
    (`PATH=VALUE` overrides), low, high, workers, scheduler, out. `.result.answer` is the level,
    `.folder` the results folder (search.csv holds the search path)."""
    return size_outcome(scenario, **options)


def resume_size(folder: str | os.PathLike[str], **options: Any) -> SizeOutcome:
    """Finish an interrupted `size` (its `<out>.incomplete` folder)."""
    from sim.results.sizing import resume_size as _resume

    return _resume(folder, render=_render_decision, **options)


def allocate_outcome(scenario: ScenarioLike, **options: Any) -> AllocateOutcome:
    """`allocate` as the command runs it: the options of `sim.results.allocation.run_allocate`."""
    from sim.results.allocation import run_allocate

    options.setdefault("command_line", "sim.allocate")
    return run_allocate(scenario, render=_render_decision, **options)


def allocate(scenario: ScenarioLike, **options: Any) -> AllocateOutcome:
    """The swept force's split over its pools (city x role): the smallest total meeting every target with
    95% confidence, or with `total=N` the split with the highest P(every target met). Options: total,
    step, resolution, replications, budget, rounds, seed, sets, workers, scheduler, out. `.answer` holds
    the split and the troops saved, `.overlay` the split as a scenario overlay."""
    return allocate_outcome(scenario, **options)


def resume_allocate(folder: str | os.PathLike[str], **options: Any) -> AllocateOutcome:
    """Finish an interrupted `allocate`."""
    from sim.results.allocation import resume_allocate as _resume

    return _resume(folder, render=_render_decision, **options)


def sensitivity_outcome(scenario: ScenarioLike, **options: Any) -> SensitivityOutcome:
    """`sensitivity` as the command runs it: the options of `sim.results.sensitivity.run_sensitivity`."""
    from sim.results.sensitivity import run_sensitivity

    options.setdefault("command_line", "sim.sensitivity")
    return run_sensitivity(scenario, render=_render_decision, **options)


def sensitivity(scenario: ScenarioLike, **options: Any) -> SensitivityOutcome:
    """Which uncertain inputs decide the answer: `vary=["PATH=LOW:HIGH", ...]`; `size` at each end of
    each range (the tornado) and Morris elementary effects at a fixed level (`trajectories`, 0 skips
    it; `troops`, default the answer at the scenario's values). Other options: resolution,
    replications, max_replications, morris_replications, seed, sets, workers, scheduler, out.
    `.answer["top"]` holds the top five inputs."""
    return sensitivity_outcome(scenario, **options)


def resume_sensitivity(folder: str | os.PathLike[str], **options: Any) -> SensitivityOutcome:
    """Finish an interrupted `sensitivity`."""
    from sim.results.sensitivity import resume_sensitivity as _resume

    return _resume(folder, render=_render_decision, **options)
