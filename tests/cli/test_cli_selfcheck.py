"""`summit-sim selfcheck` wiring: its exit status follows the table (the cases are tested elsewhere)."""

from __future__ import annotations

import pytest

from sim import cli
from sim.validation import selfcheck
from sim.validation.checks import Row


def _row(agrees: bool) -> Row:
    return Row("case", "quantity", 1.0, 1.0, 0.9, 1.1, agrees, 10, "mean", 0.99)


@pytest.mark.parametrize(("agrees", "status"), [(True, 0), (False, 1)])
def test_selfcheck_exit_status_follows_agreement(monkeypatch, capsys, agrees, status):
    seen = {}

    def fake(quick, progress=None):
        seen["quick"] = quick
        return [_row(True), _row(agrees)]

    monkeypatch.setattr(selfcheck, "run_selfcheck", fake)
    assert cli.main(["selfcheck", "--quick"]) == status
    assert seen == {"quick": True}
    out = capsys.readouterr().out
    assert ("All 2 rows agree" in out) == agrees
