"""The confidence intervals cover the truth as often as they claim, on a case with a known answer.

A critical post needs k = 8 people around the clock from a pool of N = 10 on one continuous shift,
each absent with probability p = 0.3, drawn once per replication. So the number present is
Binomial(10, 0.7); P(critical gap) = P(present < 8) and the mean post coverage is E[min(present, 8)] / 8.
Each of 200 independent seeds runs 30 replications and builds the experiment's 95% intervals (Wilson
for P(critical gap), Student t for coverage); the count of intervals covering the truth must fall in the
central 99% range of Binomial(200, 0.95).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.experiment.tables import interval_of
from sim.metrics import compute_metrics
from sim.model import run_replication
from tests.helpers.tiny import tiny

N, K, P_ABSENT = 10, 8, 0.3
SEEDS, REPLICATIONS = 200, 30

SCENARIO = tiny(f"""
    targets: {{critical_gap_tolerance_min: 30}}
    forces:
      guards:
        headcount: {N}
        cities: {{lima: 1}}
        shift: {{pattern: continuous}}
        absence_prob: {P_ABSENT}
    posts:
      vault:
        site: lcc
        required: {K}
        forces: [guards]
        critical: true
        priority: 1
        daily: [{{from: "00:00", to: "00:00"}}]
""")


def _truth() -> tuple[float, float]:
    present = np.arange(N + 1)
    pmf = stats.binom.pmf(present, N, 1 - P_ABSENT)
    return float(pmf[present < K].sum()), float((pmf * np.minimum(present, K)).sum() / K)


def _acceptable_range() -> tuple[float, float]:
    return stats.binom.ppf(0.005, SEEDS, 0.95), stats.binom.ppf(0.995, SEEDS, 0.95)


def test_the_case_is_exactly_binomial():
    """One replication: the post is short all along exactly when fewer than K are present."""
    m = compute_metrics(run_replication(SCENARIO, 0, seed=1))
    assert m["critical_gap"] == float(m["post_coverage"] < 1)
    assert m["post_coverage"] * K == round(m["post_coverage"] * K)


def test_intervals_cover_the_true_values_about_95_percent_of_the_time():
    p_gap, coverage = _truth()
    covered = {"critical_gap": 0, "post_coverage": 0}
    truth = {"critical_gap": p_gap, "post_coverage": coverage}
    for seed in range(SEEDS):
        rows = [
            compute_metrics(run_replication(SCENARIO, r, seed=10_000 + seed)) for r in range(REPLICATIONS)
        ]
        for metric in covered:
            iv = interval_of(metric, np.array([row[metric] for row in rows]))
            covered[metric] += iv.ci_low <= truth[metric] <= iv.ci_high
    low, high = _acceptable_range()
    assert low <= covered["critical_gap"] <= high, covered
    assert low <= covered["post_coverage"] <= high, covered
