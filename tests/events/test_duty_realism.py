"""Exact event sequences of duty realism (issue 12, ground side): hold-over at a shift change with its
overtime, the hold-over cap's swap, a rest day of a rotation, a reinforcement arriving on a date."""

from __future__ import annotations

import pytest
import simpy

from sim.model import run_replication
from sim.model.board import CityBoard
from sim.model.record import DutyTotals, PostTotals, Recorder
from tests.helpers.tiny import tiny


def _events(record, *kinds):
    return [(e.time_h, e.kind, e.entity, e.detail) for e in record.events if e.kind in kinds]


# Two crews of 3 (12on12off from 07:00, 30 min handover; the scenario starts at midnight, so crew 1 is
# the night crew 19:00-07:00 and crew 2 the day crew). A gate needs 3 around the clock at the lowest
# priority; one escort of 1 (priority 2) takes the delegation to the venue at 18:00 and stays with it
# through a 2 h dwell, until 20:20: it runs 80 min past the day crew's 19:00 shift end.
HOLDOVER = """
forces:
  police:
    headcount: 6
    cities: {lima: 1}
    shift: {pattern: 12on12off, first_start: "07:00", handover_min: 30SHIFT_EXTRA}
tiers: {leader: {escort_team: 1, priority: 2}}
delegations:
  vip:
    tier: leader
    hotel: hotel
    escort_forces: [police]
    arrival: {airport: airport, scheduled: 2024-11-04T12:00}
    departure: {airport: airport, scheduled: 2024-11-05T20:00}
    programme: [{at: 2024-11-04T18:00, to: lcc, dwell_min: 120}]
posts:
  gate:
    site: lcc
    required: 3
    forces: [police]
    critical: true
    windows: [{start: 2024-11-04T15:00, end: 2024-11-04T23:00}]
"""
END = 20 + 20 / 60  # the programme escort ends: hotel -> lcc 20 min, then 120 min dwell


def _holdover(extra: str = ""):
    return run_replication(tiny(HOLDOVER.replace("SHIFT_EXTRA", extra)), trace=True)


def test_task_past_shift_end_is_held_over_on_overtime_and_not_charged_to_the_incoming_crew():
    r = _holdover()
    assert [e for e in _events(r, "shift", "post", "gap") if 15 <= e[0] <= 21] == [
        (15.0, "post", "gate", "open, required 3"),
        (15.0, "post", "gate", "staffed 3 of 3"),
        (18.0, "post", "gate", "staffed 2 of 3"),  # the escort took 1 of the day crew
        (18.0, "gap", "gate", "short 1 of 3"),
        (18.5, "shift", "police.security", "crew 1 on until 11-05 07:00: 3 present, 0 absent"),
        (18.5, "post", "gate", "staffed 3 of 3"),
        (18.5, "gap", "gate", "ended, was short 1 for 0.50 h"),
        # The day crew goes: 2 leave, the escort keeps its 1; the night crew, all 3 free, staffs the
        # gate (before the fix the 1 held was charged to it and the gate stayed 1 short until 20:20).
        (19.0, "shift", "police.security", "crew 2 off: 2 leave, 1 held over"),
        (END, "shift", "police.security", "crew 2: 1 held over go off after 1.33 h overtime"),
    ]
    assert [(g.start_h, g.end_h, g.short) for g in r.gaps if g.demand == "post"] == [(18.0, 18.5, 1)]
    duty = r.duty[("police", "lima", "security")]
    assert duty.overtime_ph == pytest.approx(END - 19)  # one person from 19:00 to 20:20, and nothing else
    # On duty: 3 per crew for 48 h, 3 extra in each of the 4 handovers, and the 1 held over.
    assert duty.on_duty_ph == pytest.approx(3 * 48 + 4 * 0.5 * 3 + (END - 19))


def test_holdover_cap_swaps_the_held_people_for_people_of_the_crew_on_shift():
    r = _holdover(", max_holdover_h: 0.5")
    assert [e for e in _events(r, "shift", "post", "gap", "holdover") if 19 <= e[0] <= 21] == [
        (19.0, "shift", "police.security", "crew 2 off: 2 leave, 1 held over"),
        # 30 min past the shift end: the escort (priority 2) takes 1 of the night crew before the gate
        # (priority 5), and the held-over person goes home.
        (19.5, "shift", "police.security", "crew 2: 1 held over go off after 0.50 h overtime"),
        (19.5, "holdover", "vip", "swap: 1 held over go off, 1 from the crews on shift"),
        (19.5, "post", "gate", "staffed 2 of 3"),
        (19.5, "gap", "gate", "short 1 of 3"),
        (END, "post", "gate", "staffed 3 of 3"),
        (END, "gap", "gate", "ended, was short 1 for 0.83 h"),
    ]
    assert r.duty[("police", "lima", "security")].overtime_ph == pytest.approx(0.5)
    # The escort itself is not interrupted: the movement ends when it would have.
    (programme,) = [m for m in r.movements if m.kind == "programme"]
    assert (programme.started_h, programme.ended_h) == pytest.approx((18.0, END))


