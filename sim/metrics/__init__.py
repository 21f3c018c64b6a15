"""Per-replication metrics (docs/metrics.md): pure functions of a replication's record.

`core` holds the whole-event metrics, `scopes` reads from a scenario the demands a metric can be scoped to
(forces, cities, sites, posts, roles, delegations, tiers, incident streams, air requirements, fuel
points), `scoped` computes every metric per scope, and `targets` turns the scenario's targets into
checks on those columns. The names below are imported on first use (sim.lazy): `validate` reads the
metric columns and targets of a scenario without numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.metrics.core import (
        METRICS,
        air_coverage_by,
        compute_metrics,
        critical_runs,
        merge_intervals,
        post_coverage_by,
    )
    from sim.metrics.scoped import scoped_metrics
    from sim.metrics.scopes import Scopes, column
    from sim.metrics.targets import TargetSpec, is_proportion, metric_of, target_specs
    from sim.model.record import ReplicationRecord
    from sim.scenario.schema import Scenario

__all__ = [
    "METRICS",
    "Scopes",
    "TargetSpec",
    "air_coverage_by",
    "column",
    "compute_all",
    "compute_metrics",
    "critical_runs",
    "is_proportion",
    "merge_intervals",
    "metric_columns",
    "metric_of",
    "post_coverage_by",
    "scoped_metrics",
    "target_specs",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.metrics.core": [
            "METRICS",
            "air_coverage_by",
            "compute_metrics",
            "critical_runs",
            "merge_intervals",
            "post_coverage_by",
        ],
        "sim.metrics.scoped": ["scoped_metrics"],
        "sim.metrics.scopes": ["Scopes", "column"],
        "sim.metrics.targets": ["TargetSpec", "is_proportion", "metric_of", "target_specs"],
    },
)


def metric_columns(s: Scenario) -> list[str]:
    """Every metric column a replication of `s` has: the whole-event metrics, then the scoped ones."""
    from sim.metrics.core import METRICS
    from sim.metrics.scopes import Scopes

    return [*METRICS, *Scopes.of(s).columns()]


def compute_all(r: ReplicationRecord, scopes: Scopes) -> dict[str, float]:
    """Every metric column of one replication (`metric_columns` order): whole event, then per scope."""
    from sim.metrics.core import compute_metrics
    from sim.metrics.scoped import scoped_metrics

    return {**compute_metrics(r), **scoped_metrics(r, scopes)}
