"""Dedicated aircrews (issue 12): duty and rest limits, crew first then aircraft, and what they cost."""

from __future__ import annotations

import math

import pytest

from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.scenario import ScenarioError, parse_scenario
from tests.events.test_air import TANKER_TYPES
from tests.helpers.air_scenarios import HEADER, TRANSIT_H, air_scenario

T = TRANSIT_H  # a quarter hour, to float rounding
P, Q, D = 1.0, 0.5, 6.0  # preflight, postflight, max duty (hours)
S = D - P - Q - 2 * T  # hours on station per duty period: 4

LONG = HEADER.replace("end: 2024-11-05T00:00", "end: 2024-11-06T12:00")  # a 60-hour run
ORBIT = """
  e3:
    operator: us
    cruise_kt: 150
    fuel_capacity_gal: 10000
    burn_gal_per_h: 100
    crew: 10
    turnaround_min: {turnaround}
    aircrew: {{crews: {crews}, max_duty_h: {duty}, min_rest_h: {rest}, preflight_h: 1, postflight_h: 0.5}}
aircraft:
  awacs: {{type: e3, base: base, count: {aircraft}}}
air_coverage:
  orbit:
    type: e3
    over: over
    windows: [{{start: 2024-11-04T06:00, end: {end}}}]
"""


def orbit(crews: int, rest: float = 9.0, aircraft: int = 3, turnaround: float = 30, duty: float = D,
          end: str = "2024-11-05T12:00"):  # fmt: skip
    body = ORBIT.format(crews=crews, rest=rest, aircraft=aircraft, turnaround=turnaround, duty=duty, end=end)
    return air_scenario(body, LONG)


@pytest.mark.parametrize("rest", [9.0, 14.0])
def test_a_round_the_clock_orbit_needs_the_crews_duty_and_rest_imply(rest):
    """Closed form, for transit T each way, preflight p, postflight q, max duty D and rest R, with
    aircraft that never run short (fuel for 100 h, three of them for a 30-minute turnaround).

    A crew reports at r, launches at r + p, is on station at r + p + T and must leave it at
    r + D - q - T (to land at r + D - q and finish its postflight at r + D): it holds S = D - p - q - 2T.
    Its relief is called the relief lead (T) plus a preflight before that, so it reports at
    r + D - q - T - T - p = r + S: a crew reports every S hours. A crew is on duty D and rests R, so it
    can report again D + R after it last did; the rested crew longest at rest goes first, so crew i
    flies sorties i, i + n, i + 2n, ... and the orbit is whole iff n S >= D + R:
    crews needed n = ceil((D + R) / S) (here S = 4: 15 / 4 -> 4 crews, 20 / 4 -> 5 crews).
    With m = n - 1 crews, sortie i + m reports exactly D + R after sortie i (its crew's rest ends
    then; every sortie still holds S), so each cycle of D + R holds m S on station: over a window of
    whole cycles the share is m S / (D + R), and every uncovered hour is put down to a crew.
    """
    cycle = D + rest
    n = math.ceil(cycle / S)
    end = f"2024-11-0{4 + int(6 + 2 * cycle) // 24}T{int(6 + 2 * cycle) % 24:02d}:00"  # two whole cycles
    enough = compute_metrics(run_replication(orbit(n, rest, end=end)))
    assert enough["air_coverage"] == pytest.approx(1.0, abs=1e-12)
    short = run_replication(orbit(n - 1, rest, end=end))
    share = (n - 1) * S / cycle
    assert share < 1
    assert compute_metrics(short)["air_coverage"] == pytest.approx(share, abs=1e-9)
    gaps = [g for g in short.gaps if g.demand == "air"]
    assert {g.cause for g in gaps} == {"crew"}
    assert sum(g.end_h - g.start_h for g in gaps) == pytest.approx(2 * cycle * (1 - share), abs=1e-9)
    # one gap a cycle, starting when the last crew in turn must leave: m S after the first arrival
    assert [round(g.start_h, 9) for g in gaps] == [round(6.0 + k * cycle + (n - 1) * S, 9) for k in range(2)]


