"""What an experiment compares: its scenarios, its variants (troop levels, levels of any input, or
scenario files and overrides), its replication plan and its seed, checked before anything runs.

`design_run`, `design_sweep`, `design_vary` and `design_compare` turn a scenario (a file, an overlay or a
`Scenario`, with `PATH=VALUE` overrides) and the `RunOptions` into a `Design`; a design that cannot be run
as asked raises `BadExperiment`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiment.executors import Variant
from sim.experiment.feasibility import check_limits, demand_warnings
from sim.experiment.options import RunOptions
from sim.experiment.plan import Plan, over_cap
from sim.experiment.vary import TROOPS, Vary, apply_levels, level_label
from sim.metrics import metric_columns, target_specs
from sim.numbers import fmt_value
from sim.scenario import Scenario, ScenarioError
from sim.scenario.loader import load_scenario_files
from sim.scenario.overlay import files_sha256
from sim.scenario.overrides import Overrides, override_texts, with_overrides
from sim.stats import check_target, unanimous_interval

__all__ = [
    "BadExperiment",
    "Design",
    "ScenarioLike",
    "Source",
    "design_compare",
    "design_run",
    "design_sweep",
    "design_vary",
    "design_warnings",
    "load_source",
    "metric_columns_of",
    "replication_warnings",
]

ScenarioLike = Scenario | str | os.PathLike[str]


class BadExperiment(ValueError):
    """An experiment that cannot be run as asked (bad options for this scenario); nothing is written."""


@dataclass(frozen=True)
class Source:
    """A scenario and where it came from: its file (None for a `Scenario` object), that file's sha256
    (for an overlay, of every file it is read from; of the canonical JSON for an object), so a resumed run
    can tell that its input has not changed, and the `PATH=VALUE` overrides applied to it. `label`, if
    given, names the variant in the tables (`compare --variant NAME`). `files` are the files it was read
    from: the file, then for an overlay each base in turn (none for an object)."""

    scenario: Scenario
    path: str | None
    sha256: str
    overrides: tuple[str, ...] = ()
    label: str | None = None
    files: tuple[Path, ...] = ()


def load_source(
    scenario: ScenarioLike | Source, overrides: Overrides = (), label: str | None = None
) -> Source:
    """Load and validate a scenario file or overlay (ScenarioError with every problem located) or take an
    object, then apply `overrides` (`PATH=VALUE` texts or a mapping of path to value)."""
    if isinstance(scenario, Source):
        if not overrides and label is None:
            return scenario
        texts = (*scenario.overrides, *override_texts(overrides))
        base = load_source(scenario.path, ()) if scenario.path is not None else scenario
        return _with(base, texts, label if label is not None else scenario.label)
    if isinstance(scenario, Scenario):
        text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        src = Source(scenario, None, hashlib.sha256(text.encode()).hexdigest())
    else:
        path = Path(scenario)
        loaded, files = load_scenario_files(path)
        src = Source(loaded, str(path), files_sha256(files), files=files)
    return _with(src, override_texts(overrides), label)


def _with(src: Source, texts: tuple[str, ...], label: str | None) -> Source:
    scenario = with_overrides(src.scenario, texts) if texts else src.scenario
    return Source(scenario, src.path, src.sha256, texts, label, src.files)


@dataclass(frozen=True)
class Design:
    """An experiment ready to run: `key` names the tables' first column ("troops" or "variant");
    `scenario_of[i]` is the index in `sources` of variant i's scenario."""

    command: str
    key: str
    sources: tuple[Source, ...]
    scenario_of: tuple[int, ...]
    variants: tuple[Variant, ...]
    plan: Plan
    seed: int
    levels: tuple[dict[str, Any], ...] = field(default=())  # per variant: varied input -> its level
    inputs: tuple[str, ...] = field(default=())  # the inputs a sweep varies, in order

    @property
    def columns(self) -> tuple[str, ...]:
        """The metric columns of a replication's row: every variant's, once, in order."""
        return metric_columns_of(v.scenario for v in self.variants)

    @property
    def troop_levels(self) -> list[int | None] | None:
        """The troop levels of a sweep, in order (None for run and compare)."""
        return [v.troops for v in self.variants] if self.command == "sweep" and self.key == TROOPS else None


def metric_columns_of(scenarios: Iterable[Scenario]) -> tuple[str, ...]:
    """The union of the scenarios' metric columns (sim.metrics.metric_columns), in first-seen order."""
    seen: dict[int, None] = {}
    columns: dict[str, None] = {}
    for s in scenarios:
        if id(s) not in seen:
            seen[id(s)] = None
            columns.update(dict.fromkeys(metric_columns(s)))
    return tuple(columns)


