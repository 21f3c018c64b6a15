"""`sensitivity`: which uncertain inputs decide the answer.

Each input is a scenario field (its dotted path) with a range [low, high].

- **One at a time**: `size` (sim.experiment.search) with the input at its low end and at its high end,
  every other input at its scenario value: a tornado of troops needed. Each end is exactly the `size`
  run a planner would make with `--set PATH=VALUE` (same seed, replications, resolution and start), so
  the tornado's extremes equal those runs.
- **Globally, at a fixed troop level**: Morris elementary effects (SALib's trajectory design and
  analysis), on common random numbers: every point of the design runs the same replications, so an
  elementary effect (the change of an output when one input moves by a step, the others held) is a
  paired difference, free of most of the replication noise. The outputs are P(every target met in one
  replication) and each target's column mean. The cost is trajectories × (inputs + 1) points × the
  replications per point, stated before it runs. Morris is chosen over Sobol' indices because Sobol'
  needs N(k + 2) points with N in the hundreds or thousands for stable indices, beyond a simulation's
  budget; Morris ranks inputs with tens of trajectories, which is the question asked (which inputs
  decide the answer), not how much variance each explains.

A whole-number field (a count) takes its levels rounded to whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiment.search import (
    ColumnSource,
    SearchStep,
    SizeResult,
    SizeSettings,
    all_met_per_replication,
    level_label,
    search_levels,
)
from sim.experiment.vary import TROOPS, at_level
from sim.metrics import target_specs
from sim.scenario import Scenario
from sim.scenario.loader import scenario_full_data
from sim.scenario.overrides import parse_path

__all__ = [
    "Input",
    "MorrisResult",
    "SensitivityResult",
    "Tornado",
    "input_value",
    "morris",
    "one_at_a_time",
    "size_at",
]


@dataclass(frozen=True)
class Input:
    """An uncertain input: a scenario field's dotted path and its range."""

    path: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"{self.path}: LOW ({self.low:g}) must be below HIGH ({self.high:g})")


def _base_value(s: Scenario, path: str) -> Any:
    node: Any = scenario_full_data(s)
    for part in parse_path(path, "--vary"):
        node = node[part]
    return node


def input_value(s: Scenario, path: str, x: float) -> float | int:
    """`x` as the field at `path` takes it: rounded to a whole number for a count."""
    base = _base_value(s, path)
    if isinstance(base, int) and not isinstance(base, bool):
        return round(x)
    return float(x)


def with_inputs(s: Scenario, values: dict[str, float | int]) -> Scenario:
    """The scenario with each input at its value (validated at each step)."""
    out = s
    for path, v in values.items():
        out = at_level(out, path, v)
    return out


def size_at(
    s: Scenario,
    source: ColumnSource,
    settings: SizeSettings,
    values: dict[str, float | int],
    progress: Callable[[SearchStep], None] | None = None,
) -> SizeResult:
    """`size` (troops) on the scenario with `values` set: the same search `summit-sim size --set
    PATH=VALUE` runs, its keys prefixed by the values so that each setting keeps its own runs."""
    scenario = with_inputs(s, values)
    prefix = ",".join(f"{p}={v}" for p, v in values.items())

    def make(level: float) -> tuple[str, Scenario, int | None]:
        key = level_label(level) if not prefix else f"{prefix}|{level_label(level)}"
        return key, scenario, int(level)

    return search_levels(make, source, settings, TROOPS, progress)


@dataclass(frozen=True)
class Tornado:
    """One input's bar: the troops needed at its low and its high end (`SizeResult.needed`: with a target
    out of the troops' reach, the troops that meet every other target; None: no level meets)."""

    input: Input
    low_value: float | int
    high_value: float | int
    needed_low: float | None
    needed_high: float | None
    low_result: SizeResult
    high_result: SizeResult

    @property
    def swing(self) -> float:
        """|needed at high − needed at low|; infinite when one end has no answer."""
        if self.needed_low is None or self.needed_high is None:
            return math.inf if (self.needed_low is None) != (self.needed_high is None) else math.nan
        return abs(self.needed_high - self.needed_low)


def one_at_a_time(
    s: Scenario,
    inputs: Sequence[Input],
    source: ColumnSource,
    settings: SizeSettings,
    progress: Callable[[SearchStep], None] | None = None,
) -> tuple[SizeResult, list[Tornado]]:
    """`size` at the scenario's values, then with each input at each end: the tornado, widest first."""
    base = size_at(s, source, settings, {}, progress)
    bars = []
    for inp in inputs:
        lo_v = input_value(s, inp.path, inp.low)
        hi_v = input_value(s, inp.path, inp.high)
        lo = size_at(s, source, settings, {inp.path: lo_v}, progress)
        hi = size_at(s, source, settings, {inp.path: hi_v}, progress)
        bars.append(Tornado(inp, lo_v, hi_v, lo.needed, hi.needed, lo, hi))
    bars.sort(key=lambda b: -b.swing if not math.isnan(b.swing) else math.inf)
    return base, bars


