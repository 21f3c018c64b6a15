"""What an experiment compares: its scenarios, its variants (troop levels or scenario files), its
replication plan and its seed, checked before anything runs.

`design_run`, `design_sweep` and `design_compare` turn a scenario (a file or a `Scenario`) and the
`RunOptions` into a `Design`; a design that cannot be run as asked raises `BadExperiment`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.experiment.executors import Variant
from sim.experiment.feasibility import check_limits, demand_warnings
from sim.experiment.options import RunOptions
from sim.experiment.plan import Plan, over_cap
from sim.metrics import metric_columns, target_specs
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.stats import check_target, proportion_interval

__all__ = [
    "BadExperiment",
    "Design",
    "ScenarioLike",
    "Source",
    "design_compare",
    "design_run",
    "design_sweep",
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
    """A scenario and where it came from: its file (None for a `Scenario` object) and that file's sha256
    (of the canonical JSON for an object), so a resumed run can tell that its input has not changed."""

    scenario: Scenario
    path: str | None
    sha256: str


def load_source(scenario: ScenarioLike) -> Source:
    """Load and validate a scenario file (ScenarioError with every problem located) or take an object."""
    if isinstance(scenario, Scenario):
        text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        return Source(scenario, None, hashlib.sha256(text.encode()).hexdigest())
    path = Path(scenario)
    loaded = load_scenario(path)
    return Source(loaded, str(path), hashlib.sha256(path.read_bytes()).hexdigest())


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

    @property
    def columns(self) -> tuple[str, ...]:
        """The metric columns of a replication's row: every variant's, once, in order."""
        return metric_columns_of(v.scenario for v in self.variants)

    @property
    def troop_levels(self) -> list[int | None] | None:
        """The troop levels of a sweep, in order (None for run and compare)."""
        return [v.troops for v in self.variants] if self.command == "sweep" else None


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
        best = np.full(n, 0.0 if spec.bound == "ci_high" else 1.0)
        iv = proportion_interval(best)
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
            f"the checked bound is {check.value:.3g}; {could}"
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


def design_run(scenario: ScenarioLike, options: RunOptions) -> Design:
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


def design_sweep(scenario: ScenarioLike, troops: Sequence[int], options: RunOptions) -> Design:
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


def design_compare(scenario_a: ScenarioLike, scenario_b: ScenarioLike, options: RunOptions) -> Design:
    """Two variants on common random numbers (both use the seed, default scenario A's): B − A."""
    srcs = (load_source(scenario_a), load_source(scenario_b))
    a, b = srcs[0].scenario, srcs[1].scenario
    if options.troops is not None:
        _need_swept(a, "--troops")
        _need_swept(b, "--troops")
    labels = _variant_labels(srcs)
    variants = (Variant(labels[0], a, options.troops), Variant(labels[1], b, options.troops))
    design = Design("compare", "variant", srcs, (0, 1), variants, _plan(a, options), _seed(a, options))
    return _within_limits(design, options)


def _variant_labels(srcs: Sequence[Source]) -> list[str]:
    names = [s.scenario.name for s in srcs]
    if names[0] != names[1]:
        return names
    stems = [Path(s.path).stem if s.path else "" for s in srcs]
    if stems[0] != stems[1] and all(stems):
        return stems
    return ["A", "B"]