def test_a_crew_rests_between_sorties_and_the_next_sortie_takes_another_or_waits():
    r = run_replication(orbit(3), trace=True)
    seen = [(round(e.time_h, 6), e.kind, e.entity, e.detail) for e in r.events
            if e.kind in ("aircrew", "sortie", "air_late") and e.time_h < 21.5]  # fmt: skip
    report = 6.0 - T - P  # the first crew reports a preflight and a transit before the window
    waits = "orbit (slot 1) waits for a rested crew (next rested at 19.75 h)"
    assert seen == [
        (round(report, 6), "aircrew", "e3 crew 1", "reports for orbit (slot 1)"),
        (round(report + P, 6), "sortie", "awacs#1", "launched for orbit (slot 1)"),
        (round(report + S, 6), "aircrew", "e3 crew 2", "reports for orbit (slot 1)"),
        (round(report + S + P, 6), "sortie", "awacs#2", "launched for orbit (slot 1)"),
        (round(report + D, 6), "aircrew", "e3 crew 1", "released after 6.00 h on duty; rests 9 h"),
        # crew 1 rests: the third sortie takes crew 3
        (round(report + 2 * S, 6), "aircrew", "e3 crew 3", "reports for orbit (slot 1)"),
        (round(report + 2 * S + P, 6), "sortie", "awacs#3", "launched for orbit (slot 1)"),
        (round(report + S + D, 6), "aircrew", "e3 crew 2", "released after 6.00 h on duty; rests 9 h"),
        # every crew is resting or flying: the fourth sortie waits until crew 1's rest ends
        (round(report + 3 * S, 6), "aircrew", "e3", waits),
        (round(report + 2 * S + D, 6), "aircrew", "e3 crew 3", "released after 6.00 h on duty; rests 9 h"),
        (round(report + D + 9, 6), "aircrew", "e3 crew 1", "reports for orbit (slot 1)"),
        (round(report + D + 9 + P, 6), "air_late", "e3", "orbit (slot 1) 3.00 h late: no crew ready"),
        (round(report + D + 9 + P, 6), "sortie", "awacs#1", "launched for orbit (slot 1)"),
    ]  # fmt: skip
    assert report + D + 9 == pytest.approx(19.75)
    ledger = r.aircrews["e3"]
    assert (ledger.crews, ledger.size, ledger.sorties) == (3, 10, 6)
    assert ledger.duty_h == pytest.approx(6 * D)  # six full duty periods; none stood down
    assert compute_metrics(r)["crew_duty_hours"] == pytest.approx(10 * 6 * D)


def test_a_crew_waits_for_a_short_aircraft_and_its_duty_runs_out_and_the_gap_is_the_aircraft():
    """Crews enough but one aircraft with a 4-hour turnaround: the relief's crew reports on time and
    waits for the aircraft with its duty clock running; when the aircraft is ready the crew could no
    longer fly out and back within its duty, so it stands down to rest and a fresh crew reports. No
    aircraft is ever held by a sortie without a crew, and the gap is put down to the aircraft."""
    r = run_replication(orbit(6, aircraft=1, turnaround=240), trace=True)
    report = 6.0 - T - P
    ready = report + D - Q + 4.0  # lands at report + D - q, then a 4-hour turnaround
    seen = [(round(e.time_h, 6), e.entity, e.detail) for e in r.events
            if e.kind in ("aircrew", "sortie", "air_late") and e.time_h <= ready + P]  # fmt: skip
    stood = f"stood down without flying after {ready - report - S:.2f} h on duty; rests 9 h"
    assert seen[2:] == [
        (round(report + S, 6), "e3 crew 2", "reports for orbit (slot 1)"),
        (round(report + D, 6), "e3 crew 1", "released after 6.00 h on duty; rests 9 h"),
        (round(ready, 6), "e3 crew 2", stood),
        (round(ready, 6), "e3 crew 3", "reports for orbit (slot 1)"),
        (round(ready + P, 6), "e3", f"orbit (slot 1) {ready + P + T - 10.0:.2f} h late: no aircraft ready"),
        (round(ready + P, 6), "awacs", "launched for orbit (slot 1)"),
    ]  # fmt: skip
    gaps = [g for g in r.gaps if g.demand == "air"]
    assert gaps
    assert {g.cause for g in gaps} == {"aircraft"}
    assert r.stations["orbit"].on_station[0][1] == pytest.approx((ready + P + T, ready + D - Q - T))
    assert r.aircrews["e3"].duty_h >= 3 * D


def test_duty_limit_replaces_crew_duty_h_and_cuts_the_sortie():
    """With aircrew, the time on station ends when the crew must head home to be released by its duty
    limit (report + D - q - T), not after `crew_duty_h` airborne; fuel for 100 h never binds."""
    r = run_replication(orbit(6, duty=3.0))
    first = r.stations["orbit"].on_station[0][0]
    assert first == pytest.approx((6.0, 6.0 + 3.0 - P - Q - 2 * T))


