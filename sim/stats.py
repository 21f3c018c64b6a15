"""Confidence intervals over replications: pure functions, NaN-aware, no I/O.

- A metric's mean gets a Student-t interval (replications are independent and identically distributed).
- A metric that is 0 or 1 in every replication (its mean is a probability, like P(critical gap)) gets a
  Wilson score interval, which stays inside [0, 1] and does not collapse to a point when every
  replication agrees.
- Two staffing levels or two variants run on common random numbers are compared replication by
  replication: the paired differences get a Student-t interval.
- `target_checks` says whether a level meets the scenario's targets with 95% confidence.

The methods are written up in docs/statistics.md. A NaN value (a metric with nothing to measure in that
replication) is left out, and `n` counts the values used.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri, stdtrit

__all__ = [
    "Interval",
    "TargetCheck",
    "mean_interval",
    "paired_difference",
    "proportion_interval",
    "summarise",
    "target_checks",
    "wilson",
]

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval, the sample standard deviation and the number of values."""

    mean: float
    ci_low: float
    ci_high: float
    std: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width (NaN when there is no interval)."""
        return (self.ci_high - self.ci_low) / 2

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or wholly below 0 (a significant difference)."""
        return self.ci_low > 0 or self.ci_high < 0


def _finite(values: Iterable[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(values, dtype=float).ravel()
    return a[~np.isnan(a)]


def _std(a: np.ndarray) -> float:
    return float(a.std(ddof=1)) if a.size >= 2 else NAN


def mean_interval(values: Iterable[float] | np.ndarray, confidence: float = 0.95) -> Interval:
    """Mean and Student-t interval: mean ± t(n-1) · s/√n. Needs 2 or more values for an interval."""
    a = _finite(values)
    n = int(a.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, NAN, 0)
    mean = float(a.mean())
    if n == 1:
        return Interval(mean, NAN, NAN, NAN, 1)
    s = _std(a)
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * s / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, s, n)


def wilson(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion `successes / n`."""
    if n <= 0:
        return NAN, NAN
    z = float(ndtri(0.5 + confidence / 2))
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def proportion_interval(values: Iterable[float] | np.ndarray, confidence: float = 0.95) -> Interval:
    """Share of replications where a 0/1 metric is 1, with its Wilson interval."""
    a = _finite(values)
    n = int(a.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, NAN, 0)
    if not np.all((a == 0) | (a == 1)):
        raise ValueError("a proportion needs values that are 0 or 1 in every replication")
    low, high = wilson(float(a.sum()), n, confidence)
    return Interval(float(a.mean()), low, high, _std(a), n)


def paired_difference(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, confidence: float = 0.95
) -> Interval:
    """Mean of b − a over replications where both are measured, with a Student-t interval.

    `a[i]` and `b[i]` must come from the same replication (common random numbers), so that the noise
    they share cancels in the difference.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired values need equal lengths, got {x.size} and {y.size}")
    both = ~(np.isnan(x) | np.isnan(y))
    return mean_interval(y[both] - x[both], confidence)


def summarise(
    rows: Iterable[Mapping[str, float]],
    proportions: Collection[str] = (),
    confidence: float = 0.95,
) -> dict[str, Interval]:
    """Each metric's mean and interval over `rows` (one mapping of metric → value per replication).

    Metrics named in `proportions` get Wilson intervals, the others Student-t intervals.
    """
    columns: dict[str, list[float]] = {}
    for row in rows:
        for name, value in row.items():
            columns.setdefault(name, []).append(value)
    return {
        name: (proportion_interval if name in proportions else mean_interval)(values, confidence)
        for name, values in columns.items()
    }


@dataclass(frozen=True)
class TargetCheck:
    """One target: which metric, which bound of its interval is compared, and whether it holds."""

    target: str
    metric: str
    bound: str  # "ci_low" or "ci_high"
    limit: float
    value: float
    met: bool

    def describe(self) -> str:
        """For example `critical_gap upper 95% bound 0.161, target <= 0.05: not met`."""
        op = ">=" if self.bound == "ci_low" else "<="
        side = "lower" if self.bound == "ci_low" else "upper"
        verdict = "met" if self.met else "not met"
        return f"{self.metric} {side} 95% bound {self.value:.4g}, target {op} {self.limit:g}: {verdict}"


# target field → (metric, the interval bound that must clear the limit)
TARGETS: dict[str, tuple[str, str]] = {
    "post_coverage_min": ("post_coverage", "ci_low"),
    "p_critical_gap_max": ("critical_gap", "ci_high"),
    "escort_delay_p95_max_min": ("escort_delay_p95_min", "ci_high"),
    "response_time_p90_max_min": ("response_time_p90_min", "ci_high"),
}


def target_checks(summary: Mapping[str, Interval], targets: Any) -> list[TargetCheck]:
    """Check each target that is set against the matching bound of its metric's interval.

    A `_min` target is met when the interval's lower bound is at least the target, a `_max` target when
    its upper bound is at most the target: the level meets it with 95% confidence. A metric measured in
    no replication (no posts, no movements) meets its target trivially; one measured once has no
    interval and does not.
    """
    out = []
    for field, (metric, bound) in TARGETS.items():
        limit = getattr(targets, field, None)
        if limit is None or metric not in summary:
            continue
        iv = summary[metric]
        value = getattr(iv, bound)
        if iv.n == 0:
            met = True
        elif math.isnan(value):
            met = False
        else:
            met = value >= limit if bound == "ci_low" else value <= limit
        out.append(TargetCheck(field, metric, bound, float(limit), float(value), bool(met)))
    return out
