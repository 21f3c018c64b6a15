"""The Python API for notebooks: the same experiments as the commands, answered as pandas tables.

    from sim import load_scenario, run, sweep, compare, load_results
    res = sweep("scenarios/apec2024_peru.yaml", troops=range(0, 1201, 150), replications=100)
    res.summary            # troops × metric: mean, ci_low, ci_high, std, n
    res.smallest_meeting_level
    res.folder             # the results folder on disk
    res.figures()          # its figures, by name; res.report is its report.html

Variants without copying files: `overrides={"forces.us.absence_prob": 0.04}` on any call (the same as
`--set`), an overlay file wherever a scenario is taken, and

    compare("scenarios/apec2024_peru.yaml",
            variants={"mh60_down": {"aircraft.mh60_ag8.count": 2}}, troops=600)   # N-way, each vs the first
    sweep(path, vary={"aircraft.mh60_ag8.count": [1, 2, 3]}, troops=600)          # any numeric input
    sweep(path, vary={"troops": "300:900:300", "aircraft.mh60_ag8.count": "1:3:1"})  # a grid

Each call writes a results folder (DESIGN §6) exactly as the command does and returns `Results`, read
back from that folder; `load_results(folder)` reads any earlier one. Options are the fields of
`sim.RunOptions` (replications, precision, max_replications, seed, troops, workers, scheduler, out,
command_line), given as keywords or as one `RunOptions`.

`start_experiment` and `resume_experiment` are the same calls for the command line: they return the
`Outcome` (the answer as computed, before it is read back) and draw the report as every caller does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiment.design import (
    Design,
    ScenarioLike,
    Source,
    design_compare,
    design_run,
    design_sweep,
    design_vary,
    load_source,
)
from sim.experiment.options import Progress, RunOptions
from sim.experiment.plan import parse_troops
from sim.experiment.vary import TROOPS, Vary, parse_levels, parse_vary_group
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
        """The smallest troop level (or the variant) meeting every target, each with 95% confidence; None if
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
    return results_experiment.start(design, options, progress, render=_render, prepare=_prepare_render)


def resume_experiment(
    folder: str | os.PathLike[str], options: RunOptions, progress: Progress | None = None
) -> Outcome:
    """Finish an interrupted experiment (`<out>.incomplete`), figures and report included."""
    return results_experiment.resume(folder, options, progress, render=_render, prepare=_prepare_render)


def _prepare_render() -> None:
    """What `_render` needs, made ready while the workers run: matplotlib, pandas, the template."""
    from sim.report.html import prepare

    prepare()


def _render(folder: Path, manifest: dict[str, Any]) -> None:
    from sim.report.html import render_folder  # matplotlib and jinja2: only once there is a folder to draw

    render_folder(folder, manifest)


def _options(options: RunOptions | None, fields: dict[str, Any], command: str) -> RunOptions:
    """`options` with `fields` replacing some of its values; unknown names are a TypeError."""
    return replace(options or RunOptions(), **{"command_line": f"sim.{command}", **fields})


Overrides = Mapping[str, Any] | Sequence[str]


def run(
    scenario: ScenarioLike,
    options: RunOptions | None = None,
    *,
    overrides: Overrides = (),
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """Replications at one staffing level (`troops`, default the scenario's); `overrides` as `--set`."""
    opts = _options(options, fields, "run")
    design = design_run(load_source(scenario, overrides), opts)
    return load_results(start_experiment(design, opts, progress).folder)


def _troop_levels(troops: Sequence[int] | int | str) -> list[int]:
    """Troop levels given as a list, a range, one whole number, or "START:STOP:STEP" / "A,B,C"."""
    if isinstance(troops, str):
        return parse_troops(troops)
    return [troops] if isinstance(troops, int) else list(troops)


def _levels(path: str, levels: Any) -> Vary:
    """A varied input from a path and its levels: a list, a range, or "START:STOP:STEP" / "A,B,C"."""
    text = f"{path}={levels if isinstance(levels, str) else ','.join(map(str, levels))}"
    if "+" in path or "*" in path:
        return parse_vary_group(text)
    values = parse_levels(levels, text) if isinstance(levels, str) else tuple(sorted(levels))
    return Vary(path, values, text)


def sweep(
    scenario: ScenarioLike,
    troops: Sequence[int] | int | str | None = None,
    options: RunOptions | None = None,
    *,
    vary: Mapping[str, Any] | None = None,
    overrides: Overrides = (),
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """The same replications at each troop level (a list, a range or "START:STOP:STEP"), or at each level
    of one or two inputs: `vary={"aircraft.mh60_ag8.count": [1, 2, 3]}` (two make a grid; a key
    `A+B` or with `*` scales several values by one factor, as `--vary-group`). With `vary`, a single
    `troops` level (`troops=600` or `[600]`) holds the swept force's headcount there."""
    opts = _options(options, fields, "sweep")
    source = load_source(scenario, overrides)
    if not vary:
        if troops is None:
            raise TypeError("sweep needs troops or vary")
        levels = _troop_levels(troops)
        return load_results(start_experiment(design_sweep(source, levels, opts), opts, progress).folder)
    inputs = [_levels(path, levels) for path, levels in vary.items()]
    if troops is not None:
        levels = _troop_levels(troops)
        if len(levels) == 1:
            opts = replace(opts, troops=levels[0])
        else:
            inputs.insert(0, Vary(TROOPS, tuple(sorted(levels)), f"troops={troops}"))
    design = design_vary(source, inputs, opts)
    return load_results(start_experiment(design, opts, progress).folder)


def compare(
    *scenarios: ScenarioLike | RunOptions,
    variants: Mapping[str, Overrides] | None = None,
    overrides: Overrides = (),
    progress: Progress | None = None,
    **fields: Any,
) -> Results:
    """Paired comparison on common random numbers, each variant against the first: `differences` holds
    variant − first. The variants are the scenarios given (files, overlays or `Scenario` objects), then
    one per entry of `variants` (name -> overrides of the first scenario); `overrides` apply to every
    one. `compare(a, b)` is the two-way comparison B − A; a `RunOptions` may come last."""
    given = list(scenarios)
    last = given[-1] if given else None
    options = last if isinstance(last, RunOptions) else None
    if options is not None:
        given.pop()
    if not given:
        raise TypeError("compare needs at least one scenario")
    opts = _options(options, fields, "compare")
    sources: list[Source] = [load_source(s, overrides) for s in given]  # type: ignore[arg-type]
    for name, changes in (variants or {}).items():
        sources.append(load_source(given[0], _joined(overrides, changes), label=name))  # type: ignore[arg-type]
    design = design_compare(*sources, options=opts)
    return load_results(start_experiment(design, opts, progress).folder)


def _joined(a: Overrides, b: Overrides) -> list[str]:
    from sim.scenario.overrides import override_texts

    return [*override_texts(a), *override_texts(b)]


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
    """The swept force's split over its pools (city x role): the smallest total meeting every target,
    each with 95% confidence, or with `total=N` the split with the highest P(every target met). Options:
    total, step, resolution, replications, budget, rounds, seed, sets, workers, scheduler, out. `.answer`
    holds the split and the troops saved, `.overlay` the split as a scenario overlay."""
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
