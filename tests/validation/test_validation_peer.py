"""Peer check: the same M/M/3 queue in Ciw and in our model (issue 5, case 7).

Each run contributes the waits of the first requests after a grid of times five relaxation times
apart, so that the samples are independent draws from the stationary wait distribution; then a
two-sample Kolmogorov-Smirnov test must not reject at 1%, and the 99% Welch interval of the
difference of mean waits must contain 0.
"""

from __future__ import annotations

from scipy import stats

from sim.stats import wilson
from sim.validation import peer, theory
from sim.validation.checks import welch

REPLICATIONS = 30


def test_waits_match_ciw_in_distribution_and_mean():
    ours, theirs = peer.model_waits(REPLICATIONS), peer.ciw_waits(REPLICATIONS)
    assert min(ours.size, theirs.size) >= 500
    ks = stats.ks_2samp(ours, theirs)
    assert ks.pvalue >= 0.01, f"KS rejects at 1%: D={ks.statistic:.3f}, p={ks.pvalue:.2g}"
    diff = welch(ours, theirs, 0.99)
    assert diff.ci_low <= 0 <= diff.ci_high, diff
    # both also sit on Erlang C: P(wait > 0) = 4/9 and W_q = 4/9 h for lambda = 2, mu = 1, c = 3
    q = theory.mmc(2.0, 1.0, 3)
    for sample in (ours, theirs):
        low, high = wilson(float((sample > 0).sum()), sample.size, 0.99)
        assert low <= q.p_wait <= high
