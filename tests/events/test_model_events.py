"""Exact event sequences of each ground process on tiny deterministic scenarios (SimPy-style)."""

from __future__ import annotations

import numpy as np
import simpy

from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.model.board import CityBoard
from sim.model.incidents import incident_stream
from sim.model.record import Recorder
from sim.scenario.schema import IncidentStream
from tests.helpers.tiny import tiny


def _events(record, *kinds):
    return [(e.time_h, e.kind, e.entity, e.detail) for e in record.events if e.kind in kinds]


def test_shift_change_brings_next_crew_and_sends_old_one_home():
    s = tiny("""
        forces:
          police:
            headcount: 10
            cities: {lima: 1}
            shift: {pattern: 12on12off, first_start: "07:00", handover_min: 30}
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "shift")[:5] == [
        (0.0, "shift", "police.security", "crew 1 on until 11-04 07:00: 5 present, 0 absent"),
        (6.5, "shift", "police.security", "crew 2 on until 11-04 19:00: 5 present, 0 absent"),
        (7.0, "shift", "police.security", "crew 1 off: 5 leave"),
        (18.5, "shift", "police.security", "crew 1 on until 11-05 07:00: 5 present, 0 absent"),
        (19.0, "shift", "police.security", "crew 2 off: 5 leave"),
    ]
    duty = r.duty[("police", "lima", "security")]
    # 48 h with 5 on duty, plus 4 handovers (06:30, 18:30 each day) of 30 min with 5 extra people.
    assert duty.on_duty_ph == 5 * 48 + 4 * 0.5 * 5


def test_post_opens_short_and_is_filled_at_next_shift():
    s = tiny("""
        forces:
          police:
            headcount: 11
            cities: {lima: 1}
            shift: {pattern: 8h3crew, first_start: "00:00"}
        posts:
          gate:
            site: lcc
            required: 4
            forces: [police]
            critical: true
            priority: 1
            windows: [{start: 2024-11-04T20:00, end: 2024-11-05T04:00}]
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "post", "gap") == [
        (20.0, "post", "gate", "open, required 4"),
        (20.0, "post", "gate", "staffed 3 of 4"),
        (20.0, "gap", "gate", "short 1 of 4"),
        (24.0, "post", "gate", "staffed 4 of 4"),
        (24.0, "gap", "gate", "ended, was short 1 for 4.00 h"),
        (28.0, "post", "gate", "closed"),
    ]
    assert [(g.start_h, g.end_h, g.short) for g in r.gaps] == [(20.0, 24.0, 1)]
    m = compute_metrics(r)
    assert m["post_coverage"] == (3 * 4 + 4 * 4) / (4 * 8)
    assert m["gap_person_hours"] == 4.0
    assert m["longest_gap_h"] == 4.0
    assert m["critical_gap"] == 1.0  # 4 h short is longer than the default 30 min tolerance


def test_force_not_allowed_at_post_leaves_it_short_while_idle():
    s = tiny("""
        forces:
          police: {headcount: 20, cities: {lima: 1}, shift: {pattern: continuous}}
          us: {headcount: 5, cities: {lima: 1}, shift: {pattern: continuous}}
        posts:
          aircraft_guard:
            site: airport
            required: 8
            forces: [us]
            windows: [{start: 2024-11-04T06:00, end: 2024-11-04T18:00}]
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "post", "gap")[:3] == [
        (6.0, "post", "aircraft_guard", "open, required 8"),
        (6.0, "post", "aircraft_guard", "staffed 5 of 8"),
        (6.0, "gap", "aircraft_guard", "short 3 of 8"),
    ]
    assert r.duty[("police", "lima", "security")].busy_ph == 0.0
    assert compute_metrics(r)["gap_person_hours"] == 3 * 12


def test_higher_priority_post_takes_people_first_and_preference_order_holds():
    s = tiny("""
        forces:
          police: {headcount: 6, cities: {lima: 1}, shift: {pattern: continuous}}
          army: {headcount: 4, cities: {lima: 1}, shift: {pattern: continuous}}
        posts:
          minor:
            site: hotel
            required: 6
            forces: [police, army]
            priority: 5
            windows: [{start: 2024-11-04T01:00, end: 2024-11-04T03:00}]
          perimeter:
            site: lcc
            required: 5
            forces: [police]
            critical: true
            priority: 1
            windows: [{start: 2024-11-04T02:00, end: 2024-11-04T03:00}]
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "post") == [
        (1.0, "post", "minor", "open, required 6"),
        (1.0, "post", "minor", "staffed 6 of 6"),
        (2.0, "post", "perimeter", "open, required 5"),
        (2.0, "post", "perimeter", "staffed 5 of 5"),
        (2.0, "post", "minor", "staffed 5 of 6"),  # 1 police + 4 army left
        (3.0, "post", "minor", "closed"),
        (3.0, "post", "perimeter", "closed"),
    ]


DELEGATIONS = """
forces:
  us: {headcount: 3, cities: {lima: 1}, shift: {pattern: continuous}}
tiers: {leader: {escort_team: 3, priority: 2}}
delegations:
  first:
    tier: leader
    hotel: hotel
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T10:00}
    departure: {airport: airport, scheduled: 2024-11-05T20:00}
  second:
    tier: leader
    hotel: hotel
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T10:10}
    departure: {airport: airport, scheduled: 2024-11-05T21:00}
    programme: [{at: 2024-11-05T09:00, to: lcc, dwell_min: 120}]
"""


