"""How fast does the command start? `summit-sim validate` on the reference, and loading a x16 copy.

Measured in one run on this machine, the commands taking turns (one run of each, then again), so that
a change of load on a shared machine falls on all of them alike:
  1. `summit-sim validate scenarios/apec2024_peru.yaml` in a fresh subprocess, wall and CPU time (user +
     system), median of several runs (target: <= 0.5 s wall): the start-up a planner waits for on every
     command. Bytecode is cached as an installation leaves it (in a temporary PYTHONPYCACHEPREFIX, warmed
     by one run), also where PYTHONDONTWRITEBYTECODE is set; the same with summit-sim's modules compiled
     on every run (an editable install under PYTHONDONTWRITEBYTECODE) is shown too. With `--before REV`,
     the same command on summit-sim as it was at git revision REV (its code on PYTHONPATH, the same
     interpreter and libraries; the scenario as it was then, if it is in the repository): before and
     after under the same load.
  2. The floor under it: the interpreter alone; the interpreter importing only pydantic's models and
     PyYAML, which `validate` cannot do without; and those with the scenario's pydantic models built
     (`import sim.scenario`). numpy, which `validate` does without, is shown for comparison.
  3. `load_scenario` of a x16 copy of the reference (benchmarks/scaled.py, written as YAML to a
     temporary file), median of several loads in this process (target: <= 1 s).
On a machine shared with other work, wall time follows the load (printed); CPU time much less so.

Usage: python benchmarks/bench_startup.py [SCENARIO] [--runs N] [--before REV]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed_runs(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and CPU (user + system) seconds of each command (name -> argv, environment), each run in a
    new process, the commands taking turns."""
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            out[name][0].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            out[name][1].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return out


def checkout(rev: str, folder: Path) -> Path:
    """summit-sim's code and scenarios at git revision `rev`, written to `folder` (for PYTHONPATH)."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "sim", "scenarios"], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def load_seconds(path: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `load_scenario(path)` in this process."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        load_scenario(path)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "apec2024_peru.yaml"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", metavar="REV", help="also time `validate` as summit-sim was at git REV")
    args = ap.parse_args()
    med = statistics.median
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        # summit-sim's own modules compiled on every run (the libraries keep their installed bytecode):
        # what an editable install gives where PYTHONDONTWRITEBYTECODE is set, as on this machine
        no_bytecode = {k: v for k, v in cached.items() if k != "PYTHONPYCACHEPREFIX"}
        no_bytecode["PYTHONDONTWRITEBYTECODE"] = "1"
        validate = [str(CLI), "validate", args.scenario]
        py = sys.executable
        commands = {"summit-sim validate": (validate, cached)}
        if args.before:  # the scenario as it was then too, if it is one of the repository's
            then = checkout(args.before, Path(tmp) / "before")
            scenario = Path(args.scenario).resolve()
            if scenario.is_relative_to(ROOT):
                scenario = then / scenario.relative_to(ROOT)
            old = {**cached, "PYTHONPATH": str(then)}
            commands[f"  the same at {args.before}"] = ([str(CLI), "validate", str(scenario)], old)
        commands |= {
            "  the same, summit-sim not compiled": (validate, no_bytecode),
            "python -c pass": ([py, "-c", "pass"], cached),
            "python -c 'import pydantic.main, yaml'": ([py, "-c", "import pydantic.main, yaml"], cached),
            "python -c 'import sim.scenario'": ([py, "-c", "import sim.scenario"], cached),
            "python -c 'import numpy'": ([py, "-c", "import numpy"], cached),
        }
        for cmd, env in commands.values():  # writes the bytecode, as an installation does
            subprocess.run(cmd, check=True, capture_output=True, env=env)
        rows = timed_runs(commands, args.runs)

        x16 = copies(scenario_data(load_scenario(args.scenario)), 16)
        path = Path(tmp) / "x16.yaml"
        path.write_text(yaml.safe_dump(x16, sort_keys=False, allow_unicode=True))
        size = path.stat().st_size
        load1 = load_seconds(Path(args.scenario), args.runs)
        load16 = load_seconds(path, args.runs)

    v = med(rows["summit-sim validate"][0])
    l16 = med(load16[0])
    load_after = os.getloadavg()[0]
    print(f"median of {args.runs} runs (load average {load_before:.2f} before, {load_after:.2f} after)")
    for name, (wall, cpu) in rows.items():
        print(f"  {name:42s} {med(wall):.3f} s wall, {med(cpu):.3f} s CPU")
    print(f"  load_scenario reference (in process): {med(load1[0]):.3f} s wall, {med(load1[1]):.3f} s CPU")
    x16_cpu = med(load16[1])
    print(f"  load_scenario x16 copy ({size / 1e6:.1f} MB, in process): {l16:.3f} s wall, {x16_cpu:.3f} CPU")
    print(f"validate start-up: {v:.2f} s (target <= 0.5) {'OK' if v <= 0.5 else 'MISSED'}")
    print(f"x16 load: {l16:.2f} s (target <= 1.0) {'OK' if l16 <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
