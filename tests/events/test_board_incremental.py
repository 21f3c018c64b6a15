"""Exact event sequences of the duty board in the cases the incremental reassignment must get right
(issue 14): a post falling back on its second force, a task waiting behind a post, a handover, and a
swap past the hold-over cap that takes people from a lower-priority post. Each runs on the
incremental board and on the full walk (`incremental = False`), with the same expected trace."""

from __future__ import annotations

import pytest
import simpy

from sim.model.board import CityBoard
from sim.model.record import DutyTotals, PostTotals, Recorder

BOTH = pytest.mark.parametrize("incremental", [True, False], ids=["incremental", "full walk"])


def _board(incremental: bool, forces: list[str]) -> tuple[simpy.Environment, Recorder, CityBoard]:
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    board.incremental = incremental
    for f in forces:
        board.add_pool(f, "security", DutyTotals())
    return env, rec, board


def _post(board: CityBoard, name: str, forces: list[str], priority: int):
    return board.add_post(name, "lcc", forces, "security", priority, PostTotals("lima", "lcc", True))


def _lines(rec: Recorder, kinds: tuple[str, ...] = ("post", "gap")) -> list[tuple]:
    return [(e.time_h, e.entity, e.detail) for e in rec.events if e.kind in kinds]


@BOTH
def test_a_post_falls_back_on_its_second_force_and_the_next_post_goes_short(incremental):
    # gate (priority 1) prefers the U.S. team, then the police; fence (priority 2) has only police.
    env, rec, board = _board(incremental, ["us", "police"])
    gate = _post(board, "gate", ["us", "police"], 1)
    fence = _post(board, "fence", ["police"], 2)

    def run():
        board.crew_on("us", "security", "A", 2, 2.0)
        board.crew_on("police", "security", "A", 3, 9.0)
        board.set_required(gate, 2)
        board.set_required(fence, 3)
        yield env.timeout(2.0)
        board.crew_off("us", "security", "A")  # the gate now takes 2 police: the fence keeps 1
        yield env.timeout(1.0)
        board.crew_on("us", "security", "B", 2, 9.0)  # the gate goes back to the U.S. team

    env.process(run())
    env.run(until=4)
    assert _lines(rec) == [
        (0, "gate", "open, required 2"),
        (0, "fence", "open, required 3"),
        (0, "gate", "staffed 2 of 2"),
        (0, "fence", "staffed 3 of 3"),
        (2.0, "fence", "staffed 1 of 3"),
        (2.0, "fence", "short 2 of 3"),
        (3.0, "fence", "staffed 3 of 3"),
        (3.0, "fence", "ended, was short 2 for 1.00 h"),
    ]
    assert board.idle == {("us", "security"): 0, ("police", "security"): 0}


@BOTH
def test_a_task_waits_behind_a_post_and_starts_when_the_post_needs_fewer(incremental):
    env, rec, board = _board(incremental, ["police"])
    gate = _post(board, "gate", ["police"], 1)
    started: list[float] = []

    def escort():
        yield env.timeout(1.0)
        task = board.request("escort", "pm", "hotel", ["police"], 2, 5)
        yield task.event
        started.append(env.now)
        yield env.timeout(1.0)
        board.release(task)  # the gate is back to 4 by then and takes them again

    def run():
        board.crew_on("police", "security", "A", 4, 9.0)
        board.set_required(gate, 4)
        yield env.timeout(2.5)
        board.set_required(gate, 2)
        yield env.timeout(0.5)
        board.set_required(gate, 4)  # the escort holds 2 until 4.5: the gate is short meanwhile

    env.process(run())
    env.process(escort())
    env.run(until=6)
    assert started == [2.5]
    assert _lines(rec) == [
        (0, "gate", "open, required 4"),
        (0, "gate", "staffed 4 of 4"),
        (2.5, "gate", "open, required 2"),
        (2.5, "gate", "staffed 2 of 2"),
        (3.0, "gate", "open, required 4"),
        (3.0, "gate", "short 2 of 4"),  # still 2 on it: no "staffed" line
        (3.5, "gate", "staffed 4 of 4"),
        (3.5, "gate", "ended, was short 2 for 0.50 h"),
    ]
    (wait,) = [g for g in rec.gaps if g.demand == "escort"]
    assert (wait.start_h, wait.end_h, wait.short) == (1.0, 2.5, 2)


@BOTH
def test_a_handover_overlap_leaves_the_post_whole_and_a_task_takes_the_outgoing_crew(incremental):
    env, rec, board = _board(incremental, ["police"])
    gate = _post(board, "gate", ["police"], 1)
    drawn: list[list[tuple[str, int]]] = []

    def run():
        board.crew_on("police", "security", "day", 3, 7.0)
        board.set_required(gate, 2)
        yield env.timeout(6.5)
        board.crew_on("police", "security", "night", 3, 19.0)  # a half-hour overlap
        task = board.request("response", "r1", "", ["police"], 2, 3)
        yield task.event
        drawn.append(sorted((c.label, n) for c, n in task.drawn.items()))
        yield env.timeout(0.25)
        board.release(task)
        yield env.timeout(0.25)
        board.crew_off("police", "security", "day")

    env.process(run())
    env.run(until=8)
    assert drawn == [[("day", 2)]]
    assert _lines(rec) == [(0, "gate", "open, required 2"), (0, "gate", "staffed 2 of 2")]
    assert rec.gaps == []
    assert board.idle == {("police", "security"): 1}
    assert board.on_duty[("police", "security")] == 3


@BOTH
def test_a_swap_past_the_holdover_cap_takes_from_a_lower_priority_post(incremental):
    # The escort (priority 2) holds 2 of crew A past A's shift end; at the cap (0.5 h later) it swaps
    # them for 2 of crew B, whom the fence (priority 3) had: the fence goes short, the gate does not.
    env, rec, board = _board(incremental, ["police"])
    gate = _post(board, "gate", ["police"], 1)
    fence = _post(board, "fence", ["police"], 3)

    def run():
        board.crew_on("police", "security", "A", 2, 1.0, holdover_cap_h=0.5)
        task = board.request("escort", "vip", "hotel", ["police"], 2, 2)
        yield task.event
        yield env.timeout(1.0)
        board.crew_on("police", "security", "B", 4, 9.0, holdover_cap_h=0.5)
        board.set_required(gate, 1)
        board.set_required(fence, 3)
        yield env.timeout(1.0)
        board.release(task)

    def off():
        yield env.timeout(1.0)
        board.crew_off("police", "security", "A")

    env.process(run())
    env.process(off())
    env.run(until=3)
    assert _lines(rec, ("post", "gap", "holdover", "shift")) == [
        (1.0, "gate", "open, required 1"),
        (1.0, "fence", "open, required 3"),
        (1.0, "gate", "staffed 1 of 1"),
        (1.0, "fence", "staffed 3 of 3"),
        (1.5, "police.security", "A: 2 held over go off after 0.50 h overtime"),
        (1.5, "vip", "swap: 2 held over go off, 2 from the crews on shift"),
        (1.5, "fence", "staffed 1 of 3"),
        (1.5, "fence", "short 2 of 3"),
        (2.0, "fence", "staffed 3 of 3"),
        (2.0, "fence", "ended, was short 2 for 0.50 h"),
    ]
    assert rec.duty[("police", "lima", "security")].overtime_ph == pytest.approx(2 * 0.5)
