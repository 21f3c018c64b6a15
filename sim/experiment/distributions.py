"""Pooled distributions of per-event times (escort waits, incident response times) as fixed histograms.

A sweep of the reference scenario has hundreds of thousands of movements and incidents; keeping each
one's time would grow with the replications. Instead every batch counts its times into fixed bins and
the counts add up, per troop level (or variant), into `distributions.csv`: its size is bounded by
levels × quantities × bins whatever the number of replications, and the sums are integers, so the file
is identical whatever the workers.

Bins are `STEP_MIN` minutes wide and closed on the right: the row with `upper_min` u counts the times in
(u − STEP_MIN, u]. The row with `upper_min` 0 counts times of exactly 0 (no wait at all), and `inf`
counts times beyond `MAX_MIN` together with those that never ended: an incident no team was sent to, or
a movement no escort came for, before the run ended (as the metrics count them: +inf). Escort times are
delays from the time the movement was due (`escort_wait_min` keeps its name for older folders).
The empirical CDF at a bin's upper edge is exact; between edges it is known to within one bin.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable

import numpy as np

from sim.metrics.core import escort_delays_min, response_times_min
from sim.model.record import ReplicationRecord

__all__ = ["COLUMNS", "MAX_MIN", "QUANTITIES", "STEP_MIN", "Histograms", "upper_edges"]

STEP_MIN = 0.5
MAX_MIN = 720.0
QUANTITIES = ("escort_wait_min", "response_min")
COLUMNS = ["quantity", "upper_min", "count"]
_ZERO = 1e-9  # a wait at most this long is no wait (as `movements_delayed_frac` counts them)
_BINS = round(MAX_MIN / STEP_MIN) + 2  # exactly 0, then (k-1, k] steps up to MAX_MIN, then beyond


def upper_edges() -> np.ndarray:
    """The upper edge (minutes) of every bin: 0, STEP_MIN, 2·STEP_MIN, ..., MAX_MIN, inf."""
    return np.concatenate([np.arange(_BINS - 1) * STEP_MIN, [math.inf]])


def _bin(values: np.ndarray) -> np.ndarray:
    index = np.ceil(np.where(values <= _ZERO, 0.0, values) / STEP_MIN)
    index = np.where(np.isnan(index) | (index > _BINS - 2), _BINS - 1, index)
    return index.astype(np.int64)


def record_times(r: ReplicationRecord) -> dict[str, np.ndarray]:
    """A replication's escort delays (from the time due) and response times in minutes; a movement never
    escorted and an incident never answered are inf (sim.metrics)."""
    return {"escort_wait_min": escort_delays_min(r), "response_min": response_times_min(r)}


class Histograms:
    """Counts per bin of each quantity, added up over replications."""

    def __init__(self) -> None:
        self.counts = {q: np.zeros(_BINS, dtype=np.int64) for q in QUANTITIES}

    def add(self, record: ReplicationRecord) -> None:
        for q, values in record_times(record).items():
            if values.size:
                self.counts[q] += np.bincount(_bin(values), minlength=_BINS)

    def merge(self, other: Histograms) -> None:
        for q in QUANTITIES:
            self.counts[q] += other.counts[q]

    def rows(self, label: str) -> list[list[object]]:
        """The non-empty bins as rows `[label, quantity, upper_min, count]`."""
        edges = upper_edges()
        return [
            [label, q, repr(float(edges[i])), int(c[i])]
            for q, c in self.counts.items()
            for i in np.flatnonzero(c)
        ]

    def to_csv(self, label: str) -> str:
        out = io.StringIO()
        csv.writer(out).writerows(self.rows(label))
        return out.getvalue()

    @classmethod
    def from_rows(cls, rows: Iterable[list[str]]) -> Histograms:
        """Read back `rows` (quantity, upper_min, count) written by `rows`/`to_csv`, label dropped."""
        h = cls()
        edges = {float(e): i for i, e in enumerate(upper_edges())}
        for quantity, upper, count in rows:
            h.counts[quantity][edges[float(upper)]] += int(count)
        return h