def replication_warnings(s: Scenario, replications: int | None = None) -> list[str]:
    """Probability targets that `replications` (default the scenario's) can never show with 95%
    confidence, even if every replication succeeds: with P(critical gap) <= 0.05, 0 failures in 40
    replications still leave the Wilson upper bound at 0.088. Each warning says how many would do."""
    n = s.replications if replications is None else replications
    out = []
    has_critical = any(p.critical for p in s.posts.values())
    for spec in target_specs(s):
        if not spec.proportion or (spec.column == "critical_gap" and not has_critical):
            continue  # no critical post: P(critical gap) has nothing to measure, its target is moot
        iv = unanimous_interval(0.0 if spec.bound == "ci_high" else 1.0, n)
        check = check_target(spec.name, spec.column, spec.bound, spec.limit, iv, True)
        if check.met:
            continue
        could = (
            f"at least {check.replications_needed:,} could"
            if check.replications_needed is not None
            else "no number of replications can (a limit of exactly 0 or 1 is never shown by sampling)"
        )
        out.append(
            f"{n:,} replications can never show {spec.name} with 95% confidence: even with no failure "
            f"the checked bound is {fmt_value(spec.column, check.value)}; {could}"
        )
    return out


def design_warnings(design: Design) -> list[str]:
    """What the user should know before the design runs: demands that can never be met, at the largest
    troop level of each scenario, and probability targets the planned replications can never show."""
    out: list[str] = []
    for i, src in enumerate(design.sources):
        levels = [v.troops for v, k in zip(design.variants, design.scenario_of, strict=True) if k == i]
        top = max((t for t in levels if t is not None), default=None)
        out += demand_warnings(src.scenario, top)
        if design.plan.replications is not None:
            out += replication_warnings(src.scenario, design.plan.replications)
    return out


def _within_limits(design: Design, options: RunOptions) -> Design:
    """The design, if each scenario's estimated work is within `options`' limits; else a ScenarioError
    naming the numbers and the option that allows it (nothing has run, nothing is written)."""
    n = design.plan.replications if design.plan.replications is not None else design.plan.max_replications
    workers = options.workers or os.cpu_count() or 1
    problems = []
    for i, src in enumerate(design.sources):
        levels = [v.troops for v, k in zip(design.variants, design.scenario_of, strict=True) if k == i]
        top = max((t for t in levels if t is not None), default=None)
        problems += check_limits(
            src.scenario,
            n,
            troops=top,
            levels=len(levels),
            workers=workers,
            max_events=options.max_events,
            max_memory_gb=options.max_memory_gb,
            file=src.path or "",
        )
    if problems:
        raise ScenarioError(problems)
    return design


def _need_swept(s: Scenario, what: str) -> None:
    if s.swept_force is None:
        raise BadExperiment(f"{what} needs a force marked `swept: true` in scenario {s.name!r}")


def _plan(s: Scenario, options: RunOptions) -> Plan:
    replications = options.replications
    if replications is None and options.precision is None:
        replications = s.replications
    try:
        plan = Plan(replications, options.precision, options.max_replications)
    except ValueError as e:
        raise BadExperiment(str(e)) from None
    reason = over_cap(plan)
    if reason:
        raise BadExperiment(reason)
    return plan


def _seed(s: Scenario, options: RunOptions) -> int:
    return s.seed if options.seed is None else options.seed


def design_run(scenario: ScenarioLike | Source, options: RunOptions) -> Design:
    """Replications of one scenario at one staffing level (`options.troops`, default the scenario's)."""
    src = load_source(scenario)
    s = src.scenario
    if options.troops is not None:
        _need_swept(s, "--troops")
    level = options.troops
    if level is None and s.swept_force is not None:
        level = s.forces[s.swept_force].headcount
    variant = Variant("" if level is None else str(level), s, options.troops)
    design = Design("run", "troops", (src,), (0,), (variant,), _plan(s, options), _seed(s, options))
    return _within_limits(design, options)


