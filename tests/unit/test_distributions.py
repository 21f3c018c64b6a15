"""Distributions: analytic moments against closed forms, and samples against those moments.

Every sample check is a 99.9% confidence interval derived from the analytic variance
(|sample mean - mean| <= 3.29 sqrt(var / n)), never a hand-picked tolerance. The closed forms are
written out here independently of `sim.scenario.distributions`.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from sim.scenario.schema import Movement

N = 20_000
Z_999 = 3.29  # two-sided 99.9% quantile of the standard normal
SEED = 20241114


def _pdf(x: float) -> float:
    """Standard normal density (0 at the infinities)."""
    return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _sf(x: float) -> float:
    """Standard normal upper tail P(Z > x), accurate far into the tail."""
    return 0.5 * math.erfc(x / math.sqrt(2))


def truncated_normal_moments(mu: float, sd: float, low: float, high: float | None) -> tuple[float, float]:
    """Mean and variance of N(mu, sd^2) truncated to [low, high] (Johnson, Kotz & Balakrishnan)."""
    a = (low - mu) / sd
    b = math.inf if high is None else (high - mu) / sd
    z = _sf(a) - _sf(b)
    ratio = (_pdf(a) - _pdf(b)) / z
    b_pdf_b = 0.0 if math.isinf(b) else b * _pdf(b)
    mean = mu + sd * ratio
    var = sd**2 * (1 + (a * _pdf(a) - b_pdf_b) / z - ratio**2)
    return mean, var


def lognormal_moments(mean: float, sd: float) -> tuple[float, float]:
    """Moments of exp(N(mu, sigma^2)) for the mu, sigma that a (mean, sd) parametrisation defines."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2
    return math.exp(mu + sigma2 / 2), (math.exp(sigma2) - 1) * math.exp(2 * mu + sigma2)


def weighted_moments(values: list[float], weights: list[float]) -> tuple[float, float]:
    total = sum(weights)
    mean = sum(w * v for v, w in zip(values, weights, strict=True)) / total
    var = sum(w * (v - mean) ** 2 for v, w in zip(values, weights, strict=True)) / total
    return mean, var


# (distribution, closed-form mean, closed-form variance)
CASES = {
    "fixed": (Fixed(value=7.5), 7.5, 0.0),
    "exponential": (Exponential(mean=30), 30.0, 900.0),
    "uniform": (Uniform(low=10, high=20), 15.0, 100 / 12),
    "uniform-point": (Uniform(low=5, high=5), 5.0, 0.0),
    "triangular": (Triangular(low=5, mode=10, high=30), 15.0, (25 + 100 + 900 - 50 - 150 - 300) / 18),
    "triangular-mode-at-low": (Triangular(low=0, mode=0, high=60), 20.0, 3600 / 18),
    "normal-light-truncation": (Normal(mean=20, sd=8), *truncated_normal_moments(20, 8, 0, None)),
    "normal-heavy-truncation": (Normal(mean=2, sd=5), *truncated_normal_moments(2, 5, 0, None)),
    "normal-two-sided": (
        Normal(mean=20, sd=8, low=5, high=40),
        *truncated_normal_moments(20, 8, 5, 40),
    ),
    "normal-narrow": (Normal(mean=20, sd=8, low=19, high=21), *truncated_normal_moments(20, 8, 19, 21)),
    "normal-far-tail": (Normal(mean=-3, sd=1), *truncated_normal_moments(-3, 1, 0, None)),
    "lognormal": (LogNormal(mean=20, sd=15), *lognormal_moments(20, 15)),
    "lognormal-skewed": (LogNormal(mean=30, sd=90), *lognormal_moments(30, 90)),
    "empirical": (Empirical(values=[0, 10, 25, 60]), *weighted_moments([0, 10, 25, 60], [1, 1, 1, 1])),
    "empirical-weighted": (
        Empirical(values=[0, 10, 25, 60], weights=[50, 30, 15, 5]),
        *weighted_moments([0, 10, 25, 60], [50, 30, 15, 5]),
    ),
}


@pytest.mark.parametrize(("dist", "mean", "var"), list(CASES.values()), ids=list(CASES))
def test_analytic_moments_match_closed_forms(dist: Distribution, mean: float, var: float) -> None:
    assert dist.mean == pytest.approx(mean, rel=1e-9, abs=1e-12)
    assert dist.variance == pytest.approx(var, rel=1e-9, abs=1e-12)


def test_lognormal_closed_form_returns_its_parameters() -> None:
    # The (mean, sd) parametrisation is self-consistent: the moments are the parameters themselves.
    assert lognormal_moments(20, 15) == pytest.approx((20, 225), rel=1e-12)


def test_heavy_truncation_moves_the_normal_mean() -> None:
    # Cutting N(2, 5^2) at 0 removes the left 34%: the mean rises well above 2, the sd falls below 5.
    mean, var = truncated_normal_moments(2, 5, 0, None)
    assert mean > 4.5
    assert var < 25


@pytest.mark.parametrize("method", ["sample_many", "sample"])
@pytest.mark.parametrize(("dist", "mean", "var"), list(CASES.values()), ids=list(CASES))
def test_sample_mean_lies_in_the_999_interval(
    dist: Distribution, mean: float, var: float, method: str
) -> None:
    rng = np.random.default_rng(SEED)
    if method == "sample_many":
        draws = dist.sample_many(rng, N)
    else:
        draws = np.array([dist.sample(rng) for _ in range(N)])
    assert draws.shape == (N,)
    half_width = Z_999 * math.sqrt(var / N)
    assert abs(draws.mean() - mean) <= half_width


def test_fixed_returns_its_value_exactly() -> None:
    d = Fixed(value=12.5)
    rng = np.random.default_rng(SEED)
    assert d.sample(rng) == 12.5
    assert (d.sample_many(rng, 1000) == 12.5).all()
    assert (d.mean, d.variance) == (12.5, 0.0)


