"""Air operations on tiny scenarios with exact answers: sortie cycles, fuel, tankers, failures."""

from __future__ import annotations

import itertools

import pytest

from sim.metrics import compute_metrics
from sim.model import run_replication
from tests.helpers import ROOT
from tests.helpers.air_scenarios import HEADER, TRANSIT_H, air_scenario

T = TRANSIT_H  # a quarter hour, to float rounding
STAY = 2.0 - 2 * T  # (360 gal - 160 gal/h x (transit out + transit home + 15 min reserve)) / 160 gal/h

WATCH = """
aircraft:
  helos: {{type: mh60, base: base, count: {n}}}
air_coverage:
  watch:
    type: mh60
    over: over
    windows: [{{start: 2024-11-04T08:00, end: 2024-11-04T20:00}}]
{extra}
"""


def _spans(record, station="watch"):
    return record.stations[station].on_station[0]


def _approx(spans):
    return [pytest.approx(s, abs=1e-9) for s in spans]


def test_one_helicopter_cycle_is_stay_then_transit_turnaround_transit():
    r = run_replication(air_scenario(WATCH.format(n=1, extra="")), trace=True)
    # launch 07:45, on station 08:00 for STAY; relief can only be this aircraft again, ready after
    # transit home + 30 min turnaround, then transit out: one cycle every STAY + 2T + 0.5 h.
    cycle = STAY + 2 * T + 0.5
    starts = [8.0 + i * cycle for i in range(5)]
    expected = [(a, a + STAY) for a in starts]
    assert _spans(r) == _approx(expected)
    m = compute_metrics(r)
    assert m["air_coverage"] == pytest.approx(5 * STAY / 12)
    assert m["flight_hours"] == pytest.approx(5 * (STAY + 2 * T))
    assert [e.time_h for e in r.events if e.kind == "sortie"] == _approx([a - T for a in starts])


def test_two_helicopters_relieve_each_other_with_no_gap():
    r = run_replication(air_scenario(WATCH.format(n=2, extra="")), trace=True)
    edges = [8.0 + i * STAY for i in range(8)] + [20.0]
    assert _spans(r) == _approx(list(itertools.pairwise(edges)))
    assert compute_metrics(r)["air_coverage"] == pytest.approx(1.0)
    # each relief launches one transit before the aircraft on station reaches bingo
    launches = [e.time_h for e in r.events if e.kind == "sortie"]
    assert launches == _approx([t - T for t in edges[:-1]])
    assert not [g for g in r.gaps if g.demand == "air"]


FUEL = """
fuel_points:
  base_fuel: {site: base, capacity_gal: 2000, initial_gal: 700}
fuel_trucks:
  bowser:
    count: 1
    depot: base
    serves: [base_fuel]
    operator: us
    capacity_gal: 1000
    every_h: 24
    first_h: 15
    load_min: 30
    unload_gal_per_min: 600
"""


def test_fuel_point_runs_dry_aircraft_waits_truck_refills():
    r = run_replication(air_scenario(WATCH.format(n=1, extra=FUEL)), trace=True)
    fuel = [(round(e.time_h, 6), e.kind, e.detail) for e in r.events
            if e.kind in ("refuel", "fuel_outage", "fuel_delivery")][:6]  # fmt: skip
    unload_h = 1000 / 600 / 60
    delivered = round(15.5 + unload_h, 6)
    assert fuel == [
        (round(8.0 + STAY + T, 6), "refuel", "320 gal; stock 380 gal"),
        (round(10.5 + STAY + T, 6), "refuel", "320 gal; stock 60 gal"),
        (round(13.0 + STAY + T, 6), "fuel_outage", "helos needs 320 gal, 60 in stock"),
        # the waiting aircraft already took the last 60 gal; it takes the other 260 from this load
        (delivered, "fuel_delivery", "1000 gal delivered to base_fuel; stock 1000 gal"),
        (delivered, "fuel_outage", f"ended after {delivered - (13.0 + STAY + T):.2f} h"),
        (delivered, "refuel", "320 gal; stock 740 gal"),
    ]
    ledger = r.fuel["base_fuel"]
    assert ledger.outage_h == pytest.approx(15.5 + unload_h - (13.0 + STAY + T))
    assert compute_metrics(r)["fuel_outage_h"] == ledger.outage_h
    # the aircraft sat on the ground waiting: the next sortie starts only after fuel and turnaround
    assert _spans(r)[3][0] == pytest.approx(15.5 + unload_h + 0.5 + T)