def test_crewed_tankers_refuel_a_crewed_receiver():
    crew = "    aircrew: {{crews: 2, max_duty_h: 20, min_rest_h: 8, preflight_h: 0.5, postflight_h: 0.5}}\n"
    body = TANKER_TYPES.replace("    crew_duty_h: 24\n", "").replace(
        "    receivers: [e3g]\n", "    receivers: [e3g]\n" + crew
    )
    body = body.replace("    air_refuelable: true\n", "    air_refuelable: true\n" + crew)
    r = run_replication(
        air_scenario(body.format(tanker="  tanker: {type: kc135, base: over, count: 1}")), trace=True
    )
    bingo = 8.0 + (1000 - 100 * T - 100 * (0.5 + T)) / 100
    assert r.stations["orbit"].on_station[0][0] == pytest.approx((8.0, bingo + 5.0))
    assert r.aircraft["awacs"].air_refuels == 1
    tanker_crew = [(round(e.time_h, 6), e.detail) for e in r.events if e.entity == "kc135 crew 1"]
    # the tanker (based over the station) launches at bingo - 0.5 h as without aircrews; its crew is
    # called out a preflight (0.5 h) and the tanker margin (0.25 h) before that
    launch = next(e.time_h for e in r.events if e.kind == "tanker")
    assert launch == pytest.approx(bingo - 0.5)
    assert tanker_crew[0] == (round(bingo - 1.25, 6), "reports for a tanker for awacs")
    assert tanker_crew[1][1].startswith("released")


def test_both_crew_duty_h_and_aircrew_is_refused():
    text = HEADER + "    crew_duty_h: 10\n    aircrew: {crews: 2, max_duty_h: 12, min_rest_h: 10}\n"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "air.yaml")
    (problem,) = err.value.problems
    assert problem.path == "aircraft_types.mh60"
    assert "give either crew_duty_h or aircrew" in problem.message


def test_a_duty_too_short_to_reach_the_station_and_back_is_refused_with_the_numbers():
    text = (
        HEADER
        + "    aircrew: {crews: 2, max_duty_h: 1.7, min_rest_h: 10, preflight_h: 1, postflight_h: 0.25}\n"
    )
    text += """aircraft:
  helos: {type: mh60, base: base, count: 1}
air_coverage:
  watch: {type: mh60, over: over, windows: [{start: 2024-11-04T08:00, end: 2024-11-04T20:00}]}
"""
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "air.yaml")
    (problem,) = err.value.problems
    assert problem.path == "aircraft_types.mh60.aircrew.max_duty_h"
    assert problem.line == text.splitlines().index(next(x for x in text.splitlines() if "aircrew:" in x)) + 1
    assert problem.message == (
        "max_duty_h (1.7 h) leaves no time on station for air_coverage 'watch' over 'over': preflight 1 h "
        "+ transit 0.25 h out and 0.25 h back (from 'base', the nearest base of 'mh60') + postflight "
        "0.25 h = 1.75 h"
    )
    # a quarter hour more duty leaves a quarter hour on station: valid
    parse_scenario(text.replace("max_duty_h: 1.7", "max_duty_h: 2"), "air.yaml")


def test_preflight_and_postflight_longer_than_the_duty_are_refused():
    text = (
        HEADER
        + "    aircrew: {crews: 2, max_duty_h: 2, min_rest_h: 10, preflight_h: 1.5, postflight_h: 0.5}\n"
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "air.yaml")
    (problem,) = err.value.problems
    assert problem.path == "aircraft_types.mh60.aircrew"
    assert "leave no flight time within max_duty_h (2 h)" in problem.message


def test_a_committed_tanker_does_not_hold_back_the_relief_for_the_crews_duty_end():
    """A crewed receiver whose duty ends a quarter hour after its bingo: a tanker is called for that last
    quarter hour, and the relief is called for the duty end all the same (a preflight and a transit before
    it), so it arrives as the crew must leave and the orbit has no gap."""
    crew = (
        "    aircrew: {{crews: 3, max_duty_h: 10.75, min_rest_h: 8, preflight_h: 0.5, postflight_h: 0.5}}\n"
    )
    body = TANKER_TYPES.replace("    crew_duty_h: 24\n", crew).replace(
        "awacs: {{type: e3g, base: base, count: 1}}", "awacs: {{type: e3g, base: base, count: 2}}"
    )
    r = run_replication(
        air_scenario(body.format(tanker="  tanker: {type: kc135, base: over, count: 1}")), trace=True
    )
    duty_end = 8.0 - T - 0.5 + 10.75 - 0.5 - T  # report + D - q - T: 17.25
    bingo = 8.0 + (1000 - 100 * T - 100 * (0.5 + T)) / 100
    assert bingo < duty_end < bingo + 0.5  # its relief is due (at 16.5) while the tanker is committed
    assert r.stations["orbit"].on_station[0] == [
        pytest.approx((8.0, duty_end)),
        pytest.approx((duty_end, 22.0)),
    ]
    assert r.aircraft["awacs#1"].air_refuels == 1
    assert not [g for g in r.gaps if g.demand == "air"]