def test_escort_waits_until_a_team_frees_up():
    r = run_replication(tiny(DELEGATIONS), trace=True)
    moves = [(m.delegation, m.kind, m.requested_h, m.started_h, m.ended_h) for m in r.movements]
    assert moves == [
        ("first", "arrival", 10.0, 10.0, 10.5),
        # 'second' lands at 10:10 and waits 20 min for the only team to come back.
        ("second", "arrival", 10 + 10 / 60, 10.5, 11.0),
        # hotel -> lcc 20 min, dwell 120 min
        ("second", "programme", 33.0, 33.0, 33 + 20 / 60 + 2),
        ("first", "departure", 43.5, 43.5, 44.0),
        # still at the lcc after its programme: lcc -> airport is 40 min, to land by 21:00
        ("second", "departure", 45 - 40 / 60, 45 - 40 / 60, 45.0),
    ]
    assert [(g.demand, g.name, g.start_h, g.end_h, g.short) for g in r.gaps] == [
        ("escort", "second", 10 + 10 / 60, 10.5, 3)
    ]
    m = compute_metrics(r)
    assert m["movements_delayed_frac"] == 1 / 5
    assert abs(m["escort_delay_mean_min"] - 20 / 5) < 1e-9


def test_incident_answered_late_when_the_team_is_busy():
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    board.change_supply("qrf", "security", 2)
    inc = IncidentStream.model_validate(
        {"city": "lima", "rate_per_day": 1, "team": 2, "forces": ["qrf"],
         "travel_min": 6, "on_scene_min": 54, "target_min": 15}
    )  # fmt: skip
    times = np.array([1.0, 1.5])
    env.process(incident_stream(env, board, rec, "riot", inc, times, np.full(2, 0.1), np.full(2, 0.9)))
    env.run(until=10)
    assert [(e.time_h, e.kind, e.entity, e.detail) for e in rec.events] == [
        (1.0, "incident", "riot#1", "raised; team of 2 needed"),
        (1.0, "response", "riot#1", "dispatched after 0.0 min; on scene in 6.0 min"),
        (1.5, "incident", "riot#2", "raised; team of 2 needed"),
        (2.0, "response", "riot#1", "cleared; team free"),
        (2.0, "response", "riot#2", "dispatched after 30.0 min; on scene in 6.0 min"),
        (3.0, "response", "riot#2", "cleared; team free"),
    ]
    assert [round(x.response_min, 9) for x in rec.responses] == [6.0, 36.0]


def test_same_seed_same_log_other_seed_different():
    s = tiny(
        DELEGATIONS.replace("continuous}", "12on12off}, absence_prob: 0.2")
        + """
incidents:
  street:
    city: lima
    rate_per_day: 12
    team: 1
    forces: [us]
    travel_min: {kind: exponential, mean: 10}
    on_scene_min: {kind: lognormal, mean: 40, sd: 20}
"""
    )
    a = run_replication(s, 0, seed=7, trace=True).events
    b = run_replication(s, 0, seed=7, trace=True).events
    c = run_replication(s, 0, seed=8, trace=True).events
    assert a == b
    assert a != c


def test_post_closing_while_wholly_unstaffed_ends_its_gap():
    """Regression (issue 5, found by the property tests): a post with nobody on it kept its gap open
    after it closed, to the end of the run, which inflated the longest gap and P(critical gap)."""
    s = tiny("""
        forces:
          police: {headcount: 0, cities: {lima: 1}, shift: {pattern: continuous}}
        posts:
          gate:
            site: lcc
            required: 2
            forces: [police]
            critical: true
            windows: [{start: 2024-11-04T10:00, end: 2024-11-04T10:15}]
    """)
    r = run_replication(s)
    assert [(g.start_h, g.end_h, g.short) for g in r.gaps] == [(10.0, 10.25, 2)]
    m = compute_metrics(r)
    assert m["longest_gap_h"] == 0.25
    assert m["gap_person_hours"] == 0.5
    assert m["critical_gap"] == 0.0  # 15 minutes is within the default 30-minute tolerance


def test_horizon_counts_true_hours_across_a_daylight_saving_change():
    """Regression (issue 5, found by the property tests): the run's length subtracted two local times
    of one zone, which ignores a clock change, so a window late on the last day fell off the end."""
    s = tiny(
        """
        forces:
          police: {headcount: 2, cities: {paris: 1}, shift: {pattern: continuous}}
        """,
        header="""
        name: dst
        timezone: Europe/Paris
        start: 2024-10-26T12:00
        end: 2024-10-27T12:00
        cities: {paris: {lat: 48.86, lon: 2.35}}
        """,
    )
    r = run_replication(s)
    assert r.horizon_h == 25.0  # clocks went back an hour on 27 October 2024
    assert r.duty[("police", "paris", "security")].on_duty_ph == 2 * 25.0


def test_waiting_list_length_is_monitored_for_littles_law():
    r = run_replication(tiny(DELEGATIONS))
    # 'second' waits from 10:10 to 10:30 for the only team; nobody else ever waits
    assert r.waiting["escort"] == [(0.0, 0), (10 + 10 / 60, 1), (10.5, 0)]
