"""The interval methods against closed-form values (sim.stats)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.experiment.tables import check_targets
from sim.metrics.targets import spec_of
from sim.scenario.schema import Targets
from sim.stats import (
    _Z95,
    Interval,
    _z,
    mean_interval,
    paired_difference,
    proportion_interval,
    summarise,
    unanimous_interval,
    wilson,
)

T_4 = 2.7764451051977987  # Student t, 4 degrees of freedom, 97.5th percentile
Z = 1.959963984540054  # standard normal, 97.5th percentile


def test_the_95_percent_normal_quantile_is_scipys_to_the_last_bit():
    """`_z` answers 95% from a constant, without importing scipy (start-up): the same float as ndtri."""
    from scipy.special import ndtri

    assert float(ndtri(0.975)) == _Z95
    assert _z(0.95) == float(ndtri(0.975))
    assert _z(0.9) == float(ndtri(0.95))  # any other level is computed


def test_mean_interval_is_student_t():
    iv = mean_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    s = math.sqrt(2.5)
    assert iv.mean == 3.0
    assert iv.std == pytest.approx(s)
    assert iv.n == 5
    assert iv.ci_low == pytest.approx(3 - T_4 * s / math.sqrt(5))
    assert iv.ci_high == pytest.approx(3 + T_4 * s / math.sqrt(5))


def test_mean_interval_leaves_out_nan_and_counts_what_it_used():
    iv = mean_interval([1.0, float("nan"), 2.0, 3.0, float("nan"), 4.0, 5.0])
    assert (iv.mean, iv.n) == (3.0, 5)
    assert iv.half_width == pytest.approx(T_4 * math.sqrt(2.5) / math.sqrt(5))


def test_one_value_has_no_interval_and_none_has_no_mean():
    one = mean_interval([7.0])
    assert (one.mean, one.n) == (7.0, 1)
    assert math.isnan(one.ci_low)
    assert math.isnan(one.ci_high)
    assert math.isnan(one.std)
    none = mean_interval([float("nan")])
    assert none.n == 0
    assert math.isnan(none.mean)


def test_wilson_closed_forms():
    # 0 successes: [0, z²/(n+z²)]; n successes: the mirror image.
    assert wilson(0, 10) == (0.0, pytest.approx(Z**2 / (10 + Z**2)))
    low, high = wilson(10, 10)
    assert low == pytest.approx(10 / (10 + Z**2))
    assert high == 1.0
    # 5 of 10: symmetric about one half.
    low, high = wilson(5, 10)
    assert low + high == pytest.approx(1.0)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_proportion_interval_is_wilson_and_rejects_non_binary_values():
    iv = proportion_interval([0, 1, 0, 0, 1, float("nan"), 0, 0, 0, 0, 0])
    assert (iv.mean, iv.n) == (0.2, 10)
    assert (iv.ci_low, iv.ci_high) == pytest.approx(wilson(2, 10))
    with pytest.raises(ValueError, match="0 or 1"):
        proportion_interval([0.0, 0.5])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 40, 1000, 100_000])
@pytest.mark.parametrize("value", [0.0, 1.0])
def test_unanimous_interval_is_the_proportion_interval_of_n_equal_replications(n: int, value: float):
    """What `validate` computes without numpy is, to the last bit, what the experiments compute."""
    expected = dataclasses.astuple(proportion_interval(np.full(n, value)))
    got = dataclasses.astuple(unanimous_interval(value, n))
    assert [math.isnan(x) for x in got] == [math.isnan(x) for x in expected]
    assert [x for x in got if not math.isnan(x)] == [x for x in expected if not math.isnan(x)]


def test_unanimous_interval_rejects_a_value_that_is_no_proportion():
    with pytest.raises(ValueError, match="0 or 1"):
        unanimous_interval(0.5, 10)


def test_paired_difference_is_the_interval_of_the_differences_over_complete_pairs():
    a = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    b = np.array([2.0, 2.8, 9.0, 5.2, 5.9, np.nan])
    d = paired_difference(a, b)
    assert d == mean_interval(np.array([2.0, 2.8, 5.2, 5.9]) - np.array([1.0, 2.0, 4.0, 5.0]))
    assert d.excludes_zero
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1.0], [1.0, 2.0])


def test_pairing_removes_shared_noise():
    rng = np.random.default_rng(3)
    shared = rng.normal(0, 10, 200)
    a, b = shared, shared + 1 + rng.normal(0, 0.1, 200)
    paired = paired_difference(a, b)
    assert paired.ci_low > 0.9
    assert paired.ci_high < 1.1
    unpaired_half = mean_interval(b).half_width + mean_interval(a).half_width
    assert paired.half_width < unpaired_half / 50


def test_summarise_per_metric_with_wilson_for_proportions():
    rows = [{"cov": 0.9, "gap": 1.0}, {"cov": 1.0, "gap": 0.0}, {"cov": 0.95, "gap": float("nan")}]
    out = summarise(rows, proportions={"gap"})
    assert out["cov"] == mean_interval([0.9, 1.0, 0.95])
    assert out["gap"].n == 2
    assert (out["gap"].ci_low, out["gap"].ci_high) == pytest.approx(wilson(1, 2))


def _iv(mean: float, low: float, high: float, n: int = 30) -> Interval:
    return Interval(mean, low, high, 0.0, n)


def _checks(summary: dict[str, Interval], targets: Targets) -> list:
    return check_targets(summary, [spec_of(t) for t in targets.all()])


def test_targets_are_met_only_when_the_interval_clears_them():
    targets = Targets(post_coverage_min=0.99, p_critical_gap_max=0.05, escort_delay_p95_max_min=15)
    summary = {
        "post_coverage": _iv(0.995, 0.991, 0.999),
        "critical_gap": _iv(0.0, 0.0, 0.06),  # mean 0, but the upper bound is above 5%
        "escort_within_15min_frac": _iv(0.99, 0.97, 1.0),  # p95 <= 15 min is checked as >= 95% within 15
        "response_time_p90_min": _iv(40.0, 35.0, 45.0),  # no target set: not checked
    }
    checks = {c.metric: (c.met, c.status) for c in _checks(summary, targets)}
    assert checks == {
        "post_coverage": (True, "met"),
        "critical_gap": (False, "undecided"),  # no failure seen: more replications could show it
        "escort_within_15min_frac": (True, "met"),
    }
    summary["post_coverage"] = _iv(0.995, 0.989, 1.0)
    assert not next(c for c in _checks(summary, targets) if c.metric == "post_coverage").met
    summary["post_coverage"] = _iv(0.985, 0.98, 0.99)
    worse = next(c for c in _checks(summary, targets) if c.metric == "post_coverage")
    assert (worse.met, worse.status, worse.replications_needed) == (False, "not met", None)


def test_unmeasured_metric_meets_its_target_and_a_single_value_does_not():
    targets = Targets(post_coverage_min=0.9, p_critical_gap_max=None)
    nothing = {"post_coverage": Interval(math.nan, math.nan, math.nan, math.nan, 0)}
    assert [c.met for c in _checks(nothing, targets)] == [True]
    single = {"post_coverage": Interval(1.0, math.nan, math.nan, math.nan, 1)}
    assert [(c.met, c.replications_needed) for c in _checks(single, targets)] == [(False, 2)]


def test_an_infinite_value_makes_the_mean_and_its_interval_infinite():
    iv = mean_interval([1.0, 2.0, math.inf])
    assert (iv.mean, iv.ci_low, iv.ci_high, iv.n) == (math.inf, math.inf, math.inf, 3)
    d = paired_difference([1.0, math.inf, math.inf], [2.0, math.inf, 5.0])
    assert (d.mean, d.n) == (-math.inf, 2)  # inf - inf (both failed) is no difference to count
