"""Rewrite the back-test's stored files from the current model (see tests/backtest/cases.py).

Only when a change is meant to alter results: `.venv/bin/python -m tests.backtest.refresh`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.backtest.cases import CASES, EXPECTED, run_case, sha256


def refresh() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            out = run_case(case, Path(tmp) / case.name)
            target = EXPECTED / case.name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for name in case.exact:
                shutil.copyfile(out / name, target / name)
            lines = [f"{sha256(out / name)}  {name}\n" for name in case.hashed]
            (target / "sha256sums").write_text("".join(lines))
            print(f"refreshed {target}")


if __name__ == "__main__":
    refresh()
