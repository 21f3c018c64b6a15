"""From `replications.csv` to the experiment's answer: per-level summaries, paired differences, targets.

`replications.csv` is sorted by variant (troop level) then replication, so one variant's rows are
consecutive and are read one variant at a time; only two variants' columns are in memory at once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
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

__all__ = [
    "DIFFERENCE_COLUMNS",
    "SUMMARY_COLUMNS",
    "Answer",
    "analyse",
    "interval_of",
    "read_variants",
]

SUMMARY_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "std", "n"]
DIFFERENCE_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "std", "n", "significant"]
TARGET_COLUMNS = ["target", "metric", "bound", "limit", "value", "met"]


def interval_of(metric: str, values: np.ndarray) -> Interval:
    """The interval `metric` gets: Wilson for 0/1 metrics (`PROPORTIONS`), Student-t otherwise."""
    return (proportion_interval if metric in PROPORTIONS else mean_interval)(values)


def _floats(cells: Sequence[str]) -> np.ndarray:
    return np.array([float(c) if c else np.nan for c in cells], dtype=float)


def read_variants(path: Path) -> Iterator[tuple[str, np.ndarray, dict[str, np.ndarray]]]:
    """(label, replication numbers, metric columns) of each variant in `replications.csv`, in order."""
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        metrics = header[2:]
        label: str | None = None
        block: list[list[str]] = []

        def flush() -> tuple[str, np.ndarray, dict[str, np.ndarray]]:
            cols = list(zip(*block, strict=True))
            reps = np.array([int(x) for x in cols[1]], dtype=int)
            return label or "", reps, {m: _floats(cols[2 + i]) for i, m in enumerate(metrics)}

        for row in reader:
            if block and row[0] != label:
                yield flush()
                block = []
            label = row[0]
            block.append(row)
        if block:
            yield flush()


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


def analyse(path: Path, targets_of: dict[str, Any], pairs: str) -> Answer:
    """Summaries per variant, target checks, and paired differences between consecutive variants.

    `targets_of` maps each label to its scenario's `Targets`; `pairs` is "adjacent" (each level against
    the one below it) or "none".
    """
    labels: list[str] = []
    summaries: dict[str, dict[str, Interval]] = {}
    checks: dict[str, list[TargetCheck]] = {}
    differences = []
    previous: tuple[str, np.ndarray, dict[str, np.ndarray]] | None = None
    replications = 0
    for label, reps, cols in read_variants(path):
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


def write_answer(folder: Path, key: str, answer: Answer) -> None:
    """`summary.csv`, `differences.csv` and `targets.csv` of an experiment."""
    from sim.results import format_float, write_table

    summary = [
        [label, m, *(format_float(getattr(iv, f)) for f in ("mean", "ci_low", "ci_high", "std")), iv.n]
        for label in answer.labels
        for m, iv in answer.summaries[label].items()
    ]
    write_table(folder / "summary.csv", [key, *SUMMARY_COLUMNS], summary)
    diffs = [
        [a, b, m, *(format_float(getattr(iv, f)) for f in ("mean", "ci_low", "ci_high", "std")), iv.n,
         int(iv.excludes_zero)]
        for a, b, d in answer.differences
        for m, iv in d.items()
    ]  # fmt: skip
    write_table(folder / "differences.csv", [f"{key}_from", f"{key}_to", *DIFFERENCE_COLUMNS], diffs)
    checks = [
        [label, c.target, c.metric, c.bound, format_float(c.limit), format_float(c.value), int(c.met)]
        for label in answer.labels
        for c in answer.checks[label]
    ]
    write_table(folder / "targets.csv", [key, *TARGET_COLUMNS], checks)