@dataclass(frozen=True)
class MorrisResult:
    """Morris screening at `troops`: the design (`x`, one row per point, in the inputs' units), each
    output's values per point (`y`), and per output the inputs' μ, μ*, σ and μ*'s 95% bootstrap
    half-width (SALib). `replications` per point."""

    troops: int | None
    trajectories: int
    levels: int
    replications: int
    x: np.ndarray
    y: dict[str, np.ndarray]
    effects: dict[str, dict[str, dict[str, float]]]  # output -> input -> {mu, mu_star, sigma, mu_star_conf}

    def ranking(self, output: str) -> list[str]:
        """The inputs by μ* on `output`, largest first; none if no input moves it (every μ* zero: a
        ranking would only be the order the inputs were given in)."""
        eff = self.effects.get(output, {})
        if not any(e["mu_star"] > 0 for e in eff.values()):
            return []
        return sorted(eff, key=lambda k: -eff[k]["mu_star"])

    def targets_ranking(self) -> list[str]:
        """The inputs by the sum of their μ* on each target's own P(met in one replication) (outputs
        `met:TARGET`, all probabilities, so they add up): the ranking to read when P(every target met)
        does not move (a target no input reaches keeps it at 0)."""
        score: dict[str, float] = {}
        for output, eff in self.effects.items():
            if output.startswith(MET):
                for name, e in eff.items():
                    score[name] = score.get(name, 0.0) + e["mu_star"]
        return sorted((k for k in score if score[k] > 0), key=lambda k: -score[k])


P_ALL = "p_all_met"
MET = "met:"  # prefix of each target's P(met in one replication) among Morris's outputs


def morris(
    s: Scenario,
    inputs: Sequence[Input],
    source: ColumnSource,
    troops: int | None,
    trajectories: int,
    replications: int,
    seed: int,
    levels: int = 4,
) -> MorrisResult:
    """Morris elementary effects of the inputs on P(every target met), on each target's P(met in one
    replication) (`met:TARGET`) and on each target's column mean, at `troops`, every point on
    replications 0..n-1 of the same seed."""
    from SALib.analyze import morris as analyze  # imported here: only sensitivity needs SALib
    from SALib.sample import morris as sample

    names = [i.path for i in inputs]
    problem: dict[str, Any] = {
        "num_vars": len(inputs),
        "names": [i.path for i in inputs],
        "bounds": [[i.low, i.high] for i in inputs],
    }
    x = sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    specs = target_specs(s)
    met_outputs = {MET + sp.name: sp for sp in specs}
    outputs = [P_ALL, *met_outputs, *dict.fromkeys(sp.column for sp in specs)]
    y = {o: np.full(len(x), np.nan) for o in outputs}
    for k, row in enumerate(x):
        values = {i.path: input_value(s, i.path, v) for i, v in zip(inputs, row, strict=True)}
        scenario = with_inputs(s, values)
        key = "morris:" + ",".join(f"{p}={v}" for p, v in values.items())
        cols = source(key, scenario, troops, replications)
        y[P_ALL][k] = float(all_met_per_replication(cols, target_specs(scenario)).mean())
        for o, sp in met_outputs.items():
            y[o][k] = float(all_met_per_replication(cols, [sp]).mean())
        for o in outputs[1 + len(met_outputs) :]:
            values_o = cols.get(o)
            if values_o is not None:
                finite = values_o[np.isfinite(values_o)]
                y[o][k] = float(finite.mean()) if finite.size else np.nan
    effects: dict[str, dict[str, dict[str, float]]] = {}
    for o, yo in y.items():
        if np.isnan(yo).any():
            continue
        res = analyze.analyze(problem, x, yo, num_levels=levels, seed=seed, print_to_console=False)
        effects[o] = {
            name: {
                "mu": float(res["mu"][j]),
                "mu_star": float(res["mu_star"][j]),
                "sigma": float(res["sigma"][j]),
                "mu_star_conf": float(res["mu_star_conf"][j]),
            }
            for j, name in enumerate(names)
        }
    return MorrisResult(troops, trajectories, levels, replications, x, y, effects)


@dataclass(frozen=True)
class SensitivityResult:
    """Both analyses: the answer at the scenario's values (None if not run), the tornado, Morris (None
    when skipped), the
    inputs ranked (tornado swing, then Morris μ* on P(every target met)) and replications spent."""

    base: SizeResult | None
    tornado: list[Tornado]
    morris: MorrisResult | None
    ranking: list[str]
    spent: int