TANKER_TYPES = """
  e3g:
    kind: surveillance
    operator: us
    cruise_kt: 150
    fuel_capacity_gal: 1000
    burn_gal_per_h: 100
    reserve_min: 30
    air_refuelable: true
    crew: 4
    crew_duty_h: 24
  kc135:
    kind: tanker
    operator: us
    cruise_kt: 450
    fuel_capacity_gal: 30000
    burn_gal_per_h: 1000
    crew: 3
    offload_gal: 500
    transfer_min: 15
    receivers: [e3g]
aircraft:
  awacs: {{type: e3g, base: base, count: 1}}
{tanker}
air_coverage:
  orbit:
    type: e3g
    over: over
    windows: [{{start: 2024-11-04T08:00, end: 2024-11-04T22:00}}]
"""


def test_aerial_refuel_extends_time_on_station_by_offload_over_burn():
    without = run_replication(air_scenario(TANKER_TYPES.format(tanker="")))
    with_tanker = run_replication(
        air_scenario(TANKER_TYPES.format(tanker="  tanker: {type: kc135, base: over, count: 1}")),
        trace=True,
    )
    # On station at 08:00 with 1000 - 100 x T gal; bingo keeps 30 min reserve plus T to fly home.
    bingo = 8.0 + (1000 - 100 * T - 100 * (0.5 + T)) / 100
    assert _spans(without, "orbit")[0] == pytest.approx((8.0, bingo))  # then home to refuel
    # The tanker meets it at bingo and gives 500 gal: 500 / 100 gal/h = 5 h more, to 22:00.
    assert _spans(with_tanker, "orbit") == _approx([(8.0, bingo + 500 / 100)])
    assert with_tanker.aircraft["awacs"].air_refuels == 1
    assert with_tanker.aircraft["tanker"].offloaded_gal == 500
    kinds = [(round(e.time_h, 6), e.kind) for e in with_tanker.events if e.kind in ("tanker", "air_refuel")]
    # the tanker is asked to finish its 15 min transfer a quarter hour before the receiver's bingo
    assert kinds == [
        (round(bingo - 0.5, 6), "tanker"),
        (round(bingo - 0.25, 6), "tanker"),
        (round(bingo - 0.25, 6), "air_refuel"),
    ]


def test_failure_on_station_launches_relief_at_once_and_repair_returns_aircraft():
    header = HEADER.replace(
        "turnaround_min: 30", "turnaround_min: 30\n    failure_per_flight_h: 0.4\n    repair_h: 3"
    )
    r = run_replication(air_scenario(WATCH.format(n=2, extra=""), header), 0, seed=3, trace=True)
    failures = [e for e in r.events if e.kind == "failure"]
    assert failures, "seed 3 gives failures at this rate"
    f = failures[0]
    at_f = [(e.kind, e.entity, e.detail) for e in r.events if e.time_h == f.time_h]
    other = "helos#2" if f.entity == "helos#1" else "helos#1"
    assert ("on_station", f.entity, "left watch: failure") in at_f
    assert ("sortie", other, "launched for watch (slot 1)") in at_f  # the relief, at once
    repair = next(e for e in r.events if e.kind == "repair" and e.entity == f.entity)
    assert repair.time_h == pytest.approx(f.time_h + T + 3.0)  # fly home, then 3 h repair
    assert r.aircraft[f.entity].down_h >= 3.0
    # the repaired aircraft flies again
    assert any(e.kind == "sortie" and e.entity == f.entity and e.time_h > repair.time_h for e in r.events)


@pytest.mark.parametrize("seed", range(5))
def test_fuel_books_balance_exactly(seed):
    header = HEADER.replace("turnaround_min: 30", "turnaround_min: 30\n    failure_per_flight_h: 0.2")
    body = WATCH.format(n=3, extra=FUEL.replace("every_h: 24", "every_h: 3"))
    r = run_replication(air_scenario(body, header), seed, seed=seed)
    for ledger in r.fuel.values():
        assert ledger.final_gal == ledger.initial_gal + ledger.delivered_gal - ledger.dispensed_gal
        assert 0 <= ledger.final_gal <= ledger.capacity_gal


def test_fewer_aviation_crews_lower_air_coverage_on_same_random_numbers():
    header = HEADER.replace("headcount: 40", "headcount: 40\n    swept: true").replace(
        "turnaround_min: 30", "turnaround_min: 30\n    failure_per_flight_h: 0.1"
    )
    body = WATCH.format(n=3, extra="").replace(
        "watch:\n    type: mh60", "watch:\n    count: 2\n    type: mh60"
    )
    s = air_scenario(body, header)
    # 40 people: 10 aviation = two crews of 4; 24 people: 6 aviation = one crew.
    full = compute_metrics(run_replication(s, 0, seed=11, troops=40))["air_coverage"]
    short = compute_metrics(run_replication(s, 0, seed=11, troops=24))["air_coverage"]
    assert short < full
    assert short <= 0.5 + 1e-9  # one crew can keep at most one of the two slots


