"""How fast does the command start? `summit-sim validate` on the reference, and loading a x16 copy.

Measured in one run on this machine:
  1. `summit-sim validate scenarios/apec2024_peru.yaml` in a fresh subprocess, wall time, median of
     several runs (target: <= 0.5 s): the start-up a planner waits for on every command;
  2. `load_scenario` of a x16 copy of the reference (benchmarks/scaled.py, written as YAML to a
     temporary file), median of several loads in this process (target: <= 1 s).

Usage: python benchmarks/bench_startup.py [SCENARIO] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaled import copies

from sim.scenario import load_scenario, scenario_data

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("summit-sim")


def validate_seconds(scenario: str, runs: int) -> list[float]:
    """Wall seconds of `summit-sim validate SCENARIO`, each in a new process."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(CLI), "validate", scenario], check=True, capture_output=True)
        out.append(time.perf_counter() - t0)
    return out


def load_seconds(path: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        load_scenario(path)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    validate = validate_seconds(args.scenario, args.runs)
    bare = []
    for _ in range(args.runs):  # the interpreter alone, as the floor
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t0)

    x16 = copies(scenario_data(load_scenario(args.scenario)), 16)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x16.yaml"
        path.write_text(yaml.safe_dump(x16, sort_keys=False, allow_unicode=True))
        size = path.stat().st_size
        load1 = load_seconds(Path(args.scenario), args.runs)
        load16 = load_seconds(path, args.runs)

    v, b = statistics.median(validate), statistics.median(bare)
    l1, l16 = statistics.median(load1), statistics.median(load16)
    print(f"median of {args.runs} runs")
    print(f"  summit-sim validate (subprocess): {v:.3f} s (bare python -c pass: {b:.3f} s)")
    print(f"  load_scenario reference (in process): {l1:.3f} s")
    print(f"  load_scenario x16 copy ({size / 1e6:.1f} MB, in process): {l16:.3f} s")
    print(f"validate start-up: {v:.2f} s (target <= 0.5) {'OK' if v <= 0.5 else 'MISSED'}")
    print(f"x16 load: {l16:.2f} s (target <= 1.0) {'OK' if l16 <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
