"""Does the cost per SimPy event stay flat as the scenario grows? Copies of the reference, and more people.

Measured in one run on this machine, with benchmarks/scaled.py:
  - x1, x4, x16: the reference with its sites, posts, delegations, incidents, air and fuel parts
    repeated k times (copies staggered by 7 minutes) and every headcount times k; microseconds per
    SimPy event (median of a few replications; target: x16 / x1 <= 1.3);
  - headcount x1000: the reference with every force 1000 times larger (target: / x1 <= 1.2);
  - peak traced memory (tracemalloc) of one replication of each, against the x1 (target for the
    copies: grows at most linearly, i.e. peak ratio <= k).

Costs are CPU seconds of this process (`time.process_time`), so that other work on a shared machine
inflates them less than wall-clock time; the load average is printed before and after. `--full-walk`
measures the duty board walking every demand at every change (`CityBoard.incremental = False`), the
board before issue 14's incremental reassignment, for a before/after in the same conditions.

Usage: python benchmarks/bench_scale.py [SCENARIO] [--reps N] [--max-copies 16] [--full-walk]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaled import copies, headcounts

from sim.model import run_replication
from sim.model.board import CityBoard
from sim.scenario import Scenario, load_scenario, scenario_data, scenario_from_data

ROOT = Path(__file__).resolve().parents[1]


def per_event(s: Scenario, reps: int) -> tuple[float, int, float]:
    """Median CPU microseconds per SimPy event, median events and median CPU seconds per replication."""
    costs, events, seconds = [], [], []
    for i in range(reps):
        t0 = time.process_time()
        r = run_replication(s, i)
        dt = time.process_time() - t0
        costs.append(dt / r.n_events * 1e6)
        events.append(r.n_events)
        seconds.append(dt)
    return statistics.median(costs), int(statistics.median(events)), statistics.median(seconds)


def peak_mb(s: Scenario) -> float:
    """Peak memory traced while running one replication, in MB."""
    tracemalloc.start()
    run_replication(s, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-copies", type=int, default=16)
    ap.add_argument("--full-walk", action="store_true", help="the duty board walks every demand")
    args = ap.parse_args()
    CityBoard.incremental = not args.full_walk
    print(f"duty board: {'full walk' if args.full_walk else 'incremental'}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    base = scenario_data(load_scenario(args.scenario))
    variants: dict[str, tuple[int, Scenario]] = {}
    for k in (1, 4, 16):
        if k <= args.max_copies:
            variants[f"x{k}"] = (k, scenario_from_data(copies(base, k), f"x{k}"))
    variants["headcount x1000"] = (1, scenario_from_data(headcounts(base, 1000), "headcount x1000"))
    run_replication(variants["x1"][1], 999)  # warm caches and imports

    rows = {}
    for name, (k, s) in variants.items():
        us, ev, sec = per_event(s, args.reps)
        rows[name] = (k, us, ev, sec, peak_mb(s))
        print(f"  {name:>15}: {len(s.posts):4d} posts, {ev:>10,} events, {sec:7.2f} CPU s/replication, "
              f"{us:5.2f} us/event, peak {rows[name][4]:7.1f} MB", flush=True)  # fmt: skip

    _, us1, _, _, mb1 = rows["x1"]
    for name, (k, us, _, _, mb) in rows.items():
        if name == "x1":
            continue
        target = 1.2 if name.startswith("headcount") else 1.3
        ratio = us / us1
        print(f"cost per event {name} / x1: {ratio:.2f} (target <= {target}) "
              f"{'OK' if ratio <= target else 'MISSED'}; peak memory {mb / mb1:.2f}x", end="")  # fmt: skip
        print(f" (linear: {k}x) {'OK' if mb / mb1 <= k else 'MISSED'}" if k > 1 else " (same posts)")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
