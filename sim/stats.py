"""Confidence intervals over replications: pure functions, NaN-aware, no I/O.

- A metric's mean gets a Student-t interval (replications are independent and identically distributed).
- A metric that is 0 or 1 in every replication (its mean is a probability, like P(critical gap)) gets a
  Wilson score interval, which stays inside [0, 1] and does not collapse to a point when every
  replication agrees.
- Two staffing levels or two variants run on common random numbers are compared replication by
  replication: the paired differences get a Student-t interval.
- `check_target` says whether a level meets a target with 95% confidence, and when it does not only
  because the replications are too few, about how many would show it.

The methods are written up in docs/statistics.md. A NaN value (a metric with nothing to measure in that
replication) is left out, and `n` counts the values used.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by the functions that take arrays: `validate` needs none (0.13 s)
    import numpy as np

__all__ = [
    "Interval",
    "TargetCheck",
    "check_target",
    "holm",
    "mean_interval",
    "paired_difference",
    "paired_p_value",
    "proportion_interval",
    "replications_to_show",
    "summarise",
    "unanimous_interval",
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
    import numpy as np

    a = np.asarray(values, dtype=float).ravel()
    return a[~np.isnan(a)]


def _std(a: np.ndarray) -> float:
    return float(a.std(ddof=1)) if a.size >= 2 else NAN


def mean_interval(values: Iterable[float] | np.ndarray, confidence: float = 0.95) -> Interval:
    """Mean and Student-t interval: mean ± t(n-1) · s/√n. Needs 2 or more values for an interval.

    An infinite value (a replication whose p90 response time is infinite: more than 10% of incidents
    never reached) proves the expectation infinite, so the interval is [inf, inf] (-inf likewise; both
    signs at once give NaN).
    """
    import numpy as np

    a = _finite(values)
    n = int(a.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, NAN, 0)
    if np.isinf(a).any():
        with np.errstate(invalid="ignore"):
            mean = float(a.mean())
        return Interval(mean, mean, mean, NAN, n)
    mean = float(a.mean())
    if n == 1:
        return Interval(mean, NAN, NAN, NAN, 1)
    s = _std(a)
    from scipy.special import stdtrit  # imported here: scipy.special costs ~0.3 s at start-up

    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * s / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, s, n)


def wilson(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion `successes / n`."""
    if n <= 0:
        return NAN, NAN
    z = _z(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def proportion_interval(values: Iterable[float] | np.ndarray, confidence: float = 0.95) -> Interval:
    """Share of replications where a 0/1 metric is 1, with its Wilson interval."""
    import numpy as np

    a = _finite(values)
    n = int(a.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, NAN, 0)
    if not np.all((a == 0) | (a == 1)):
        raise ValueError("a proportion needs values that are 0 or 1 in every replication")
    low, high = wilson(float(a.sum()), n, confidence)
    return Interval(float(a.mean()), low, high, _std(a), n)


def unanimous_interval(value: float, n: int, confidence: float = 0.95) -> Interval:
    """`proportion_interval` of `n` replications that all gave `value` (0 or 1), computed without an
    array: the best a 0/1 metric can show on `n` replications, which `validate` warns about without
    importing numpy."""
    if n <= 0:
        return Interval(NAN, NAN, NAN, NAN, 0)
    if value not in (0, 1):
        raise ValueError("a proportion needs values that are 0 or 1 in every replication")
    low, high = wilson(float(value) * n, n, confidence)
    return Interval(float(value), low, high, 0.0 if n >= 2 else NAN, n)


def paired_difference(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, confidence: float = 0.95
) -> Interval:
    """Mean of b − a over replications where both are measured, with a Student-t interval.

    `a[i]` and `b[i]` must come from the same replication (common random numbers), so that the noise
    they share cancels in the difference.
    """
    import numpy as np

    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired values need equal lengths, got {x.size} and {y.size}")
    both = ~(np.isnan(x) | np.isnan(y))
    with np.errstate(invalid="ignore"):  # inf − inf (both levels failed) is NaN: no difference to count
        return mean_interval(y[both] - x[both], confidence)


def paired_p_value(iv: Interval) -> float:
    """Two-sided p-value of the paired t-test that a difference's mean (the `Interval` of
    `paired_difference`) is 0: 2·P(T(n-1) > |mean|/(s/√n)). A difference that is the same in every
    replication has p 0 (or 1 when it is 0); NaN with fewer than 2 values or an infinite mean."""
    if iv.n < 2 or not math.isfinite(iv.mean):
        return NAN
    if not iv.std > 0:
        return 0.0 if iv.mean != 0 else 1.0
    from scipy.special import stdtr  # imported here: scipy.special costs ~0.3 s at start-up

    t = abs(iv.mean) / (iv.std / math.sqrt(iv.n))
    return float(2 * stdtr(iv.n - 1, -t))


def holm(p_values: Sequence[float], alpha: float = 0.05) -> list[bool]:
    """Holm's step-down test over a family of comparisons: which hypotheses are rejected with the
    family-wise error rate at most `alpha` (the smallest p against alpha/m, the next against alpha/(m-1),
    ... stopping at the first that fails). A NaN p-value is never rejected and does not count in m."""
    order = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(order)
    out = [False] * len(p_values)
    for rank, (p, i) in enumerate(order):
        if p > alpha / (m - rank):
            break
        out[i] = True
    return out


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
    """One target checked at one level: the column read, which bound of its interval is compared with
    the limit, and the verdict.

    `status` is "met", "not met" (the estimate itself misses the limit, or there is no interval), or
    "undecided" (the estimate meets the limit but the interval still reaches past it: replications, not
    staffing, are what is missing; `replications_needed` is then about how many would show it).
    """

    target: str
    metric: str
    bound: str  # "ci_low" or "ci_high"
    limit: float
    value: float
    met: bool
    status: str = ""
    estimate: float = NAN
    n: int = 0
    replications_needed: int | None = None

    def describe(self) -> str:
        """For example `P(critical gap) upper 95% bound 16.11%, target ≤ 5%: not met`: the metric by its
        name, the numbers in its unit."""
        from sim.numbers import fmt_short, fmt_value, metric_name  # (sim.numbers reads Interval from here)

        op = "≥" if self.bound == "ci_low" else "≤"
        side = "lower" if self.bound == "ci_low" else "upper"
        verdict = self.status or ("met" if self.met else "not met")
        value = fmt_value(self.metric, self.value)
        limit = fmt_short(self.metric, self.limit)  # as written: 97%, 99.5%, 15 min
        return f"{metric_name(self.metric)} {side} 95% bound {value}, target {op} {limit}: {verdict}"


# ndtri(0.975) to the last bit (tests/unit/test_stats.py checks it): `validate`'s replication warnings
# need it, and importing scipy.special for it would cost ~0.4 s of start-up.
_Z95 = 1.959963984540054


def _z(confidence: float = 0.95) -> float:
    """The standard normal quantile at 0.5 + confidence / 2 (1.96 for 95%)."""
    if confidence == 0.95:
        return _Z95
    from scipy.special import ndtri  # imported here: scipy.special costs ~0.4 s at start-up

    return float(ndtri(0.5 + confidence / 2))


def replications_to_show(iv: Interval, bound: str, limit: float, proportion: bool) -> int | None:
    """About how many replications would put the interval's `bound` on the right side of `limit`, if the
    estimate stays where it is; None if no number would (the estimate itself misses, or sits exactly on
    a limit an interval can only approach).

    For a proportion whose every replication agrees (0 failures), this is exact for the Wilson interval:
    the smallest n with z²/(n + z²) <= limit (for a maximum) or n/(n + z²) >= limit (for a minimum).
    Otherwise, for a proportion, it is the fewest replications (more than those run) whose Wilson interval
    at the same observed share clears the limit; for a mean, the 1/√n law: n × (half-width ÷ distance from
    the estimate to the limit)², and more than those run.
    """
    z = _z()
    mean = iv.mean
    if math.isnan(mean) or math.isinf(mean):
        return None
    gap = limit - mean if bound == "ci_high" else mean - limit
    if gap < 0:
        return None
    if proportion and mean in (0.0, 1.0):
        if gap == 0:
            return None
        side = limit if bound == "ci_high" else 1 - limit
        return math.ceil(z * z * (1 - side) / side - 1e-9)
    if gap == 0:
        return None
    if iv.n < 2 or math.isnan(iv.half_width):
        return 2
    if proportion:
        return _wilson_replications(mean, iv.n, bound, limit)
    return max(iv.n + 1, math.ceil(iv.n * (iv.half_width / gap) ** 2))


def _wilson_replications(share: float, n: int, bound: str, limit: float) -> int:
    """The fewest replications, more than the `n` run, whose Wilson interval at the same observed `share`
    clears `limit` (its bound narrows toward the share as replications grow, so there is one)."""

    def clears(m: int) -> bool:
        low, high = wilson(share * m, m)
        return high <= limit if bound == "ci_high" else low >= limit

    lo, hi = n, max(n + 1, 2)  # `lo` does not clear (the check at n failed); find an `hi` that does
    while not clears(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if clears(mid) else (mid, hi)
    return hi


def check_target(
    name: str, column: str, bound: str, limit: float, iv: Interval, proportion: bool
) -> TargetCheck:
    """Check one target against its column's interval: met when the bound clears the limit (a `min`
    target's lower bound is at least the limit, a `max` target's upper bound at most it), so the level
    meets it with 95% confidence. A column measured in no replication (no such demand) meets its target;
    one measured once has no interval and does not."""
    value = getattr(iv, bound)
    if iv.n == 0:
        return TargetCheck(name, column, bound, limit, value, True, "met (nothing to measure)", iv.mean, 0)
    met = not math.isnan(value) and (value >= limit if bound == "ci_low" else value <= limit)
    if met:
        return TargetCheck(name, column, bound, limit, float(value), True, "met", iv.mean, iv.n)
    needed = replications_to_show(iv, bound, limit, proportion)
    status = "undecided" if needed is not None else "not met"
    return TargetCheck(name, column, bound, limit, float(value), False, status, iv.mean, iv.n, needed)
