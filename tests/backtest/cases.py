"""The back-test's cases: commands whose output files are stored in `expected/` and must be reproduced
exactly. They run through the command line, the contract users rely on, so that a refactor of anything
below it is checked against the results it produced before.

Refresh the stored files only when a change is meant to alter results, and say so in the commit:

    .venv/bin/python -m tests.backtest.refresh
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"
REFERENCE = ROOT / "scenarios" / "apec2024_peru.yaml"


@dataclass(frozen=True)
class Case:
    """A command and the files of its output folder that are compared: `exact` ones byte for byte,
    `hashed` ones (too large to store) by sha256."""

    name: str
    argv: tuple[str, ...]
    exact: tuple[str, ...]
    hashed: tuple[str, ...] = ()


CASES = (
    Case(
        "reference_trace_seed1",
        ("trace", str(REFERENCE), "--seed", "1", "--quiet"),
        exact=("metrics.csv",),
        hashed=("events.csv", "gaps.csv", "air.csv", "fuel.csv"),
    ),
    Case(
        "reference_sweep_3x10",
        ("sweep", str(REFERENCE), "--troops", "300,450,600", "-n", "10", "--workers", "1", "--quiet"),
        exact=("summary.csv", "replications.csv", "targets.csv"),
        hashed=("gaps.csv", "differences.csv"),
    ),
)


def run_case(case: Case, out: Path) -> Path:
    """Run the case's command into `out` (which must not exist yet) and return it."""
    status = main([*case.argv, "--out", str(out)])
    if status != 0:
        raise RuntimeError(f"back-test case {case.name} exited with {status}")
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
