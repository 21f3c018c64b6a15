"""A debug watch over one replication: invariants checked after every change on the duty board, at
every fuel delivery, and at every step of the event loop; violations are collected, not raised, so a
property test can report them all.

Checked on every duty board whenever it is settled (no reassignment pending):
- each (force, role) pool: on duty, held and idle are never negative; busy + idle = max(on duty, held),
  so every person on duty is either busy or idle, never both and never twice;
- on duty never exceeds the people the force has in that city and role;
- held equals the sum of the teams of the tasks running, and busy - held equals the people staffing
  posts, so no person is counted on two demands at once;
- every post has staffed <= required.
And: a delivery never exceeds the fuel point's free space; the clock never runs backwards; every
trace event is logged at the time it happens.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import simpy

from sim.model.board import CityBoard, Task
from sim.model.fuel import FuelStation
from sim.model.record import Recorder
from sim.model.workforce import pools_of
from sim.scenario import Scenario


@dataclass
class Watch:
    pools: dict[tuple[str, str, str], int]  # (force, city, role) -> people
    violations: list[str] = field(default_factory=list)
    running: dict[int, dict[int, Task]] = field(default_factory=dict)  # board id -> task id -> task
    now: float = 0.0
    steps: int = 0
    board_checks: int = 0

    def fail(self, message: str) -> None:
        if len(self.violations) < 20:
            self.violations.append(message)

    def check_board(self, board: CityBoard) -> None:
        if board._pending:
            return
        self.board_checks += 1
        running = self.running.get(id(board), {}).values()
        for key, on in board.on_duty.items():
            held, busy, idle = board.held[key], board.busy.get(key, 0), board.idle.get(key, 0)
            where = f"t={board.env.now:.4f} {board.city} {key}"
            if min(on, held, idle) < 0:
                self.fail(f"{where}: negative count on={on} held={held} idle={idle}")
            if busy + idle != max(on, held):
                self.fail(f"{where}: busy {busy} + idle {idle} != max(on duty {on}, held {held})")
            people = self.pools.get((key[0], board.city, key[1]), 0)
            if on > people:
                self.fail(f"{where}: {on} on duty but the force has {people} here")
            teams = sum(t.team.get(key, 0) for t in running)
            if teams != held:
                self.fail(f"{where}: held {held} but running teams hold {teams}")
        staffed = sum(p.staffed for p in board.posts)
        on_posts = sum(board.busy.get(k, 0) - board.held[k] for k in board.on_duty)
        if staffed != on_posts:
            self.fail(
                f"t={board.env.now:.4f} {board.city}: posts staffed {staffed} != busy - held {on_posts}"
            )
        for p in board.posts:
            if not 0 <= p.staffed <= p.required:
                self.fail(f"t={board.env.now:.4f} post {p.name}: staffed {p.staffed} of {p.required}")


def pools(s: Scenario) -> dict[tuple[str, str, str], int]:
    return {
        (fname, city, role): n for fname, f in s.forces.items() for (city, role), n in pools_of(f).items()
    }


@contextlib.contextmanager
def watching(s: Scenario) -> Iterator[Watch]:
    """Patch the model's classes for the duration, checking invariants as the replication runs."""
    w = Watch(pools(s))
    assign, request, release = CityBoard._assign, CityBoard.request, CityBoard.release
    change_supply, start, deliver = CityBoard.change_supply, CityBoard._start, FuelStation.deliver
    step, log = simpy.Environment.step, Recorder.log

    def _assign(self, event=None):
        assign(self, event)
        w.check_board(self)

    def _start(self, task, avail, busy, now):
        ok = start(self, task, avail, busy, now)
        if ok:
            w.running.setdefault(id(self), {})[id(task)] = task
        return ok

    def _request(self, *args, **kwargs):
        task = request(self, *args, **kwargs)
        if not math.isnan(task.started_h):  # started at once, from idle people
            w.running.setdefault(id(self), {})[id(task)] = task
        w.check_board(self)
        return task

    def _release(self, task):
        w.running.get(id(self), {}).pop(id(task), None)
        release(self, task)
        w.check_board(self)

    def _change_supply(self, force, role, delta):
        change_supply(self, force, role, delta)
        w.check_board(self)

    def _deliver(self, gallons):
        free = self.tank.capacity - self.tank.level
        if not 0 <= gallons <= free:
            w.fail(f"t={self.env.now:.4f} {self.name}: delivery of {gallons} gal into {free} gal of space")
        return deliver(self, gallons)

    def _step(self):
        before, w.now = self.now, self.peek()  # the time of the event about to be processed
        step(self)
        w.steps += 1
        if self.now < before or self.now != w.now:
            w.fail(f"clock ran backwards or jumped: {before} -> {self.now} (event at {w.now})")

    def _log(self, time_h, kind, city, site, entity, detail):
        if time_h != w.now:
            w.fail(f"{kind} {entity} logged for t={time_h} at t={w.now}: {detail}")
        log(self, time_h, kind, city, site, entity, detail)

    with contextlib.ExitStack() as stack:
        for cls, name, fn in (
            (CityBoard, "_assign", _assign), (CityBoard, "_start", _start), (CityBoard, "request", _request),
            (CityBoard, "release", _release), (CityBoard, "change_supply", _change_supply),
            (FuelStation, "deliver", _deliver), (simpy.Environment, "step", _step), (Recorder, "log", _log),
        ):  # fmt: skip
            stack.enter_context(mock.patch.object(cls, name, fn))
        yield w
