"""Back-test: the model reproduces the stored results of `expected/` exactly (see cases.py for how and
when to refresh them)."""

from __future__ import annotations

import pytest

from tests.backtest.cases import CASES, EXPECTED, Case, run_case, sha256


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_results_are_unchanged(case: Case, tmp_path) -> None:
    out = run_case(case, tmp_path / case.name)
    stored = EXPECTED / case.name
    for name in case.exact:
        assert (out / name).read_text() == (stored / name).read_text(), f"{case.name}: {name} changed"
    sums = dict(reversed(line.split("  ")) for line in (stored / "sha256sums").read_text().splitlines())
    assert sorted(sums) == sorted(case.hashed)
    for name in case.hashed:
        assert sha256(out / name) == sums[name], f"{case.name}: {name} changed"
