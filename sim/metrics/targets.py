"""The scenario's targets as checks on metric columns: which column each target reads, which bound of
its 95% interval must clear which limit, and a label for tables.

A percentile target is checked as the share within its bound (escort delay p95 <= 15 min  <=>  at least
95% of movements start within 15 minutes of being due), so that a movement never escorted or an incident
never reached counts as a failure without an infinite value in any mean (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.metrics.scopes import column, within_metric
from sim.scenario.schema import Scenario
from sim.scenario.targets import PERCENTILES, Target

__all__ = ["TargetSpec", "is_proportion", "metric_of", "target_specs"]

# Metrics that are 0 or 1 in every replication (on any scope): their mean over replications is a
# probability with a Wilson interval (sim.stats).
PROPORTION_METRICS = frozenset({"critical_gap"})


def metric_of(col: str) -> str:
    """The metric of a column: `post_coverage[force=us]` → `post_coverage`."""
    return col.split("[", 1)[0]


def is_proportion(col: str) -> bool:
    """True for a column that is 0 or 1 in every replication (its mean is a probability)."""
    return metric_of(col) in PROPORTION_METRICS


@dataclass(frozen=True)
class TargetSpec:
    """One target as a check: `column` of replications.csv, its interval's `bound` ("ci_low" for a
    minimum, "ci_high" for a maximum) against `limit`; `name` is how tables name the target, `metric` the
    metric the target was written on (`escort_delay_p95_min` for a percentile checked as a share) and
    `scope` the demand it names ("delegation=usa"; "" for the whole event)."""

    name: str
    column: str
    bound: str
    limit: float
    metric: str = ""
    scope: str = ""

    @property
    def proportion(self) -> bool:
        return is_proportion(self.column)


def spec_of(t: Target) -> TargetSpec:
    """The check a target stands for: the column it reads, the bound, the limit."""
    scope = () if t.scope is None else (t.scope,)
    where = "" if t.scope is None else f"{t.scope[0]}={t.scope[1]}"
    family = next((f for f in ("escort", "air_response") if t.metric.startswith(f)), "response")
    if t.metric in PERCENTILES:
        bound_min = float(t.max)  # type: ignore[arg-type]  # a percentile target has a max (schema)
        col = column(within_metric(family, bound_min), scope)
        return TargetSpec(t.describe(), col, "ci_low", PERCENTILES[t.metric] / 100, t.metric, where)
    col = column(within_metric(family, t.within_min) if t.within_min is not None else t.metric, scope)
    if t.min is not None:
        return TargetSpec(t.describe(), col, "ci_low", float(t.min), t.metric, where)
    # a target has exactly one bound (schema) and min is None here, so max is set
    return TargetSpec(t.describe(), col, "ci_high", float(t.max), t.metric, where)  # type: ignore[arg-type]


def target_specs(s: Scenario) -> list[TargetSpec]:
    """Every target of a scenario as a check, in the scenario's order."""
    return [spec_of(t) for t in s.targets.all()]
