"""An experiment's tables on disk: `replications.csv` read back one variant at a time, and
`summary.csv`, `differences.csv`, `targets.csv` and `distributions.csv` written from the answer.

`replications.csv` is sorted by variant (troop level) then replication, so one variant's rows are
consecutive; columns are found by name in its header.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from sim.experiment.distributions import COLUMNS as DIST_COLUMNS
from sim.experiment.distributions import Histograms
from sim.experiment.executors import Variant
from sim.experiment.rows import format_float
from sim.experiment.tables import Answer, VariantColumns
from sim.metrics import TargetSpec
from sim.results.files import write_table
from sim.results.parts import PartStore
from sim.stats import holm, paired_p_value

__all__ = [
    "DIFFERENCE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TARGET_COLUMNS",
    "TEST_COLUMNS",
    "holm_tests",
    "read_variants",
    "write_answer",
    "write_distributions",
]

SUMMARY_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "std", "n"]
DIFFERENCE_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "std", "n", "significant"]
TEST_COLUMNS = ["p_value", "significant_holm"]
TARGET_COLUMNS = ["target", "target_metric", "scope", "metric", "bound", "limit", "value", "met", "status",
                  "estimate", "n", "replications_needed"]  # fmt: skip


def _floats(cells: Sequence[str]) -> np.ndarray:
    return np.array([float(c) if c else np.nan for c in cells], dtype=float)


def read_variants(path: Path) -> Iterator[VariantColumns]:
    """(label, replication numbers, metric columns) of each variant in `replications.csv`, in order."""
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        key, metrics = header[0], header[2:]
        column = {name: i for i, name in enumerate(header)}
        label: str | None = None
        block: list[list[str]] = []

        def flush() -> VariantColumns:
            cols = list(zip(*block, strict=True))
            reps = np.array([int(x) for x in cols[column["replication"]]], dtype=int)
            return label or "", reps, {m: _floats(cols[column[m]]) for m in metrics}

        for row in reader:
            if block and row[column[key]] != label:
                yield flush()
                block = []
            label = row[column[key]]
            block.append(row)
        if block:
            yield flush()


def _interval_cells(iv: object) -> list[str]:
    return [format_float(getattr(iv, f)) for f in ("mean", "ci_low", "ci_high", "std")]


def write_answer(
    folder: Path, key: str, answer: Answer, specs_of: dict[str, list[TargetSpec]], tested: bool = False
) -> None:
    """`summary.csv`, `differences.csv` and `targets.csv` of an experiment; `specs_of` gives each level's
    targets, in the order of its checks. With `tested` (a comparison, each variant against the first),
    `differences.csv` also holds each difference's paired t-test p-value and whether it stays significant
    after Holm's correction over the variants compared (per metric, family-wise 5%)."""
    summary = [
        [label, m, *_interval_cells(iv), iv.n]
        for label in answer.labels
        for m, iv in answer.summaries[label].items()
    ]
    write_table(folder / "summary.csv", [key, *SUMMARY_COLUMNS], summary)
    diffs = [
        [a, b, m, *_interval_cells(iv), iv.n, int(iv.excludes_zero)]
        for a, b, d in answer.differences
        for m, iv in d.items()
    ]
    columns = [f"{key}_from", f"{key}_to", *DIFFERENCE_COLUMNS]
    if tested:
        tests = holm_tests(answer)
        for row in diffs:
            p, significant = tests[(str(row[1]), str(row[2]))]
            row += [format_float(p), int(significant)]
        columns += TEST_COLUMNS
    write_table(folder / "differences.csv", columns, diffs)
    checks = [
        [label, c.target, t.metric, t.scope, c.metric, c.bound, format_float(c.limit), format_float(c.value),
         int(c.met), c.status, format_float(c.estimate), c.n,
         "" if c.replications_needed is None else c.replications_needed]
        for label in answer.labels
        for c, t in zip(answer.checks[label], specs_of[label], strict=True)
    ]  # fmt: skip
    write_table(folder / "targets.csv", [key, *TARGET_COLUMNS], checks)


def holm_tests(answer: Answer) -> dict[tuple[str, str], tuple[float, bool]]:
    """(variant, metric) -> (paired t-test p-value, significant after Holm's correction over the
    variants compared with the first, for that metric at family-wise 5%)."""
    out: dict[tuple[str, str], tuple[float, bool]] = {}
    metrics = {m for _a, _b, d in answer.differences for m in d}
    for m in metrics:
        found = [(b, paired_p_value(d[m])) for _a, b, d in answer.differences if m in d]
        for (b, p), rejected in zip(found, holm([p for _b, p in found]), strict=True):
            out[(b, m)] = (p, rejected)
    return out


def write_distributions(path: Path, key: str, variants: Sequence[Variant], store: PartStore) -> None:
    """`distributions.csv`: each variant's histograms of escort waits and response times, summed over
    its batches (sim.experiment.distributions)."""
    rows: list[list[object]] = []
    for v, variant in enumerate(variants):
        h = Histograms.from_rows(row[1:] for row in store.rows(v, kind="dist"))
        rows.extend(h.rows(variant.label))
    write_table(path, [key, *DIST_COLUMNS], rows)
