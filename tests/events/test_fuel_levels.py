"""A fuel point's stock over time (`FuelLedger.levels`): kept when tracing, for the fuel-level figure."""

from __future__ import annotations

import pytest

from sim.model import run_replication
from tests.events.test_air import FUEL, STAY, WATCH
from tests.helpers.air_scenarios import TRANSIT_H, air_scenario

T = TRANSIT_H


def test_levels_step_with_every_draw_and_delivery():
    r = run_replication(air_scenario(WATCH.format(n=1, extra=FUEL)), trace=True)
    ledger = r.fuel["base_fuel"]
    delivered = 15.5 + 1000 / 600 / 60
    # 700 at the start; two 320-gal refuels; the third takes the last 60 and waits; the truck's
    # 1000 gal and the waiting aircraft's other 260 gal land at the same instant: one entry, 740.
    assert ledger.levels[:5] == [
        (0.0, 700),
        (pytest.approx(8.0 + STAY + T), 380),
        (pytest.approx(10.5 + STAY + T), 60),
        (pytest.approx(13.0 + STAY + T), 0),
        (pytest.approx(delivered), 740),
    ]
    times = [t for t, _ in ledger.levels]
    assert times == sorted(set(times))  # one entry per instant, in order
    assert all(0 <= gal <= ledger.capacity_gal for _, gal in ledger.levels)
    assert ledger.levels[-1][1] == ledger.final_gal


def test_levels_are_not_kept_without_tracing():
    r = run_replication(air_scenario(WATCH.format(n=1, extra=FUEL)))
    assert r.fuel["base_fuel"].levels == []
    assert (
        r.fuel["base_fuel"].final_gal
        == run_replication(air_scenario(WATCH.format(n=1, extra=FUEL)), trace=True)
        .fuel["base_fuel"]
        .final_gal
    )
