"""One comparison of theory with simulation, and the rule that says whether they agree.

A `Check` holds what was measured (one value per replication, or successes out of trials, or a test's
p-value) so that its interval can be drawn at any confidence: the self-check table shows 95%
intervals, and judges agreement at a family-wise level (`rows_of`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from sim.stats import Interval, mean_interval, wilson

__all__ = ["Check", "Row", "rows_of", "welch"]

Kind = Literal["mean", "proportion", "exact", "p_value", "difference"]
EXACT_RTOL = 1e-9  # deterministic cases agree to floating-point rounding, nothing looser


@dataclass(frozen=True)
class Check:
    """Theory against a simulated estimate.

    - `mean`: `values` holds one independent estimate per replication (or per independent trial);
      Student-t interval.
    - `proportion`: `successes` out of `trials` independent trials; Wilson interval.
    - `exact`: a deterministic case; `values` (one per replication) must all equal the theory to
      rounding, and the interval is their range.
    - `p_value`: a goodness-of-fit test; `values` holds its p-value, which agrees when it is at least
      1 - confidence (the test does not reject at that level); `theory` is unused (NaN).
    - `difference`: mean of `values` minus mean of `other`, two independent samples; Welch interval.
    """

    case: str
    quantity: str
    theory: float
    kind: Kind
    values: tuple[float, ...] = ()
    successes: int = 0
    trials: int = 0
    other: tuple[float, ...] = ()

    @property
    def statistical(self) -> bool:
        """Whether agreement is a statement of confidence (not exact to rounding)."""
        return self.kind != "exact"

    @property
    def n(self) -> int:
        return self.trials if self.kind in ("proportion", "p_value") else len(self.values)

    def interval(self, confidence: float = 0.95) -> Interval:
        """The simulated estimate with its interval at `confidence`."""
        if self.kind == "proportion":
            low, high = wilson(self.successes, self.trials, confidence)
            p = self.successes / self.trials if self.trials else math.nan
            return Interval(p, low, high, math.sqrt(p * (1 - p)), self.trials)
        if self.kind == "exact":
            a = np.asarray(self.values, dtype=float)
            return Interval(float(a.mean()), float(a.min()), float(a.max()), float(a.std()), a.size)
        if self.kind == "p_value":
            p = self.values[0]
            return Interval(p, math.nan, math.nan, math.nan, 1)
        if self.kind == "difference":
            return welch(np.asarray(self.values), np.asarray(self.other), confidence)
        return mean_interval(self.values, confidence)

    def agrees(self, confidence: float = 0.95) -> bool:
        """Theory inside the interval at `confidence` (exact cases: equal to rounding)."""
        iv = self.interval(confidence)
        if self.kind == "p_value":
            return bool(iv.mean >= 1 - confidence)
        if self.kind == "exact":
            tol = EXACT_RTOL * max(1.0, abs(self.theory))
            return bool(iv.ci_low - tol <= self.theory <= iv.ci_high + tol)
        return bool(iv.ci_low <= self.theory <= iv.ci_high)


def welch(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> Interval:
    """Mean of x minus mean of y, with a Welch (unequal variances) Student-t interval."""
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    diff = float(x.mean() - y.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return Interval(diff, diff - half, diff + half, se, x.size + y.size)


@dataclass(frozen=True)
class Row:
    """One line of the self-check table."""

    case: str
    quantity: str
    theory: float
    mean: float
    ci_low: float
    ci_high: float
    agrees: bool
    n: int
    kind: str
    level: float  # the confidence at which agreement was judged


def rows_of(checks: list[Check], shown: float = 0.95, family: float = 0.99) -> list[Row]:
    """Table rows: each estimate with its `shown` interval; agreement judged so that a correct model
    passes every statistical check at once with probability at least `family` (Bonferroni: each of
    the m statistical checks at confidence 1 - (1 - family) / m)."""
    m = sum(c.statistical for c in checks)
    each = 1 - (1 - family) / max(m, 1)
    rows = []
    for c in checks:
        iv = c.interval(shown)
        rows.append(
            Row(
                c.case,
                c.quantity,
                c.theory,
                iv.mean,
                iv.ci_low,
                iv.ci_high,
                c.agrees(each),
                c.n,
                c.kind,
                each if c.statistical else 1.0,
            )
        )
    return rows
