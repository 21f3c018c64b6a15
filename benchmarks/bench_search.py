"""`size` against a fine grid sweep: the same answer for far fewer replications.

Runs `size` (bracketing and bisection on common random numbers, replications added where the decision
is close) and times it; then runs a sweep over every level of `--grid LOW:HIGH` at the search's
resolution, each level on as many replications as `size` judged its answer on (the same seed: the same
replications), and takes the sweep's smallest level meeting every target. Prints both answers, whether
they agree, the replications each spent and their ratio (target: at least 5), all measured in this run.
The grid's cost is also given over `--grid-count LOW:HIGH` (default: the grid run) for a range too long
to run here; its levels are counted, not run.

Usage: python benchmarks/bench_search.py [SCENARIO] [--resolution 5] [--grid 0:200] [--workers 2]
           [--replications N] [--max-replications N] [--set PATH=VALUE ...]
Default scenario: scenarios/examples/small_summit.yaml (the reference takes minutes a level here).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.experiment import RunOptions, design_sweep
from sim.results import experiment as results_experiment
from sim.results.sizing import run_size
from sim.scenario import load_scenario
from sim.scenario.overrides import with_overrides

ROOT = Path(__file__).resolve().parents[1]


def _bounds(text: str) -> tuple[int, int]:
    low, high = (int(x) for x in text.split(":"))
    return low, high


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "examples" / "small_summit.yaml"))
    ap.add_argument("--resolution", type=int, default=5)
    ap.add_argument(
        "--grid", type=_bounds, default=None, help="levels the sweep runs (default 0:2x the answer)"
    )
    ap.add_argument("--grid-count", type=_bounds, default=None, help="range whose grid cost is counted")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replications", type=int, default=None)
    ap.add_argument("--max-replications", type=int, default=None)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    args = ap.parse_args()
    sets = tuple(args.sets)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        found = run_size(
            args.scenario,
            resolution=args.resolution,
            replications=args.replications,
            max_replications=args.max_replications,
            sets=sets,
            workers=args.workers,
            out=Path(tmp) / "size",
        )
        seconds = time.perf_counter() - t0
        r = found.result
        print(
            f"{Path(args.scenario).name}: size at resolution {args.resolution} on {args.workers} workers: "
            f"{r.answer} ({r.status}) in {seconds:.1f} s, {r.replications_spent:,} replications over "
            f"{r.levels_judged} levels"
        )
        if r.answer is None or r.at_answer is None:
            print("no answer to compare with a grid")
            return
        n = r.at_answer.n
        low, high = args.grid or (0, int(2 * r.answer))
        levels = list(range(low, high + 1, args.resolution))
        s = load_scenario(args.scenario)
        if sets:
            s = with_overrides(s, list(sets))
        options = RunOptions(replications=n, workers=args.workers, out=Path(tmp) / "grid")
        t0 = time.perf_counter()
        outcome = results_experiment.start(design_sweep(s, levels, options), options)
        grid_seconds = time.perf_counter() - t0
        meeting = outcome.answer.smallest_meeting
        grid_answer = None if meeting is None else int(meeting)
        grid_reps = n * len(levels)
        print(
            f"grid {low}:{high}:{args.resolution} ({len(levels)} levels x {n} replications = "
            f"{grid_reps:,}) in {grid_seconds:.1f} s: smallest level meeting every target {grid_answer}"
        )
        ratio = grid_reps / r.replications_spent
        print(f"agree: {grid_answer == r.answer}; replications grid / size = {ratio:.1f}")
        if args.grid_count:
            c_low, c_high = args.grid_count
            count = n * len(range(c_low, c_high + 1, args.resolution))
            print(
                f"a grid over {c_low}:{c_high}:{args.resolution} would take {count:,} replications: "
                f"{count / r.replications_spent:.1f} x size's"
            )


if __name__ == "__main__":
    main()
