"""Splitting headcounts and drawing absences: the pieces the shift process is built from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sim.model.workforce import apportion, binomial_ppf, crew_sizes, pools_at, pools_of
from sim.scenario.schema import Force

U = st.integers(0, 2**53 - 1).map(lambda k: k / 2**53)  # what Generator.random() can return


@settings(max_examples=200, deadline=None)
@given(u=U, n=st.integers(0, 500), p=st.floats(0, 1))
def test_binomial_ppf_is_the_smallest_k_whose_cdf_reaches_u(u, n, p):
    k = int(binomial_ppf(np.array([u]), np.array([n]), p)[0])
    assert 0 <= k <= n
    assert k == n or special.bdtr(k, n, p) >= u
    assert k == 0 or special.bdtr(k - 1, n, p) < u


@settings(max_examples=200, deadline=None)
@given(u=U.filter(lambda u: 1e-12 < u < 1 - 1e-12), n=st.integers(0, 500), p=st.floats(0, 0.5))
def test_binomial_ppf_matches_scipy_for_absence_probabilities(u, n, p):
    # Within 1e-12 of 0 or 1, scipy.stats and scipy.special round the CDF differently and may differ
    # by one; such u occur once in 5e11 shifts, and the definitional test above covers them.
    expected = int(np.clip(stats.binom.ppf(u, n, p), 0, n))
    assert binomial_ppf(np.array([u]), np.array([n]), p)[0] == expected


def _counting_ppf(u, n, p):
    """The draw as it was before issue 14: count k up from 0 while the CDF is below u (the reference)."""
    n = np.asarray(n, dtype=int)
    k = np.zeros_like(n)
    todo = special.bdtr(k, n, p) < u
    while todo.any():
        k = np.where(todo, k + 1, k)
        todo &= k < n
        todo &= special.bdtr(k, n, p) < u
    return k


EDGE_U = [0.0, 2**-53, 1e-12, 0.5, 1 - 1e-12, 1 - 2**-53]


@settings(max_examples=200, deadline=None)
@given(
    u=st.lists(U, min_size=1, max_size=8),
    n=st.integers(0, 3000),
    p=st.one_of(st.sampled_from([0.0, 1.0, 1e-9, 0.02, 0.5]), st.floats(0, 1)),
)
def test_binomial_ppf_is_identical_to_counting_up(u, n, p):
    u = np.array(u)
    assert np.array_equal(binomial_ppf(u, np.full(len(u), n), p), _counting_ppf(u, np.full(len(u), n), p))


@pytest.mark.parametrize("p", [0.0, 1e-9, 0.02, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("n", [0, 1, 7, 100, 20_000])
def test_binomial_ppf_edge_cases_match_counting_up(n, p):
    u, ns = np.array(EDGE_U), np.full(len(EDGE_U), n)
    assert np.array_equal(binomial_ppf(u, ns, p), _counting_ppf(u, ns, p))


def test_binomial_ppf_per_shift_probabilities_match_counting_up():
    rng = np.random.default_rng(14)
    u, n, p = rng.random(500), rng.integers(0, 2000, 500), rng.uniform(0, 0.5, 500)
    assert np.array_equal(binomial_ppf(u, n, p), _counting_ppf(u, n, p))


@settings(max_examples=100, deadline=None)
@given(u=U, n=st.integers(0, 10**7), p=st.floats(0, 0.5))
def test_binomial_ppf_is_the_smallest_k_up_to_ten_million_people(u, n, p):
    # Counting up to ~10^6 absentees is too slow for a test; the definition it implements is checked.
    k = int(binomial_ppf(np.array([u]), np.array([n]), p)[0])
    assert 0 <= k <= n
    assert k == n or special.bdtr(k, n, p) >= u
    assert k == 0 or special.bdtr(k - 1, n, p) < u


@settings(max_examples=200, deadline=None)
@given(u=U, n=st.integers(0, 10**7), more=st.integers(1, 10**6), p=st.floats(0, 0.5))
def test_more_people_never_means_fewer_present_on_the_same_uniform(u, n, more, p):
    small, large = binomial_ppf(np.array([u, u]), np.array([n, n + more]), p)
    assert n + more - large >= n - small
    assert large >= small  # and never fewer absent: each extra person adds at most one presence


def test_larger_crew_never_has_fewer_present_on_the_same_uniform():
    u = np.random.default_rng(3).random(1000)
    small, large = binomial_ppf(u, np.full(1000, 40), 0.1), binomial_ppf(u, np.full(1000, 60), 0.1)
    assert np.all(60 - large >= 40 - small)


@given(total=st.integers(0, 100_000), weights=st.lists(st.integers(1, 100), min_size=1, max_size=6))
def test_apportion_sums_to_total_and_stays_within_one_of_the_share(total, weights):
    shares = {f"k{i}": w / sum(weights) for i, w in enumerate(weights)}
    out = apportion(total, shares)
    assert sum(out.values()) == total
    assert all(abs(out[k] - total * v) < 1 for k, v in shares.items())


def test_crew_sizes_are_even_larger_first():
    assert crew_sizes(11, 3) == [4, 4, 3]
    assert crew_sizes(2, 3) == [1, 1, 0]


def _force(**fields):
    return Force.model_validate({"headcount": 100, **fields})


def test_pools_are_exact_at_their_total_and_split_in_proportion_otherwise():
    f = _force(pools={"lima": {"security": 60, "aviation": 15}, "pisco": {"security": 25}})
    assert pools_at(f, 100) == {("lima", "security"): 60, ("lima", "aviation"): 15, ("pisco", "security"): 25}
    doubled = {("lima", "security"): 120, ("lima", "aviation"): 30, ("pisco", "security"): 50}
    assert pools_at(f, 200) == doubled
    assert sum(pools_at(f, 37).values()) == 37


def test_a_city_with_its_own_roles_splits_its_people_its_own_way():
    f = _force(
        cities={"lima": 0.5, "pisco": 0.5},
        roles={"security": 1.0},
        city_roles={"pisco": {"security": 0.4, "aviation": 0.6}},
    )
    assert pools_of(f) == {("lima", "security"): 50, ("pisco", "security"): 20, ("pisco", "aviation"): 30}


def test_pools_of_is_the_peak_of_every_strength_step():
    f = _force(
        cities={"lima": 1.0},
        strength=[
            {"from": "2024-11-10T00:00", "headcount": 300},
            {"from": "2024-11-12T00:00", "headcount": 0},
        ],
    )
    assert pools_of(f) == {("lima", "security"): 300}
    assert f.peak == 300


@given(base=st.integers(1, 500), low=st.integers(0, 2000), more=st.integers(1, 500))
def test_scaling_for_the_sweep_never_makes_a_larger_level_smaller_at_any_step(base, low, more):
    steps = [
        {"from": "2024-11-10T00:00", "headcount": 3 * base},
        {"from": "2024-11-12T00:00", "headcount": 7},
    ]
    f = _force(headcount=base, cities={"lima": 1.0}, strength=steps)
    small, large = f.scaled(low), f.scaled(low + more)
    assert large.headcount > small.headcount
    assert all(b.headcount >= a.headcount for a, b in zip(small.strength, large.strength, strict=True))
