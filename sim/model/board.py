"""A city's duty board: on-duty people assigned to posts, escorts and responses by priority.

Whenever supply or demand changes, the board reassigns everyone once, at the end of that instant:
demands in priority order (posts before tasks at equal priority, then first come first served), each
taking people from its allowed forces in their listed order of preference and from its role. Posts are
level demands re-staffed every time; tasks (an escort, a response) need their whole team to start and
then keep it until released, so a running task is never pre-empted. Each post's shortfall is recorded
as intervals of constant size; a task's wait is recorded as a shortfall of its whole team.
"""

from __future__ import annotations

import bisect
import itertools

import simpy

from sim.model.record import DutyTotals, Gap, PostTotals, Recorder
from sim.model.simpy_compat import call_after_instant

__all__ = ["CityBoard", "PostSlot", "Task"]

Key = tuple[str, str]  # (force, role)


class PostSlot:
    """A post's live state on the board."""

    __slots__ = (
        "critical",
        "gap_short",
        "gap_start",
        "keys",
        "name",
        "order",
        "required",
        "site",
        "staffed",
        "t_required",
        "t_staffed",
        "totals",
    )

    def __init__(self, name: str, site: str, keys: list[Key], order: tuple, totals: PostTotals) -> None:
        self.name, self.site, self.keys, self.order, self.totals = name, site, keys, order, totals
        self.critical = totals.critical
        self.required = self.staffed = self.gap_short = 0
        self.t_required = self.t_staffed = self.gap_start = 0.0

    @property
    def forces(self) -> tuple[str, ...]:
        """The forces that may staff the post, in order of preference."""
        return tuple(dict.fromkeys(force for force, _role in self.keys))


class Task:
    """A request for a whole team (an escort or a response); `event` fires when the team is formed."""

    __slots__ = (
        "event",
        "keys",
        "kind",
        "name",
        "order",
        "requested_h",
        "site",
        "size",
        "started_h",
        "team",
    )

    def __init__(
        self, event: simpy.Event, kind: str, name: str, site: str, keys: list[Key], size: int,
        order: tuple, requested_h: float,
    ) -> None:  # fmt: skip
        self.event, self.kind, self.name, self.site, self.keys = event, kind, name, site, keys
        self.size, self.order, self.requested_h = size, order, requested_h
        self.started_h = float("nan")
        self.team: dict[Key, int] = {}

    @property
    def forces(self) -> tuple[str, ...]:
        """The forces the team may come from, in order of preference."""
        return tuple(dict.fromkeys(force for force, _role in self.keys))


