"""The duty board's shortcuts (start a task from idle people, absorb a change without reassigning, the
incremental reassignment) must give exactly what walking every demand at every change would: same
gaps, movements, responses, metrics, events."""

from __future__ import annotations

import pytest

from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.model.board import CityBoard
from sim.scenario import load_scenario
from tests.helpers import ROOT

REFERENCE = ROOT / "scenarios" / "apec2024_peru.yaml"


def _fingerprint(record):
    return repr(
        (
            compute_metrics(record),
            sorted(record.gaps),
            sorted(record.movements),
            sorted(record.responses),
            sorted((e.time_h, e.kind, e.entity, e.detail) for e in record.events),
            sorted((k, vars(v)) for k, v in record.duty.items()),
        )
    )


@pytest.mark.parametrize(("replication", "troops"), [(0, 0), (1, 250), (2, 450), (3, 600), (4, 900)])
def test_shortcuts_match_full_reassignment(monkeypatch, replication, troops):
    s = load_scenario(REFERENCE)
    fast = _fingerprint(run_replication(s, replication, troops=troops, trace=True))

    full_assign = CityBoard._assign_all

    def always_full(self, event=None):
        full_assign(self, event)
        self.idle = {}  # no idle people on record: every change takes the full reassignment

    monkeypatch.setattr(CityBoard, "incremental", False)
    monkeypatch.setattr(CityBoard, "_assign_all", always_full)
    slow = _fingerprint(run_replication(s, replication, troops=troops, trace=True))
    assert fast == slow