def test_reorder_sends_enough_trucks_and_an_outage_ends():
    """Regression: one draw used to order at most one truck, and a waiting draw ordered none."""
    small_trucks = """
fuel_points:
  base_fuel: {site: base, capacity_gal: 1000, initial_gal: 400}
fuel_trucks:
  bowser:
    count: 1
    depot: base
    serves: [base_fuel]
    operator: us
    capacity_gal: 200
    reorder_point_gal: 300
    load_min: 30
"""
    r = run_replication(air_scenario(WATCH.format(n=1, extra=small_trucks)), trace=True)
    ledger = r.fuel["base_fuel"]
    # 400 - 320 = 80 left after the first refuel: two 200-gal trucks are ordered to get above 300.
    assert ledger.deliveries >= 2
    outages = [e.detail for e in r.events if e.kind == "fuel_outage"]
    starts = [d for d in outages if "needs" in d]
    assert len(outages) == 2 * len(starts)  # every outage that began also ended before the run did
    assert len(r.stations["watch"].on_station[0]) == 5  # same five sorties as with unlimited fuel
    assert ledger.final_gal == ledger.initial_gal + ledger.delivered_gal - ledger.dispensed_gal


def test_aircraft_needing_more_than_the_point_holds_is_served_in_parts():
    """Regression: a draw larger than the tank's capacity used to wait forever and block the queue."""
    tiny_tank = """
fuel_points:
  base_fuel: {site: base, capacity_gal: 200, initial_gal: 200}
fuel_trucks:
  bowser: {count: 1, depot: base, serves: [base_fuel], operator: us, capacity_gal: 200,
           reorder_point_gal: 100, load_min: 30}
"""
    r = run_replication(air_scenario(WATCH.format(n=1, extra=tiny_tank)), trace=True)
    refuels = [e for e in r.events if e.kind == "refuel"]
    assert len(refuels) >= 2
    assert refuels[0].detail.startswith("320 gal")  # 200 at once, 120 from the next truckload
    ledger = r.fuel["base_fuel"]
    assert ledger.dispensed_gal >= 320
    assert ledger.final_gal == ledger.initial_gal + ledger.delivered_gal - ledger.dispensed_gal


def test_aircraft_on_station_at_the_end_counts_until_the_end():
    """Regression (issue 5): a window ending with the run lost the last on-station span (coverage 15/16
    for two helicopters that relieve each other seamlessly) and recorded a false air gap."""
    body = WATCH.format(n=2, extra="").replace("end: 2024-11-04T20:00", "end: 2024-11-05T00:00")
    r = run_replication(air_scenario(body))
    assert _spans(r)[-1] == pytest.approx((8.0 + 10 * STAY, 24.0))
    assert compute_metrics(r)["air_coverage"] == pytest.approx(1.0)
    assert not [g for g in r.gaps if g.demand == "air"]
    # the aircraft in the air at the end has flown since its launch, one transit before it arrived
    assert compute_metrics(r)["flight_hours"] == pytest.approx(
        10 * (STAY + 2 * T) + (24.0 - 8.0 - 10 * STAY) + T
    )


def test_repair_under_way_at_the_end_counts_as_down_time():
    """Regression (issue 5): down time was added only when a repair finished, so one still under way at
    the end of the run did not count against availability."""
    header = HEADER.replace(
        "turnaround_min: 30", "turnaround_min: 30\n    failure_per_flight_h: 2.0\n    repair_h: 100"
    )
    r = run_replication(air_scenario(WATCH.format(n=1, extra=""), header), 0, seed=1, trace=True)
    (failure,) = [e for e in r.events if e.kind == "failure"]  # the 100-hour repair outlasts the run
    home = failure.time_h + float(failure.detail.split("; ")[1].split()[0])
    assert r.aircraft["helos"].down_h == pytest.approx(24.0 - home, abs=0.01)


def test_failure_in_flight_is_not_repeated_at_the_next_launch():
    """Regression (issue 5, found by the availability case): after an in-flight failure the failure clock
    could stay a rounding error short of the failure just suffered, and the aircraft failed again at its
    next launch with no flight at all - about one failure in ten was such a double."""
    header = HEADER.replace(
        "turnaround_min: 30", "turnaround_min: 0\n    failure_per_flight_h: 0.5\n    repair_h: 0.5"
    ).replace("reserve_min: 15", "reserve_min: 0")
    body = WATCH.format(n=1, extra="").replace("over: over", "over: base")  # transit 0
    r = run_replication(air_scenario(body, header), 0, seed=5, trace=True)
    launched: dict[str, float] = {}
    ups = []
    for e in r.events:
        if e.kind == "sortie":
            launched[e.entity] = e.time_h
        elif e.kind == "failure":
            ups.append(e.time_h - launched[e.entity])
    assert len(ups) >= 3
    assert min(ups) > 1e-6


