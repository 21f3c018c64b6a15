"""How fast is one replication? Seconds and events per replication, and cost per event against bare SimPy.

Measured in one run on this machine, so the ratios compare like with like:
  1. the reference scenario (median of several replications),
  2. the same scenario with a window twice as long (target: time ratio <= 2.2, i.e. linear),
  3. a bare SimPy M/M/c queue (simpy.Resource), as the floor for cost per SimPy event
     (target: our cost per event <= 2 x bare SimPy's).

Times are CPU seconds of this process (`time.process_time`), not wall-clock: on a machine shared with
other work, waiting for a core is not the model's cost, and both sides of each ratio are measured alike.
Cost per event divides by SimPy's events: removing events that did nothing makes a replication faster
but may raise the cost per (remaining) event, so read it with seconds per replication.

Usage: python benchmarks/bench_replication.py [SCENARIO] [--reps N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from sim.model import run_replication
from sim.model.simpy_compat import events_scheduled
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def time_replications(s: Scenario, reps: int) -> tuple[float, int]:
    """Median seconds per replication and median SimPy events per replication."""
    seconds, events = [], []
    for i in range(reps):
        t0 = time.process_time()
        r = run_replication(s, i)
        seconds.append(time.process_time() - t0)
        events.append(r.n_events)
    return statistics.median(seconds), int(statistics.median(events))


def doubled(s: Scenario) -> Scenario:
    """The scenario with its window twice as long (daily post windows and incidents go on)."""
    return s.model_copy(update={"end": s.end + (s.end - s.start)})


def bare_simpy_mmc(n_customers: int, servers: int = 5, seed: int = 1) -> tuple[float, int]:
    """Seconds and SimPy events for an M/M/c queue written directly in SimPy."""
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1.0, n_customers)
    service = rng.exponential(0.8 * servers, n_customers)
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)

    def customer(k: int):
        with desk.request() as req:
            yield req
            yield env.timeout(service[k])

    def source():
        for k in range(n_customers):
            yield env.timeout(inter[k])
            env.process(customer(k))

    env.process(source())
    t0 = time.process_time()
    env.run()
    return time.process_time() - t0, events_scheduled(env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    s = load_scenario(args.scenario)
    run_replication(s, 999)  # warm caches and imports

    sec1, ev1 = time_replications(s, args.reps)
    sec2, ev2 = time_replications(doubled(s), args.reps)
    bare_s, bare_ev = min(bare_simpy_mmc(50_000) for _ in range(3))

    ours = sec1 / ev1 * 1e6
    bare = bare_s / bare_ev * 1e6
    days = (s.end - s.start).total_seconds() / 86400
    print(f"scenario: {s.name} ({days:g} days), median of {args.reps} replications, CPU time")
    print(f"  window x1: {sec1:.3f} s/replication, {ev1:,} SimPy events, {ours:.2f} us/event")
    print(f"  window x2: {sec2:.3f} s/replication, {ev2:,} SimPy events, {sec2 / ev2 * 1e6:.2f} us/event")
    print(f"  bare SimPy M/M/c: {bare_ev:,} events in {bare_s:.3f} s, {bare:.2f} us/event")
    ratio_window = sec2 / sec1
    ratio_event = ours / bare
    print(f"time ratio x2/x1 window: {ratio_window:.2f} (target <= 2.2) "
          f"{'OK' if ratio_window <= 2.2 else 'MISSED'}")  # fmt: skip
    print(f"cost per event vs bare SimPy: {ratio_event:.2f} (target <= 2.0) "
          f"{'OK' if ratio_event <= 2.0 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
