"""Parallel speed-up: the same replications of the reference scenario on 1 worker and on 2.

Both runs go through the Python API (`sim.run`), writing real results folders, so the times include
worker start-up, batching, file writing and the serial tail (joining the parts, the tables, the figures
and report.html). The two `replications.csv` must be identical.
Target (issue 14): speed-up >= 1.9 on 2 cores. On a machine shared with other work the figure follows
the load (printed); `--repeat` measures the pair several times. Each run also prints its tail (from the
last batch's arrival to the end: what no worker can share) and the CPU seconds of this process and its
workers, which the load stretches far less than the wall time: the extra CPU of the 2-worker run is what
running in parallel costs; and what the tails allow: the speed-up if the replications split over the
workers perfectly and at no cost, with each run's tail as measured.

Usage: python benchmarks/bench_parallel.py [SCENARIO] [--replications N] [--workers K] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from sim import run

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(scenario: str, replications: int, workers: int, out: Path) -> tuple[float, float, float]:
    """Wall seconds, seconds after the last batch arrived (the tail), and CPU seconds of one run."""
    last = [0.0]

    def progress(done: int, planned: int) -> None:
        last[0] = time.perf_counter()

    c0, t0 = _cpu(), time.perf_counter()
    run(scenario, replications=replications, workers=workers, out=out, progress=progress)
    t1 = time.perf_counter()
    return t1 - t0, t1 - last[0], _cpu() - c0


def tail_bound(serial: float, serial_tail: float, parallel_tail: float, workers: int) -> str:
    """What the measured tails allow (Amdahl): the speed-up if the serial run's replications split
    perfectly over `workers`, at no cost, followed by the parallel run's tail. On a machine with other
    work the two runs' replications may run at different speeds, so a measured speed-up can pass it."""
    best = serial / ((serial - serial_tail) / workers + parallel_tail)
    return (
        f"with these tails, a perfect split of the replications gives {best:.2f}; "
        f"the tail is {serial_tail / serial:.1%} of the serial run"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"{args.replications} replications of {Path(args.scenario).name}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        timed(args.scenario, 4, 1, base / "warm")  # imports and caches, outside the timing
        for i in range(args.repeat):
            load = os.getloadavg()[0]
            serial, serial_tail, serial_cpu = timed(args.scenario, args.replications, 1, base / f"serial{i}")
            parallel, parallel_tail, parallel_cpu = timed(
                args.scenario, args.replications, args.workers, base / f"parallel{i}"
            )
            same = (base / f"serial{i}" / "replications.csv").read_bytes() == (
                base / f"parallel{i}" / "replications.csv"
            ).read_bytes()
            speedup = serial / parallel
            print(f"  load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
            print(
                f"  1 worker:  {serial:.2f} s ({serial / args.replications * 1000:.1f} ms per replication), "
                f"tail {serial_tail:.2f} s, CPU {serial_cpu:.2f} s"
            )
            print(
                f"  {args.workers} workers: {parallel:.2f} s, tail {parallel_tail:.2f} s, "
                f"CPU {parallel_cpu:.2f} s"
            )
            print(f"  replications.csv identical: {same}")
            print(f"  {tail_bound(serial, serial_tail, parallel_tail, args.workers)}")
            print(f"speed-up: {speedup:.2f} (target >= 1.9) {'OK' if speedup >= 1.9 else 'MISSED'}")


if __name__ == "__main__":
    main()
