"""From replications to the experiment's answer: per-level summaries, paired differences, targets.

`analyse` takes the variants one at a time, in order (the results layer reads them from
`replications.csv`), so only two variants' columns are in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.metrics import TargetSpec, is_proportion
from sim.stats import (
    Interval,
    TargetCheck,
    check_target,
    mean_interval,
    paired_difference,
    proportion_interval,
)

__all__ = ["Answer", "VariantColumns", "analyse", "interval_of"]

VariantColumns = tuple[str, np.ndarray, dict[str, np.ndarray]]  # label, replication numbers, metric → values


def interval_of(column: str, values: np.ndarray) -> Interval:
    """The interval a metric column gets: Wilson for 0/1 metrics (P(critical gap) on any scope),
    Student-t otherwise."""
    return (proportion_interval if is_proportion(column) else mean_interval)(values)


def check_targets(summary: dict[str, Interval], specs: list[TargetSpec]) -> list[TargetCheck]:
    """Each target checked against its column's interval (sim.stats.check_target)."""
    nothing = Interval(float("nan"), float("nan"), float("nan"), float("nan"), 0)
    return [
        check_target(t.name, t.column, t.bound, t.limit, summary.get(t.column, nothing), t.proportion)
        for t in specs
    ]


@dataclass(frozen=True)
class Answer:
    """What an experiment found: each variant's summary and target checks, and paired differences."""

    labels: list[str]
    summaries: dict[str, dict[str, Interval]]
    checks: dict[str, list[TargetCheck]]
    differences: list[tuple[str, str, dict[str, Interval]]]  # (from, to, metric → to − from)
    replications: int

    def meets(self, label: str) -> bool:
        return all(c.met for c in self.checks[label])

    @property
    def smallest_meeting(self) -> str | None:
        """The first variant (lowest troop level in a sweep) that meets every target, if any."""
        return next((label for label in self.labels if self.meets(label)), None)


def analyse(
    variants: Iterable[VariantColumns], targets_of: dict[str, list[TargetSpec]], pairs: str
) -> Answer:
    """Summaries per variant, target checks, and paired differences between variants.

    `targets_of` maps each label to its scenario's targets (sim.metrics.target_specs); `pairs` is
    "adjacent" (each level against the one below it), "first" (each variant against the first: a
    comparison) or "none".
    """
    labels: list[str] = []
    summaries: dict[str, dict[str, Interval]] = {}
    checks: dict[str, list[TargetCheck]] = {}
    differences = []
    previous: VariantColumns | None = None
    first: VariantColumns | None = None
    replications = 0
    for label, reps, cols in variants:
        labels.append(label)
        replications = max(replications, len(reps))
        summaries[label] = {m: interval_of(m, v) for m, v in cols.items()}
        checks[label] = check_targets(summaries[label], targets_of[label])
        against = previous if pairs == "adjacent" else (first if pairs == "first" else None)
        if against is not None:
            p_label, p_reps, p_cols = against
            if not np.array_equal(p_reps, reps):
                raise ValueError(f"variants {p_label} and {label} ran different replications: cannot pair")
            diffs = {m: paired_difference(p_cols[m], cols[m]) for m in cols}
            differences.append((p_label, label, diffs))
        previous = (label, reps, cols)
        first = first or previous
    return Answer(labels, summaries, checks, differences, replications)
