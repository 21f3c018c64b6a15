"""From replications to the experiment's answer: per-level summaries, paired differences, targets.

`analyse` takes the variants one at a time, in order (the results layer reads them from
`replications.csv`), so only two variants' columns are in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.metrics import PROPORTIONS
from sim.stats import (
    Interval,
    TargetCheck,
    mean_interval,
    paired_difference,
    proportion_interval,
    target_checks,
)

__all__ = ["Answer", "VariantColumns", "analyse", "interval_of"]

VariantColumns = tuple[str, np.ndarray, dict[str, np.ndarray]]  # label, replication numbers, metric → values


def interval_of(metric: str, values: np.ndarray) -> Interval:
    """The interval `metric` gets: Wilson for 0/1 metrics (`PROPORTIONS`), Student-t otherwise."""
    return (proportion_interval if metric in PROPORTIONS else mean_interval)(values)


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


def analyse(variants: Iterable[VariantColumns], targets_of: dict[str, Any], pairs: str) -> Answer:
    """Summaries per variant, target checks, and paired differences between consecutive variants.

    `targets_of` maps each label to its scenario's `Targets`; `pairs` is "adjacent" (each level against
    the one below it) or "none".
    """
    labels: list[str] = []
    summaries: dict[str, dict[str, Interval]] = {}
    checks: dict[str, list[TargetCheck]] = {}
    differences = []
    previous: VariantColumns | None = None
    replications = 0
    for label, reps, cols in variants:
        labels.append(label)
        replications = max(replications, len(reps))
        summaries[label] = {m: interval_of(m, v) for m, v in cols.items()}
        checks[label] = target_checks(summaries[label], targets_of[label])
        if previous is not None and pairs == "adjacent":
            p_label, p_reps, p_cols = previous
            if not np.array_equal(p_reps, reps):
                raise ValueError(f"variants {p_label} and {label} ran different replications: cannot pair")
            diffs = {m: paired_difference(p_cols[m], cols[m]) for m in cols}
            differences.append((p_label, label, diffs))
        previous = (label, reps, cols)
    return Answer(labels, summaries, checks, differences, replications)