class CityBoard:
    """Assigns one city's on-duty people to its demands; records staffing, gaps and duty load."""

    def __init__(self, env: simpy.Environment, city: str, recorder: Recorder) -> None:
        self.env, self.city, self.rec = env, city, recorder
        self.on_duty: dict[Key, int] = {}
        self.held: dict[Key, int] = {}
        self.busy: dict[Key, int] = {}
        self.idle: dict[Key, int] = {}  # people left unassigned by the last assignment
        self.posts: list[PostSlot] = []
        self.waiting: list[Task] = []
        self._pending = False
        self._t = 0.0
        self._seq = itertools.count()

    # -- set-up -----------------------------------------------------------------------------------
    def add_pool(self, force: str, role: str, duty: DutyTotals) -> None:
        """Make a (force, role) pool known, with its person-hour ledger."""
        key = (force, role)
        self.on_duty.setdefault(key, 0)
        self.held.setdefault(key, 0)
        self.busy.setdefault(key, 0)
        self.rec.duty[(force, self.city, role)] = duty

    def add_post(self, name: str, site: str, forces: list[str], role: str, priority: int,
                 totals: PostTotals) -> PostSlot:  # fmt: skip
        """Register a post (closed until `set_required`)."""
        keys = [(f, role) for f in forces]
        for k in keys:
            if k not in self.on_duty:
                self.add_pool(k[0], k[1], DutyTotals())
        slot = PostSlot(name, site, keys, (priority, 0, next(self._seq)), totals)
        bisect.insort(self.posts, slot, key=lambda p: p.order)
        self.rec.posts[name] = totals
        return slot

    # -- changes ----------------------------------------------------------------------------------
    def change_supply(self, force: str, role: str, delta: int) -> None:
        """People of a force and role come on (+) or go off (-) duty in this city."""
        self._integrate()
        key = (force, role)
        if key not in self.on_duty:
            self.add_pool(force, role, DutyTotals())
        self.on_duty[key] += delta
        if self._unchanged_by({key: delta}):
            return
        self._touch()

    def set_required(self, post: PostSlot, required: int) -> None:
        """A post's requirement changes (0 closes it)."""
        now = self.env.now
        post.totals.required_ph += post.required * (now - post.t_required)
        post.t_required = now
        post.required = required
        if self.rec.trace:
            what = f"open, required {required}" if required else "closed"
            self.rec.log(now, "post", self.city, post.site, post.name, what)
        self._touch()

    def request(self, kind: str, name: str, site: str, forces: list[str], size: int,
                priority: int, role: str = "security") -> Task:  # fmt: skip
        """Ask for a team of `size` people of `role`; wait on `task.event`, then `release(task)`."""
        keys = [(f, role) for f in forces]
        for k in keys:
            if k not in self.on_duty:
                self.add_pool(k[0], k[1], DutyTotals())
        task = Task(
            self.env.event(), kind, name, site, keys, size, (priority, 1, next(self._seq)),
            self.env.now,
        )  # fmt: skip
        k0 = keys[0]
        if not self._pending and self.idle.get(k0, 0) >= size:
            # Exact shortcut: nothing has changed since the last assignment and enough people of the
            # first-choice force are idle, so a full reassignment would give this task exactly those
            # people and leave every other demand as it was.
            self._integrate()
            self.idle[k0] -= size
            self.held[k0] += size
            self.busy[k0] += size
            task.team[k0] = size
            task.started_h = self.env.now
            task.event.succeed(task)
            return task
        bisect.insort(self.waiting, task, key=lambda t: t.order)
        self.rec.queue_change(self.env.now, kind, +1)
        self._touch()
        return task

    def cancel(self, task: Task) -> None:
        """Withdraw a request that has not started (a started one is released instead)."""
        if task in self.waiting:
            self.waiting.remove(task)
            now = self.env.now
            self.rec.queue_change(now, task.kind, -1)
            if now > task.requested_h:
                self.rec.gap(
                    Gap(
                        task.kind,
                        task.name,
                        self.city,
                        task.site,
                        task.requested_h,
                        now,
                        task.size,
                        False,
                        task.forces,
                    )
                )
        else:
            self.release(task)

    def release(self, task: Task) -> None:
        """A task's team is free again."""
        self._integrate()
        for k, n in task.team.items():
            self.held[k] -= n
        freed = dict(task.team)
        if self._unchanged_by(freed):
            for k, n in freed.items():
                self.busy[k] -= n
            return
        self._touch()

    def _unchanged_by(self, delta: dict[Key, int]) -> bool:
        """Apply a change in free people to the last assignment if it provably changes nothing else.

        A full reassignment gives the same result when, for each changed force: people were still idle
        after every demand was served (so no post was short of that force or had to fall back on
        another), at least as many as leave, and no waiting task could use the newcomers.
        """
        if self._pending:
            return False
        idle = self.idle
        for k, d in delta.items():
            left = idle.get(k, 0)
            if left <= 0 or left + d < 0:
                return False
            if d > 0 and any(k in t.keys for t in self.waiting):
                return False
        for k, d in delta.items():
            idle[k] += d
        return True

    # -- assignment -------------------------------------------------------------------------------
    def _touch(self) -> None:
        # Reassign once, after every other event of this instant, so that simultaneous changes (a crew
        # off, the next on) are assigned together.
        if not self._pending:
            self._pending = True
            call_after_instant(self.env, self._assign)

    def _integrate(self) -> None:
        now = self.env.now
        dt = now - self._t
        if dt <= 0:
            return
        duty = self.rec.duty
        for key, on in self.on_duty.items():
            held = self.held[key]
            ledger = duty[(key[0], self.city, key[1])]
            ledger.on_duty_ph += max(on, held) * dt
            ledger.busy_ph += self.busy[key] * dt
            if held > on:
                ledger.overtime_ph += (held - on) * dt
        self._t = now

    def _assign(self, _event: simpy.Event | None = None) -> None:
        self._pending = False
        self._integrate()
        now = self.env.now
        avail = {k: max(0, self.on_duty[k] - self.held[k]) for k in self.on_duty}
        busy = dict(self.held)
        waiting, started, w = self.waiting, [], 0
        for post in self.posts:
            while w < len(waiting) and waiting[w].order < post.order:
                if self._start(waiting[w], avail, busy, now):
                    started.append(w)
                w += 1
            if post.required or post.staffed or post.gap_short:  # a closing post ends its gap too
                self._staff(post, avail, busy, now)
        for i in range(w, len(waiting)):
            if self._start(waiting[i], avail, busy, now):
                started.append(i)
        for i in reversed(started):
            self.rec.queue_change(now, waiting[i].kind, -1)
            del waiting[i]
        self.busy = busy
        self.idle = avail

    def _staff(self, post: PostSlot, avail: dict[Key, int], busy: dict[Key, int], now: float) -> None:
        need = post.required
        if need:
            for k in post.keys:
                a = avail[k]
                if a:
                    take = a if a < need else need
                    avail[k] = a - take
                    busy[k] += take
                    need -= take
                    if not need:
                        break
        staffed = post.required - need
        if staffed != post.staffed:
            post.totals.staffed_ph += post.staffed * (now - post.t_staffed)
            post.t_staffed = now
            post.staffed = staffed
            if self.rec.trace and post.required:
                detail = f"staffed {staffed} of {post.required}"
                self.rec.log(now, "post", self.city, post.site, post.name, detail)
        short = need
        if short != post.gap_short:
            self._close_gap(post, now)
            post.gap_short, post.gap_start = short, now
            if short and self.rec.trace:
                detail = f"short {short} of {post.required}"
                self.rec.log(now, "gap", self.city, post.site, post.name, detail)

    def _close_gap(self, post: PostSlot, now: float) -> None:
        if post.gap_short:
            self.rec.gap(
                Gap("post", post.name, self.city, post.site, post.gap_start, now,
                    post.gap_short, post.critical, post.forces)
            )  # fmt: skip
            if self.rec.trace:
                detail = f"ended, was short {post.gap_short} for {now - post.gap_start:.2f} h"
                self.rec.log(now, "gap", self.city, post.site, post.name, detail)

    def _start(self, task: Task, avail: dict[Key, int], busy: dict[Key, int], now: float) -> bool:
        if sum(avail[k] for k in task.keys) < task.size:
            return False
        need = task.size
        for k in task.keys:
            take = min(avail[k], need)
            if take:
                avail[k] -= take
                busy[k] += take
                self.held[k] += take
                task.team[k] = take
                need -= take
            if need == 0:
                break
        task.started_h = now
        if now > task.requested_h:
            self.rec.gap(
                Gap(task.kind, task.name, self.city, task.site, task.requested_h, now,
                    task.size, False, task.forces)
            )  # fmt: skip
        task.event.succeed(task)
        return True

    def finish(self, horizon_h: float) -> None:
        """Close the books at the end of the run: person-hours, open gaps, unserved tasks."""
        self._integrate()
        for post in self.posts:
            post.totals.required_ph += post.required * (horizon_h - post.t_required)
            post.totals.staffed_ph += post.staffed * (horizon_h - post.t_staffed)
            post.t_required = post.t_staffed = horizon_h
            self._close_gap(post, horizon_h)
            post.gap_short = 0
        for task in self.waiting:
            self.rec.gap(
                Gap(task.kind, task.name, self.city, task.site, task.requested_h, horizon_h,
                    task.size, False, task.forces)
            )  # fmt: skip