def design_sweep(scenario: ScenarioLike | Source, troops: Sequence[int], options: RunOptions) -> Design:
    """The same replications at each troop level (common random numbers), in increasing order."""
    src = load_source(scenario)
    s = src.scenario
    _need_swept(s, "a sweep")
    levels = sorted(set(troops))
    if not levels:
        raise BadExperiment("a sweep needs at least one troop level")
    if min(levels) < 0:
        raise BadExperiment(f"troop levels must be 0 or more, got {min(levels)}")
    variants = tuple(Variant(str(t), s, t) for t in levels)
    design = Design(
        "sweep", "troops", (src,), (0,) * len(levels), variants, _plan(s, options), _seed(s, options)
    )
    return _within_limits(design, options)


def design_vary(scenario: ScenarioLike | Source, inputs: Sequence[Vary], options: RunOptions) -> Design:
    """The same replications (common random numbers) at each level of one input, or at each pair of
    levels of two (a grid, the first input varying slowest). `troops` as an input is the swept force's
    headcount (`--troops`); a group (`A+B=...`) scales several values together by one factor."""
    src = load_source(scenario)
    s = src.scenario
    if not inputs:
        raise BadExperiment("a sweep needs at least one varied input (--troops or --vary)")
    if len(inputs) > 2:
        raise BadExperiment(f"a sweep varies one or two inputs (a grid), got {len(inputs)}")
    paths = [v.path for v in inputs]
    if len(set(paths)) != len(paths):
        raise BadExperiment(f"{paths[0]} is varied twice")
    if options.troops is not None and TROOPS in paths:
        raise BadExperiment("--troops is both fixed and varied")
    if TROOPS in paths or options.troops is not None:
        _need_swept(s, "--troops")
    grid: list[dict[str, Any]] = [{}]
    for v in inputs:
        grid = [{**g, v.path: level} for g in grid for level in v.levels]
    variants = []
    for values in grid:
        troops = values.get(TROOPS, options.troops)
        scenario_at = apply_levels(s, values)  # ScenarioError naming `--vary PATH=LEVEL` if refused
        variants.append(Variant(level_label(values), scenario_at, None if troops is None else int(troops)))
    key = paths[0] if len(paths) == 1 else "levels"
    design = Design(
        "sweep", key, (src,), (0,) * len(variants), tuple(variants), _plan(s, options), _seed(s, options),
        tuple(grid), tuple(paths),
    )  # fmt: skip
    return _within_limits(design, options)


def design_compare(
    *scenarios: ScenarioLike | Source | RunOptions, options: RunOptions | None = None
) -> Design:
    """Two or more variants on common random numbers (every one uses the seed, default the first's), each
    against the first: `design_compare(a, b, c, options=opts)` (`design_compare(a, b, opts)` too). A
    variant is a file, an overlay, a `Scenario` or a `Source` (a scenario with overrides and a label)."""
    given = list(scenarios)
    last = given[-1] if given else None
    if options is None and isinstance(last, RunOptions):
        options = last
        given.pop()
    if options is None:
        raise BadExperiment("design_compare needs the RunOptions")
    if any(isinstance(x, RunOptions) for x in given):
        raise BadExperiment("design_compare takes the RunOptions once, last")
    if len(given) < 2:
        raise BadExperiment(f"a comparison needs at least two variants, got {len(given)}")
    srcs = tuple(load_source(x) for x in given)  # type: ignore[arg-type]  # RunOptions removed above
    if options.troops is not None:
        for src in srcs:
            _need_swept(src.scenario, "--troops")
    labels = _variant_labels(srcs)
    variants = tuple(
        Variant(label, src.scenario, options.troops) for label, src in zip(labels, srcs, strict=True)
    )
    first = srcs[0].scenario
    design = Design(
        "compare", "variant", srcs, tuple(range(len(srcs))), variants, _plan(first, options),
        _seed(first, options),
    )  # fmt: skip
    return _within_limits(design, options)


def _variant_labels(srcs: Sequence[Source]) -> list[str]:
    """Each variant's label: the name given (`--variant NAME`), else the scenarios' names if they differ,
    else the files' stems, else A, B, C...; a label given twice is refused."""
    given = [s.label for s in srcs]
    for candidate in (
        [s.scenario.name for s in srcs],
        [Path(s.path).stem if s.path else "" for s in srcs],
    ):
        labels = [g if g else c for g, c in zip(given, candidate, strict=True)]
        if all(labels) and len(set(labels)) == len(labels):
            return labels
    if any(given):
        named = [g for g in given if g]
        if len(set(named)) != len(named):
            raise BadExperiment(f"a variant name is given twice: {', '.join(named)}")
    return [g or _letter(i) for i, g in enumerate(given)]


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"V{i + 1}"
