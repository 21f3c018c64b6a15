"""Random durations and delays: the distributions a scenario may name.

Each distribution is a frozen pydantic model with a `kind` tag, its parameters in the unit of the field
that holds it (`delay_min` holds minutes), `sample(rng, size)` drawing from a numpy Generator that the
caller owns, and analytic `mean` and `variance`, so tests can compare sample moments with theory and a
scenario can report expected loads before it runs.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from sim.scenario.types import NonNegative, Positive, Strict, safe_weights

if TYPE_CHECKING:  # numpy is imported where a sample is drawn: `validate` has no use for it (0.13 s)
    import numpy as np

__all__ = [
    "Dist",
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "as_distribution",
]

# keep probabilities inside (0, 1): numpy's finfo(float).tiny and .epsneg
_TINY, _EPS = sys.float_info.min, sys.float_info.epsilon / 2


class _Dist(Strict):
    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        raise NotImplementedError

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` independent draws."""
        import numpy as np

        return np.array([self.sample(rng) for _ in range(size)])

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        """Short human form, for `validate` summaries."""
        params = ", ".join(f"{k}={v}" for k, v in self.model_dump(exclude={"kind"}).items())
        # each subclass declares `kind` (its Literal tag); the base has none, so it is no field of its own
        return f"{self.kind}({params})"  # type: ignore[attr-defined]


class Fixed(_Dist):
    """Always `value`: the deterministic case that exact-sequence tests use."""

    kind: Literal["fixed"] = "fixed"
    value: NonNegative

    def sample(self, rng: np.random.Generator) -> float:
        return self.value

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return np.full(size, self.value)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


class Exponential(_Dist):
    """Memoryless, with the given mean (the M in M/M/c)."""

    kind: Literal["exponential"] = "exponential"
    mean_: Positive = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_))

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_, size)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def describe(self) -> str:
        return f"exponential(mean={self.mean_})"


class Uniform(_Dist):
    """Equally likely anywhere in [low, high]."""

    kind: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12


class Triangular(_Dist):
    """Three-point estimate: least, most likely, most."""

    kind: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        if self.low == self.high:
            return self.low
        return float(rng.triangular(self.low, self.mode, self.high))

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        if self.low == self.high:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


def _ndtr(x: float) -> float:
    """The standard normal CDF at `x` (what scipy.special.ndtr computes, without importing scipy)."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


class Normal(_Dist):
    """Normal with the given mean and sd, truncated to [low, high] (low defaults to 0).

    Durations cannot be negative, so the truncation is part of the definition and the reported mean
    and variance are those of the truncated distribution.
    """

    kind: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean", allow_inf_nan=False)
    sd: Positive
    low: NonNegative = 0.0
    high: Positive | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        if self.high is not None and self.high <= self.low:
            raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
        a, b = self._ab()
        if _ndtr(b) - _ndtr(a) < 1e-9:
            raise ValueError("almost no probability lies between low and high")
        return self

    def _ab(self) -> tuple[float, float]:
        a = (self.low - self.mean_) / self.sd
        b = math.inf if self.high is None else (self.high - self.mean_) / self.sd
        return a, b

    def _frozen(self) -> Any:  # a frozen scipy.stats distribution (scipy is untyped)
        a, b = self._ab()
        from scipy import stats  # imported here: scipy.stats costs ~0.6 s at start-up

        return stats.truncnorm(a, b, loc=self.mean_, scale=self.sd)

    def sample(self, rng: np.random.Generator) -> float:
        a, b = self._ab()
        hi = math.inf if self.high is None else self.high
        if _ndtr(-a) - _ndtr(-b) >= 0.25:
            # Rejection is exact and fast while the truncation removes little mass.
            for _ in range(64):
                x = rng.normal(self.mean_, self.sd)
                if self.low <= x <= hi:
                    return float(x)
        # Inverse CDF, for a tight truncation (a scipy frozen distribution per draw costs ~0.5 ms).
        # Right of the mode, survival probabilities keep the precision that the CDF loses there.
        from scipy import special  # imported here: scipy.special costs ~0.3 s at start-up

        tail = a > 0
        lo_p, hi_p = (special.ndtr(-b), special.ndtr(-a)) if tail else (special.ndtr(a), special.ndtr(b))
        p = min(max(lo_p + rng.random() * (hi_p - lo_p), _TINY), 1 - _EPS)
        z = -special.ndtri(p) if tail else special.ndtri(p)
        return float(min(max(self.mean_ + self.sd * z, self.low), hi))

    @property
    def mean(self) -> float:
        return float(self._frozen().mean())

    @property
    def variance(self) -> float:
        return float(self._frozen().var())

    def describe(self) -> str:
        hi = "" if self.high is None else f", high={self.high}"
        return f"normal(mean={self.mean_}, sd={self.sd}, low={self.low}{hi})"


class LogNormal(_Dist):
    """Right-skewed positive delays, given by the mean and sd of the delay itself (not of its log)."""

    kind: Literal["lognormal"] = "lognormal"
    mean_: Positive = Field(alias="mean")
    sd: Positive

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def _mu_sigma(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator) -> float:
        mu, sigma = self._mu_sigma()
        return float(rng.lognormal(mu, sigma))

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        mu, sigma = self._mu_sigma()
        return rng.lognormal(mu, sigma, size)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    def describe(self) -> str:
        return f"lognormal(mean={self.mean_}, sd={self.sd})"


class Empirical(_Dist):
    """Resamples observed values, optionally with weights."""

    kind: Literal["empirical"] = "empirical"
    values: list[NonNegative] = Field(min_length=1)
    weights: list[NonNegative] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError(f"weights has {len(self.weights)} entries but values has {len(self.values)}")
        return self

    @field_validator("weights")
    @classmethod
    def _some_weight(cls, v: list[float] | None) -> list[float] | None:
        """Not all zero, and rescaled if too large or too small to sum (see `safe_weights`)."""
        return None if v is None else safe_weights(v, "weights")

    def _p(self) -> np.ndarray:
        import numpy as np

        if self.weights is None:
            return np.full(len(self.values), 1 / len(self.values))
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def sample(self, rng: np.random.Generator) -> float:
        if self.weights is None:
            return float(self.values[rng.integers(len(self.values))])
        return float(rng.choice(self.values, p=self._p()))

    @property
    def mean(self) -> float:
        import numpy as np

        return float(np.dot(self._p(), self.values))

    @property
    def variance(self) -> float:
        import numpy as np

        v = np.asarray(self.values, dtype=float)
        return float(np.dot(self._p(), (v - self.mean) ** 2))

    def describe(self) -> str:
        return f"empirical({len(self.values)} values, mean={self.mean:.3g})"


Distribution = Annotated[
    Fixed | Exponential | Uniform | Triangular | Normal | LogNormal | Empirical,
    Field(discriminator="kind"),
]


def as_distribution(value: object) -> object:
    """Let a plain number stand for `{kind: fixed, value: N}` in scenario files."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"kind": "fixed", "value": value}
    return value


Dist = Annotated[Distribution, BeforeValidator(as_distribution)]
"""A scenario field holding a distribution, or a plain number standing for a fixed value."""