def test_holdover_swap_refused_when_the_crew_on_shift_has_no_one_free_keeps_the_team():
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    board.add_pool("qrf", "security", DutyTotals())
    gate = board.add_post("gate", "lcc", ["qrf"], "security", 1, PostTotals("lima", "lcc", True))
    done: list[float] = []

    def run():
        board.crew_on("qrf", "security", "A", 2, 1.0, holdover_cap_h=0.25)
        task = board.request("response", "riot", "", ["qrf"], 2, 3)
        yield task.event
        yield env.timeout(0.5)
        board.crew_on("qrf", "security", "B", 1, 2.0, holdover_cap_h=0.25)
        board.set_required(gate, 1)  # the gate (priority 1) takes B's only person
        yield env.timeout(1.25)  # until 1.75: held over 0.75 h, past the cap since 1.25
        board.release(task)
        done.append(env.now)

    env.process(run())
    env.process(_off_at(env, board, "A", 1.0))
    env.run(until=3)
    assert done == [1.75]
    assert [(e.time_h, e.kind, e.detail) for e in rec.events if e.kind in ("holdover", "shift")] == [
        (1.25, "holdover", "no swap: 2 held over past the cap, 0 free on shift; team kept"),
        (1.75, "shift", "A: 2 held over go off after 0.75 h overtime"),
    ]
    duty = rec.duty[("qrf", "lima", "security")]
    assert duty.overtime_ph == pytest.approx(2 * 0.75)
    assert board.on_duty[("qrf", "security")] == 1  # only B is left (until its own shift end at 2.0)


def _off_at(env, board, crew, t):
    yield env.timeout(t)
    board.crew_off("qrf", "security", crew)


def test_rest_day_of_a_rotation_leaves_the_post_short_that_day():
    s = tiny("""
        forces:
          police:
            headcount: 2
            cities: {lima: 1}
            shift: {shift_h: 12, rotation: ["1-"], first_start: "07:00", max_consecutive_days: 1}
        posts:
          gate:
            site: lcc
            required: 2
            forces: [police]
            daily: [{from: "08:00", to: "10:00"}]
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "shift") == [
        (7.0, "shift", "police.security", "crew 1 on until 11-04 19:00: 2 present, 0 absent"),
        (19.0, "shift", "police.security", "crew 1 off: 2 leave"),
        # 11-05 is the crew's rest day: nobody comes on.
    ]
    assert [(g.start_h, g.end_h, g.short) for g in r.gaps] == [(32.0, 34.0, 2)]
    assert r.duty[("police", "lima", "security")].on_duty_ph == 2 * 12


def test_reinforcement_arriving_on_a_date_joins_at_the_next_shift_start():
    s = tiny("""
        forces:
          police:
            headcount: 2
            strength: [{from: 2024-11-05T05:00, headcount: 6}]
            cities: {lima: 1}
            shift: {pattern: 12on12off, first_start: "07:00"}
    """)
    r = run_replication(s, trace=True)
    assert [e[3] for e in _events(r, "shift") if "on until" in e[3]] == [
        "crew 1 on until 11-04 07:00: 1 present, 0 absent",
        "crew 2 on until 11-04 19:00: 1 present, 0 absent",
        "crew 1 on until 11-05 07:00: 1 present, 0 absent",  # starts 19:00, before the reinforcement
        "crew 2 on until 11-05 19:00: 3 present, 0 absent",  # the first shift from 05:00 on
        "crew 1 on until 11-06 00:00: 3 present, 0 absent",
    ]
    assert r.duty[("police", "lima", "security")].on_duty_ph == 1 * 7 + 1 * 12 + 1 * 12 + 3 * 12 + 3 * 5


def _overlap(extra: str = ""):
    body = HOLDOVER.replace("SHIFT_EXTRA", extra).replace("2024-11-04T18:00", "2024-11-04T18:40")
    return run_replication(tiny(body), trace=True)


def test_team_formed_in_the_overlap_comes_from_the_crew_leaving_first_and_is_held_over():
    r = _overlap()
    assert [e for e in _events(r, "shift", "post", "gap") if 18 <= e[0] <= 22] == [
        (18.5, "shift", "police.security", "crew 1 on until 11-05 07:00: 3 present, 0 absent"),
        # 18:40: the escort takes 1 of the day crew, who would leave at 19:00 anyway.
        (19.0, "shift", "police.security", "crew 2 off: 2 leave, 1 held over"),
        (21.0, "shift", "police.security", "crew 2: 1 held over go off after 2.00 h overtime"),
    ]
    assert not [g for g in r.gaps if g.demand == "post"]
    assert r.duty[("police", "lima", "security")].overtime_ph == pytest.approx(2.0)


def test_fresh_first_team_formed_in_the_overlap_leaves_the_incoming_crew_short():
    r = _overlap(", teams_from: fresh_first")
    assert [e for e in _events(r, "shift", "post", "gap") if 18 <= e[0] <= 22] == [
        (18.5, "shift", "police.security", "crew 1 on until 11-05 07:00: 3 present, 0 absent"),
        # 18:40: the escort takes 1 of the night crew, so at 19:00 the gate has only its other 2.
        (19.0, "shift", "police.security", "crew 2 off: 3 leave"),
        (19.0, "post", "gate", "staffed 2 of 3"),
        (19.0, "gap", "gate", "short 1 of 3"),
        (21.0, "post", "gate", "staffed 3 of 3"),
        (21.0, "gap", "gate", "ended, was short 1 for 2.00 h"),
    ]
    assert r.duty[("police", "lima", "security")].overtime_ph == 0.0


def test_crew_working_back_to_back_shifts_is_not_counted_twice_in_the_handover():
    s = tiny("""
        forces:
          police:
            headcount: 2
            cities: {lima: 1}
            shift: {shift_h: 24, rotation: ["1"], first_start: "07:00", handover_min: 60}
    """)
    r = run_replication(s, trace=True)
    assert _events(r, "shift") == [
        (0.0, "shift", "police.security", "crew 1 on until 11-04 07:00: 2 present, 0 absent"),
        (6.0, "shift", "police.security", "crew 1 on until 11-05 07:00: 2 present, 0 absent"),
        (30.0, "shift", "police.security", "crew 1 on until 11-06 00:00: 2 present, 0 absent"),
    ]
    assert r.duty[("police", "lima", "security")].on_duty_ph == 2 * 48