def test_daily_air_window_that_falls_outside_the_run_needs_no_aircraft():
    """Regression (issue 5, found by the property tests): a daily air coverage window with no occurrence
    inside the run crashed the set-up of its slots."""
    body = """
aircraft:
  helos: {type: mh60, base: base, count: 1}
air_coverage:
  dusk: {type: mh60, over: over, daily: [{from: "23:30", to: "23:45"}]}
"""
    s = air_scenario(body)
    s = s.model_copy(update={"end": s.start.replace(hour=20)})
    r = run_replication(s)
    assert r.stations["dusk"].required_ah == 0
    assert r.aircraft["helos"].sorties == 0


TWO_RECEIVERS = """
  e3g:
    kind: surveillance
    operator: us
    cruise_kt: 150
    fuel_capacity_gal: 1000
    burn_gal_per_h: 100
    reserve_min: 30
    air_refuelable: true
    crew: 4
    crew_duty_h: 24
  e3n:
    kind: surveillance
    operator: us
    cruise_kt: 150
    fuel_capacity_gal: 1000
    burn_gal_per_h: 100
    reserve_min: 30
    air_refuelable: true
    crew: 3
    crew_duty_h: 24
  kc135:
    kind: tanker
    operator: us
    cruise_kt: 450
    fuel_capacity_gal: 30000
    burn_gal_per_h: 1000
    crew: 3
    offload_gal: 500
    transfer_min: 15
    receivers: [e3g, e3n]
aircraft:
  awacs: {type: e3g, base: base, count: 1}
  awacs_n: {type: e3n, base: base, count: 1}
  tanker: {type: kc135, base: over, count: 2}
air_coverage:
  orbit: {type: e3g, over: over, windows: [{start: 2024-11-04T08:00, end: 2024-11-04T22:00}]}
  orbit_n: {type: e3n, over: over, windows: [{start: 2024-11-04T08:00, end: 2024-11-04T22:00}]}
"""


def test_tanker_refuels_an_air_refuelable_receiver_and_not_one_that_is_not():
    # e3n is made not air_refuelable in code, after loading, so the tankers still list it as a receiver:
    # the model itself must not refuel it (with two tankers and enough crews, nothing else stops it).
    s = air_scenario(TWO_RECEIVERS, HEADER.replace("headcount: 40", "headcount: 60"))  # 15 aircrew
    types = {**s.aircraft_types, "e3n": s.aircraft_types["e3n"].model_copy(update={"air_refuelable": False})}
    r = run_replication(s.model_copy(update={"aircraft_types": types}), trace=True)
    # Both arrive at 08:00 with 1000 - 100 x T gal and reach bingo (30 min reserve plus T home) together.
    bingo = 8.0 + (1000 - 100 * T - 100 * (0.5 + T)) / 100
    seen = [
        (round(e.time_h, 6), e.kind, e.entity, e.detail)
        for e in r.events
        if e.kind in ("tanker", "air_refuel") or (e.entity == "awacs_n" and e.time_h <= bingo)
    ]
    assert seen == [
        (round(8.0 - T, 6), "sortie", "awacs_n", "launched for orbit_n (slot 1)"),
        (8.0, "on_station", "awacs_n", "on station for orbit_n"),
        (round(bingo - 0.5, 6), "tanker", "tanker#1", "launched to refuel awacs"),
        (round(bingo - 0.25, 6), "tanker", "tanker#1", "offloaded 500 gal; heading home"),
        (round(bingo - 0.25, 6), "air_refuel", "awacs", "took 500 gal from a tanker"),
        (round(bingo, 6), "on_station", "awacs_n", "left orbit_n: bingo or crew duty"),
    ]
    # the refuelable one stays 500 gal / 100 gal/h = 5 h more, to the window's end; the other leaves at bingo
    assert _spans(r, "orbit") == _approx([(8.0, bingo + 500 / 100)])
    assert _spans(r, "orbit_n")[0] == pytest.approx((8.0, bingo))
    assert (r.aircraft["awacs"].air_refuels, r.aircraft["awacs_n"].air_refuels) == (1, 0)
    # two tankers stand by, with crews, yet only one flies
    assert [(a.sorties, a.offloaded_gal) for a in (r.aircraft["tanker#1"], r.aircraft["tanker#2"])] == [
        (1, 500),
        (0, 0),
    ]


def test_a_tanker_listing_a_receiver_that_cannot_take_fuel_in_the_air_is_refused():

    from sim.scenario import ScenarioError, parse_scenario

    text = (ROOT / "scenarios/examples/air_fuel.yaml").read_text()
    assert "    air_refuelable: true\n" in text
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text.replace("    air_refuelable: true\n", "    air_refuelable: false\n"), "air.yaml")
    (problem,) = err.value.problems
    assert (problem.line, problem.path) == (57, "aircraft_types.kc135.receivers[0]")
    assert problem.message.startswith("aircraft type 'e3g' is not air_refuelable, so no tanker can refuel it")
