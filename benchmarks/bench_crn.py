"""Common random numbers: how much they shrink the variance of a difference between two troop levels.

For each pair of adjacent levels of the reference sweep, a metric's difference is taken replication by
replication (a) on common random numbers, as `sweep` does: both levels run replication i, and (b) on
independent random numbers: the upper level runs replication OFFSET + i, other streams entirely.
var(b) / var(a) is how many times fewer replications CRN needs for the same precision of a step's
marginal value. Target: at least 4 on post coverage.

Usage: python benchmarks/bench_crn.py [SCENARIO] [--levels 150,300,450,600] [--replications N]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OFFSET = 1_000_000  # replication numbers far from 0..N: independent streams
METRICS = ["post_coverage", "gap_person_hours", "escort_delay_mean_min", "air_coverage"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--levels", default="150,300,450,600", help="troop levels; adjacent ones are paired")
    ap.add_argument("--replications", type=int, default=100)
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    s = load_scenario(args.scenario)
    n = args.replications

    def runs(troops: int, first: int) -> list[dict[str, float]]:
        return [compute_metrics(run_replication(s, first + i, troops=troops)) for i in range(n)]

    common = {t: runs(t, 0) for t in levels}
    print(f"{s.name}: {n} replications per level; variance of the paired difference, upper - lower level")
    print(f"{'step':<12} {'metric':<24} {'CRN':>12} {'independent':>12} {'ratio':>8}")
    headline = []
    for low, high in itertools.pairwise(levels):
        independent = runs(high, OFFSET)
        for m in METRICS:
            if m not in common[low][0]:
                continue
            d_crn = np.array([c[m] - b[m] for b, c in zip(common[low], common[high], strict=True)])
            d_ind = np.array([c[m] - b[m] for b, c in zip(common[low], independent, strict=True)])
            if np.isnan(d_crn).all() or np.isnan(d_ind).all():
                continue
            v_crn, v_ind = np.nanvar(d_crn, ddof=1), np.nanvar(d_ind, ddof=1)
            ratio = v_ind / v_crn if v_crn > 0 else float("inf")
            print(f"{low:>4} → {high:<5} {m:<24} {v_crn:>12.4g} {v_ind:>12.4g} {ratio:>8.1f}")
            if m == "post_coverage":
                headline.append((low, high, ratio))
    for low, high, ratio in headline:
        verdict = "OK" if ratio >= 4 else "MISSED"
        print(f"post_coverage variance reduction {low} → {high}: {ratio:.1f}x (target >= 4) {verdict}")


if __name__ == "__main__":
    main()
