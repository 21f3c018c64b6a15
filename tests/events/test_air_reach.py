"""Aircraft that cannot reach (issue 13): a station beyond an aircraft's range or its crew's duty is
refused at `validate` with the numbers, and an aircraft based too far away is never sent."""

from __future__ import annotations

import pytest

from sim.model import run_replication
from sim.scenario import ScenarioError, parse_scenario
from tests.events.test_air import TANKER_TYPES
from tests.helpers.air_scenarios import DEG, HEADER, TRANSIT_H, air_scenario

T = TRANSIT_H  # a quarter hour, to float rounding

WATCH = """aircraft:
  helos: {type: mh60, base: base, count: 1}
air_coverage:
  watch: {type: mh60, over: over, windows: [{start: 2024-11-04T08:00, end: 2024-11-04T20:00}]}
"""


def _refusal(text: str):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "air.yaml")
    (problem,) = err.value.problems
    return problem


def _line_of(text: str, needle: str) -> int:
    return next(i for i, x in enumerate(text.splitlines(), 1) if needle in x)


def test_a_station_beyond_the_endurance_is_refused_on_the_requirement_with_the_numbers():
    # 100 gal at 160 gal/h: 0.625 h of endurance, less than 0.25 h out, 0.25 h back and 0.25 h reserve
    text = HEADER.replace("fuel_capacity_gal: 360", "fuel_capacity_gal: 100") + WATCH
    problem = _refusal(text)
    assert problem.path == "air_coverage.watch.over"
    assert problem.line == _line_of(text, "watch: {")
    assert problem.message == (
        "air_coverage 'watch' over 'over' is out of reach of 'mh60': transit 0.25 h out and 0.25 h back "
        "(from 'base', the nearest base of 'mh60') + reserve 0.25 h = 0.75 h, but its endurance is 0.62 h "
        "(100 gal / 160 gal/h)"
    )
    # 130 gal (0.8125 h) leaves a few minutes on station: valid
    parse_scenario(text.replace("fuel_capacity_gal: 100", "fuel_capacity_gal: 130"), "air.yaml")


def test_a_crew_duty_shorter_than_the_flight_out_and_back_is_refused_on_the_type():
    text = HEADER + "    crew_duty_h: 0.4\n" + WATCH
    problem = _refusal(text)
    assert problem.path == "aircraft_types.mh60.crew_duty_h"
    assert problem.line == _line_of(text, "crew_duty_h")
    assert problem.message == (
        "crew_duty_h (0.4 h) leaves no time on station for air_coverage 'watch' over 'over': transit 0.25 h "
        "out and 0.25 h back (from 'base', the nearest base of 'mh60') = 0.50 h"
    )
    parse_scenario(text.replace("crew_duty_h: 0.4", "crew_duty_h: 0.6"), "air.yaml")


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ("    crew_duty_h: 0.5\n", "aircraft_types.mh60.crew_duty_h"),
        ("    aircrew: {crews: 3, max_duty_h: 2, min_rest_h: 1, preflight_h: 1, postflight_h: 0.5}\n",
         "aircraft_types.mh60.aircrew.max_duty_h"),
    ],
)  # fmt: skip
def test_a_limit_of_exactly_the_flight_out_and_back_is_refused_though_the_transit_rounds_below_it(
    extra, path
):
    # TRANSIT_H is 0.2499999999999997 h: the limit clears the flights by 6e-16 h, and was accepted, and
    # every sortie then turned back the instant it arrived
    assert T < 0.25
    problem = _refusal(HEADER + extra + WATCH)
    assert problem.path == path
    assert "leaves no time on station" in problem.message


def test_an_overwatch_out_of_reach_is_refused_on_the_delegations_hotel():
    airport = "  airport: {city: lima, kind: airport, lat: -12.0, lon: -77.0}\n"
    header = HEADER.replace("forces:", airport + "forces:", 1)
    text = (
        header.replace("fuel_capacity_gal: 360", "fuel_capacity_gal: 100")
        + """
tiers: {leader: {escort_team: 2, priority: 1}}
delegations:
  usa:
    tier: leader
    hotel: over
    air_overwatch: true
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T10:00}
    departure: {airport: airport, scheduled: 2024-11-04T18:00}
aircraft:
  helos: {type: mh60, base: base, count: 1}
delegation_overwatch: {type: mh60}
"""
    )
    problem = _refusal(text)
    assert problem.path == "delegations.usa.hotel"
    assert problem.line == _line_of(text, "hotel: over")
    assert problem.message.startswith(
        "the overwatch of delegation 'usa' over 'over' is out of reach of 'mh60'"
    )


FAR = f"  far: {{city: lima, kind: base, lat: {-12.0 + 10 * DEG!r}, lon: -77.0}}\n"


def test_an_aircraft_based_beyond_reach_is_never_sent_even_when_the_near_one_is_busy():
    # `far` is ten quarter hours north of the base (2.75 h from the station): beyond the 2.25 h endurance
    header = HEADER.replace("forces:", FAR + "forces:", 1)
    body = WATCH.replace("count: 1}", "count: 1}\n  distant: {type: mh60, base: far, count: 1}")
    r = run_replication(air_scenario(body, header), trace=True)
    sorties = [e for e in r.events if e.kind == "sortie"]
    assert len(sorties) > 1
    assert {e.entity for e in sorties} == {"helos"}
    assert r.aircraft["distant"].sorties == 0
    assert r.aircraft["helos"].fuel_low_gal >= 160 * 0.25 - 1e-6  # it always landed with its reserve


SHORT_TANKER = {
    "fuel_capacity_gal: 30000": "fuel_capacity_gal: 1000",
    "    crew: 3": "    reserve_min: 0\n    crew: 3",
}


def _tanker_run(**changes: str):
    body = TANKER_TYPES.format(tanker="  tanker: {type: kc135, base: base, count: 1}")
    for old, new in {**SHORT_TANKER, **changes}.items():
        assert old in body
        body = body.replace(old, new)
    return run_replication(air_scenario(body), trace=True)


def test_a_tanker_gives_no_more_than_it_can_spare_to_fly_home():
    # 1000 gal burning 1000 gal/h, T/3 from the orbit: after the flight out and a 15-minute transfer it
    # has 1000 - 1000 (T/3 + 1/4) gal, and must keep 1000 T/3 to fly home: it spares 583 of its 700
    r = _tanker_run(**{"offload_gal: 500": "offload_gal: 700"})
    spare = 1000 - 1000 * (T / 3 + 0.25) - 1000 * T / 3
    assert r.aircraft["tanker"].offloaded_gal == pytest.approx(spare)
    assert [e.detail for e in r.events if e.kind == "air_refuel"] == [f"took {spare:.0f} gal from a tanker"]
    assert r.aircraft["tanker"].fuel_low_gal == pytest.approx(0, abs=1e-9)  # landed dry, never below


def test_a_transfer_longer_than_the_tankers_fuel_is_broken_off_at_its_bingo_and_gives_nothing():
    r = _tanker_run(**{"transfer_min: 15": "transfer_min: 60"})
    (launch, done) = [e for e in r.events if e.kind == "tanker"]
    # in contact T/3 after launch; it can stay 1 - 2T/3 h there before it must fly home dry
    assert done.time_h - launch.time_h == pytest.approx(T / 3 + (1 - 2 * T / 3))
    assert done.detail == "broke off at its bingo; heading home"
    assert r.aircraft["tanker"].offloaded_gal == 0
    assert r.aircraft["awacs"].air_refuels == 0
    assert r.aircraft["tanker"].fuel_low_gal == pytest.approx(0, abs=1e-9)
