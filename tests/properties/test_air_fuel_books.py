"""Aircraft that cannot reach, and the fuel books (issue 13), on random air scenarios.

`validate` refuses a scenario exactly when its station is out of reach of the nearest base (the flight
out and back plus the reserve not within the endurance, or not within the crew's duty). On every trace of
a scenario it accepts: the fuel aboard each aircraft stays within [0, capacity] at every change (the
ledger keeps the least and most ever aboard); no refuel draws more than the tanks hold; what a fuel
point dispensed is what its aircraft drew; what went into the tanks is what was drawn to within the
point's whole-gallon rounding (half a gallon a refuel); no aircraft based beyond reach is sent; and no
sortie reaches its station with no time to spend there.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import run_replication
from sim.model.record import ReplicationRecord
from sim.scenario import Scenario, ScenarioError, scenario_from_data
from tests.helpers.air_scenarios import air_fleets, reachable
from tests.helpers.validation_strategies import scenarios

ROUNDING_GAL = 0.5  # a point dispenses the nearest whole number of gallons to what the tanks miss
NOISE_GAL = 1e-6  # floating-point noise of the burn over a day
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_books(s: Scenario, r: ReplicationRecord) -> None:
    refuels: dict[str, list[int]] = {}
    for e in r.events:
        if e.kind == "refuel":
            m = re.match(r"(\d+) gal", e.detail)
            assert m, e
            refuels.setdefault(e.entity, []).append(int(m.group(1)))
    for name, ac in r.aircraft.items():
        capacity = s.aircraft_types[ac.type].fuel_capacity_gal
        assert ac.fuel_low_gal >= -NOISE_GAL, (name, ac)
        assert ac.fuel_high_gal <= capacity + NOISE_GAL, (name, ac)
        assert all(g <= capacity + ROUNDING_GAL for g in refuels.get(name, [])), (name, refuels[name])
        if any(point.site == ac.base for point in r.fuel.values()):  # else fuel comes from nowhere
            # a sortie lands once at most, and each landing refuels once at most
            assert abs(ac.drawn_gal - ac.refuelled_gal) <= ROUNDING_GAL * ac.sorties + NOISE_GAL, (name, ac)
    for point in r.fuel.values():
        drawn = sum(ac.drawn_gal for ac in r.aircraft.values() if ac.base == point.site)
        assert point.dispensed_gal == drawn
        assert point.final_gal == point.initial_gal + point.delivered_gal - point.dispensed_gal
    for x in r.air_responses:  # an alert never answered is a failure: +inf, never left out
        assert x.waiting == math.isinf(x.wait_min())
        assert x.waiting or x.wait_min() >= 0
    arrived: dict[str, float] = {}
    for e in r.events:
        if e.kind == "on_station" and e.detail.startswith("on station"):
            arrived[e.entity] = e.time_h
        elif e.kind == "on_station":  # left: a sortie that arrives stays a while, unless it failed
            assert e.time_h > arrived.pop(e.entity) or "failure" in e.detail, e


@SETTINGS
@given(air_fleets(), st.integers(0, 3))
def test_a_station_out_of_reach_is_refused_and_the_model_never_flies_beyond_its_fuel(data, replication):
    if not reachable(data):
        with pytest.raises(ScenarioError) as err:
            scenario_from_data(data, "air.yaml")
        messages = [p.message for p in err.value.problems]
        assert all("out of reach" in m or "leaves no time on station" in m for m in messages), messages
        return
    s = scenario_from_data(data, "air.yaml")
    r = run_replication(s, replication, trace=True)
    _check_books(s, r)
    assert not [e for e in r.events if e.kind == "sortie" and e.entity.startswith("distant")
                and r.aircraft[e.entity].base == "far" and not _far_reaches(data)]  # fmt: skip


def _far_reaches(data) -> bool:
    far = dict(data, sites=dict(data["sites"], base=data["sites"]["far"]))
    return reachable(far)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(fuel=True), st.integers(0, 3))
def test_the_fuel_books_balance_on_random_scenarios(s, replication):
    _check_books(s, run_replication(s, replication, trace=True))
