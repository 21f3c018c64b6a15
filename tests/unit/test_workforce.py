"""Splitting headcounts and drawing absences: the pieces the shift process is built from."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sim.model.workforce import apportion, binomial_ppf, crew_sizes

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