@pytest.mark.parametrize(
    "dist",
    [
        Normal(mean=1, sd=5, low=0.5),
        Normal(mean=-5, sd=1),  # the far tail: beyond what the rejection sampler can reach
        Normal(mean=20, sd=30, low=10, high=25),
    ],
    ids=["one-sided", "far-tail", "two-sided"],
)
def test_truncated_normal_stays_within_its_bounds(dist: Normal) -> None:
    rng = np.random.default_rng(SEED)
    draws = np.array([dist.sample(rng) for _ in range(N)])
    assert draws.min() >= dist.low
    if dist.high is not None:
        assert draws.max() <= dist.high


_size = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
_scale = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, object]:
    """Valid parameters for any kind, as a scenario file would give them."""
    kind = draw(
        st.sampled_from(["fixed", "exponential", "uniform", "triangular", "normal", "lognormal", "empirical"])
    )
    if kind == "fixed":
        return {"kind": kind, "value": draw(_size)}
    if kind == "exponential":
        return {"kind": kind, "mean": draw(_scale)}
    if kind == "uniform":
        low, high = sorted(draw(st.lists(_size, min_size=2, max_size=2)))
        return {"kind": kind, "low": low, "high": high}
    if kind == "triangular":
        low, mode, high = sorted(draw(st.lists(_size, min_size=3, max_size=3)))
        return {"kind": kind, "low": low, "mode": mode, "high": high}
    if kind == "normal":
        sd = draw(st.floats(min_value=1e-3, max_value=1e4))
        low = draw(st.floats(min_value=0, max_value=1e4))
        z = draw(st.floats(min_value=-5, max_value=50))  # low sits z sd below the mean
        out: dict[str, object] = {"kind": kind, "mean": low + z * sd, "sd": sd, "low": low}
        if draw(st.booleans()):  # at least half an sd above both low and the mean
            out["high"] = max(low, low + z * sd) + draw(st.floats(min_value=0.5, max_value=100)) * sd
        return out
    if kind == "lognormal":
        return {"kind": kind, "mean": draw(_scale), "sd": draw(_scale)}
    values = draw(st.lists(_size, min_size=1, max_size=8))
    out = {"kind": kind, "values": values}
    if draw(st.booleans()):
        weights = draw(
            st.lists(st.floats(min_value=0, max_value=100), min_size=len(values), max_size=len(values))
        )
        weights[0] += 1  # not all zero
        out["weights"] = weights
    return out


_ANY = TypeAdapter(Distribution)


@settings(max_examples=300, deadline=None)
@given(params=distributions(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_samples_are_never_negative(params: dict[str, object], seed: int) -> None:
    dist = _ANY.validate_python(params)
    rng = np.random.default_rng(seed)
    draws = np.append(dist.sample_many(rng, 50), [dist.sample(rng) for _ in range(5)])
    assert np.isfinite(draws).all()
    assert (draws >= 0).all()


def test_plain_numbers_mean_fixed_in_a_scenario() -> None:
    s = parse_scenario(
        """
name: plain
timezone: America/Lima
start: 2024-11-14 00:00
end: 2024-11-15 00:00
cities: {lima: {lat: -12.05, lon: -77.04}}
sites: {hotel: {city: lima}, airport: {city: lima}}
forces: {police: {headcount: 10, cities: {lima: 1.0}}}
tiers: {leader: {escort_team: 2}}
delegations:
  usa:
    tier: leader
    hotel: hotel
    escort_forces: [police]
    arrival: {airport: airport, scheduled: 2024-11-14 10:00, delay_min: 25}
    departure: {airport: airport, scheduled: 2024-11-14 20:00}
incidents:
  lima:
    city: lima
    rate_per_day: 3
    team: 2
    forces: [police]
    travel_min: 7
    on_scene_min: 2.5
"""
    )
    assert s.delegations["usa"].arrival.delay_min == Fixed(value=25)
    assert s.delegations["usa"].departure.delay_min == Fixed(value=0)  # the default
    assert s.incidents["lima"].travel_min == Fixed(value=7)
    assert s.incidents["lima"].on_scene_min == Fixed(value=2.5)


def test_plain_number_field_coerces_to_fixed() -> None:
    m = Movement.model_validate({"at": dt.datetime(2024, 11, 15, 8, 30), "to": "venue", "dwell_min": 15})
    assert isinstance(m.dwell_min, Fixed)
    assert m.dwell_min.value == 15
    assert m.dwell_min.sample(np.random.default_rng(SEED)) == 15


@pytest.mark.parametrize("value", ["true", '"15"', "-15"], ids=["boolean", "string", "negative"])
def test_only_non_negative_numbers_stand_for_fixed(value: str) -> None:
    text = f"""
name: plain
timezone: America/Lima
start: 2024-11-14 00:00
end: 2024-11-15 00:00
cities: {{lima: {{lat: -12.05, lon: -77.04}}}}
forces: {{police: {{headcount: 10, cities: {{lima: 1.0}}}}}}
incidents:
  lima:
    city: lima
    rate_per_day: 3
    team: 2
    forces: [police]
    travel_min: {value}
    on_scene_min: 10
"""
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text)
    assert [p.path for p in e.value.problems] == ["incidents.lima.travel_min"]


def test_the_probability_guards_are_numpys_without_importing_it() -> None:
    """The tight-truncation draw keeps p inside (0, 1) with numpy's own float limits, spelt in plain
    Python so that loading a scenario needs no numpy."""
    from sim.scenario import distributions

    assert np.finfo(float).tiny == distributions._TINY
    assert np.finfo(float).epsneg == distributions._EPS
