"""A city's duty board: on-duty people assigned to posts, escorts and responses by priority.

Whenever supply or demand changes, the board reassigns everyone once, at the end of that instant:
demands in priority order (posts before tasks at equal priority, then first come first served), each
taking people from its allowed forces in their listed order of preference and from its role. Posts are
level demands re-staffed every time; tasks (an escort, a response) need their whole team to start and
then keep it until released, so a running task is never pre-empted. Each post's shortfall is recorded
as intervals of constant size; a task's wait is recorded as a shortfall of its whole team.

People on duty belong to crews. A task draws its team first from the crew whose shift ends first (the
outgoing crew during a handover overlap: those people would otherwise leave, so the incoming crew
stays whole for the posts at the change), or, for a pool set `fresh_first`, from the crew with the most
time left (a team formed in the overlap is then not held over, but the incoming crew is short of it).
When a crew's shift ends, its idle people and those on posts go at once (posts are restaffed from
whoever is on duty); those held by a running task stay with it until it is released, on overtime, and
are not charged to the incoming crew. With a hold-over cap, a task still holding
people that long after their shift end swaps them for the same number of free people of the crews on
shift, served in the task's priority order among the other demands (a post of equal priority first);
if they cannot give them all, the task keeps its held team and tries again at every reassignment.

The reassignment is incremental and gives exactly what walking every demand would (`_assign_all`, kept
for the equivalence tests): the board remembers what each post took from each (force, role) in the last
walk, in a Fenwick tree per (force, role) over its posts in priority order, so the people still free
when any post is reached are a prefix sum. A change is a difference in free people of some (force,
role) from some point of the walk on; only the demands that difference can alter are visited, in
priority order: a post takes less of a (force, role) only if fewer are now free than it took, more only
if it wanted more than it got, and a waiting task can only start if more are free. What a visited demand
takes differently is carried on to the demands after it, until every difference has been absorbed.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable

import simpy

from sim.model.record import DutyTotals, Gap, PostTotals, Recorder
from sim.model.simpy_compat import call_after_instant

__all__ = ["CityBoard", "Crew", "PostSlot", "Task"]

Key = tuple[str, str]  # (force, role)


class Crew:
    """People of one crew of a (force, role) pool present in a city: on shift until `leave_h`, then
    only those still held by tasks remain (held over, on overtime)."""

    __slots__ = (
        "held",
        "holdover_cap_h",
        "key",
        "label",
        "leave_h",
        "moving",
        "off_h",
        "on_shift",
        "present",
        "tasks",
        "where",
    )

    def __init__(self, key: Key, label: str, present: int, leave_h: float, holdover_cap_h: float) -> None:
        self.key, self.label, self.present, self.leave_h = key, label, present, leave_h
        self.holdover_cap_h = holdover_cap_h
        self.held = 0
        self.on_shift = True
        self.off_h = float("inf")
        self.tasks: dict[Task, None] = {}  # running tasks holding its people (a dict: O(1) to drop one)
        # With people placed at sites (`SiteBoard`): free people by place, and those on the road.
        self.where: dict[str, int] = {}
        self.moving = 0


class PostSlot:
    """A post's live state on the board."""

    __slots__ = (
        "critical",
        "fixed",
        "gap_short",
        "gap_start",
        "index",
        "keys",
        "name",
        "order",
        "required",
        "roster",
        "site",
        "staffed",
        "t_required",
        "t_staffed",
        "took",
        "totals",
        "upcoming",
        "wanted",
        "watch",
    )

    def __init__(self, name: str, site: str, keys: list[Key], order: tuple, totals: PostTotals) -> None:
        self.name, self.site, self.keys, self.order, self.totals = name, site, keys, order, totals
        self.watch: Callable[[], None] | None = None  # told when `staffed` changes (staged teams)
        self.critical = totals.critical
        self.fixed = False  # a fixed roster (`SiteBoard` only): its people stay on it for their shift
        self.roster: dict[Crew, int] = {}  # a fixed roster's people, by crew
        self.upcoming: list[tuple[float, int]] = []  # `SiteBoard`: requirements announced ahead (at_h, n)
        self.required = self.staffed = self.gap_short = 0
        self.t_required = self.t_staffed = self.gap_start = 0.0
        # The last assignment, per (force, role) of the post: people taken, whether it wanted more of
        # them than were free (1 or 0), and the post's place among that pool's posts (`_PoolPosts`).
        self.took: dict[Key, int] = {}
        self.wanted: dict[Key, int] = {}
        self.index: dict[Key, int] = {}

    @property
    def forces(self) -> tuple[str, ...]:
        """The forces that may staff the post, in order of preference."""
        return tuple(dict.fromkeys(force for force, _role in self.keys))


class Task:
    """A request for a whole team (an escort or a response); `event` fires when the team is formed.

    The event fires with no value: with the task as its value, task and event would hold each other,
    and every task would be left for the cyclic garbage collector to free."""

    __slots__ = (
        "at",
        "drawn",
        "event",
        "keys",
        "kind",
        "name",
        "order",
        "queued",
        "requested_h",
        "site",
        "size",
        "started_h",
        "swap_refused",
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
        self.drawn: dict[Crew, int] = {}  # people of each crew in the team
        self.at: dict[Crew, dict[str, int]] = {}  # `SiteBoard`: where each crew's people were taken from
        self.swap_refused = False
        self.queued = False  # waiting on the board

    @property
    def forces(self) -> tuple[str, ...]:
        """The forces the team may come from, in order of preference."""
        return tuple(dict.fromkeys(force for force, _role in self.keys))


class _Fenwick:
    """Counts in a fixed order whose prefix sums are read, changed and searched in O(log n)."""

    __slots__ = ("n", "total", "tree")

    def __init__(self, n: int) -> None:
        self.n, self.total = n, 0
        self.tree = [0] * (n + 1)

    def add(self, i: int, v: int) -> None:
        """Add `v` to count `i` (0-based)."""
        self.total += v
        i += 1
        tree, n = self.tree, self.n
        while i <= n:
            tree[i] += v
            i += i & -i

    def prefix(self, i: int) -> int:
        """The sum of the first `i` counts."""
        tree, s = self.tree, 0
        while i > 0:
            s += tree[i]
            i &= i - 1
        return s

    def reaching(self, x: int) -> int:
        """The first i whose counts 0..i sum to at least `x` (counts are never negative); n if none."""
        if x <= 0:
            return 0
        tree, pos, step = self.tree, 0, 1 << self.n.bit_length()
        while step:
            nxt = pos + step
            if nxt <= self.n and tree[nxt] < x:
                pos = nxt
                x -= tree[nxt]
            step >>= 1
        return pos


class _PoolPosts:
    """The posts drawing on one (force, role), in priority order, with what each took from it in the
    last assignment (`took`) and which of them wanted more than was free (`wanted`: 1 or 0)."""

    __slots__ = ("orders", "posts", "took", "wanted")

    def __init__(self, key: Key, posts: list[PostSlot]) -> None:
        self.posts = posts
        self.orders = [p.order for p in posts]
        self.took, self.wanted = _Fenwick(len(posts)), _Fenwick(len(posts))
        for i, p in enumerate(posts):
            p.index[key] = i
            self.took.add(i, p.took.get(key, 0))
            self.wanted.add(i, p.wanted.get(key, 0))


Demand = PostSlot | Task


class CityBoard:
    """Assigns one city's on-duty people to its demands; records staffing, gaps and duty load.

    Per (force, role): `on_duty` people present (held-over people included), `held` of them in
    running tasks, `over` of those held over past their shift end, `busy` on a post or a task and
    `idle` left unassigned by the last assignment.

    `incremental = False` walks every demand at every reassignment (`_assign_all`): the reference the
    incremental reassignment is tested against, and what `SiteBoard` does.
    """

    incremental = True

    def __init__(self, env: simpy.Environment, city: str, recorder: Recorder) -> None:
        self.env, self.city, self.rec = env, city, recorder
        self.on_duty: dict[Key, int] = {}
        self.held: dict[Key, int] = {}
        self.over: dict[Key, int] = {}
        self.busy: dict[Key, int] = {}
        self.idle: dict[Key, int] = {}  # people left unassigned by the last assignment
        self.crews: dict[Key, list[Crew]] = {}
        self._ledgers: dict[Key, DutyTotals] = {}  # each pool's person-hour ledger (in `rec.duty`)
        self.fresh_first: set[Key] = set()  # pools whose tasks draw from the crew with most time left
        self.posts: list[PostSlot] = []
        self.waiting: list[Task] = []
        self.swaps: list[Task] = []  # tasks holding people past the hold-over cap, in priority order
        self._pending = False
        self._t = 0.0
        self._seq = itertools.count()
        # For the incremental reassignment: posts by pool (rebuilt when a post is added), the waiting
        # tasks by pool, and the demands changed since the last assignment.
        self._pools: dict[Key, _PoolPosts] | None = None
        self._waits: dict[Key, list[Task]] = {}
        self._changed: list[Demand] = []

    # -- set-up -----------------------------------------------------------------------------------
    def add_pool(self, force: str, role: str, duty: DutyTotals) -> None:
        """Make a (force, role) pool known, with its person-hour ledger."""
        key = (force, role)
        self.on_duty.setdefault(key, 0)
        self.held.setdefault(key, 0)
        self.over.setdefault(key, 0)
        self.busy.setdefault(key, 0)
        self.crews.setdefault(key, [])
        self.rec.duty[(force, self.city, role)] = self._ledgers[key] = duty

    def add_post(self, name: str, site: str, forces: list[str], role: str, priority: int,
                 totals: PostTotals) -> PostSlot:  # fmt: skip
        """Register a post (closed until `set_required`)."""
        keys = [(f, role) for f in forces]
        for k in keys:
            if k not in self.on_duty:
                self.add_pool(k[0], k[1], DutyTotals())
        slot = PostSlot(name, site, keys, (priority, 0, next(self._seq)), totals)
        bisect.insort(self.posts, slot, key=lambda p: p.order)
        self._pools = None
        self.rec.posts[name] = totals
        return slot

    # -- changes ----------------------------------------------------------------------------------
    def crew_on(self, force: str, role: str, label: str, present: int, leave_h: float,
                holdover_cap_h: float = float("inf"), fresh_first: bool = False) -> None:  # fmt: skip
        """A crew of `present` people comes on shift until `leave_h` (`fresh_first`: the pool's tasks
        draw from the crew with the most time left, instead of the one leaving first).

        If people of the same crew are still held over from its last shift, they count among those
        present (they are back on shift, no longer on overtime); if the crew is still on shift (it works
        two shifts back to back), it simply stays on until `leave_h` with `present` people (and the end
        of its earlier shift is skipped).
        """
        self._integrate()
        key = (force, role)
        if key not in self.on_duty:
            self.add_pool(force, role, DutyTotals())
        if fresh_first:
            self.fresh_first.add(key)
        crew = next((c for c in self.crews[key] if c.label == label), None)
        if crew is None:
            crew = Crew(key, label, present, leave_h, holdover_cap_h)
            self.crews[key].append(crew)
            free = present
        else:
            if not crew.on_shift:
                self.over[key] -= crew.held
            free = max(present, crew.held) - crew.present
            crew.present += free
            crew.on_shift, crew.leave_h, crew.off_h = True, leave_h, float("inf")
            crew.holdover_cap_h = holdover_cap_h
        self.on_duty[key] += free
        if self._unchanged_by({key: free}):
            return
        self._touch()

    def crew_off(self, force: str, role: str, label: str) -> tuple[int, int] | None:
        """A crew's shift ends: its people not held by a task leave now, the others are held over
        until their task releases them. Returns (people leaving now, people held over), or None if the
        crew has come on again for a later shift (back to back) and so stays."""
        key = (force, role)
        crew = next((c for c in self.crews[key] if c.label == label and c.on_shift), None)
        if crew is None or crew.leave_h > self.env.now + 1e-9:
            return None
        self._integrate()
        leaving, held = crew.present - crew.held, crew.held
        crew.present = held
        crew.on_shift, crew.off_h = False, self.env.now
        self.on_duty[key] -= leaving
        self.over[key] += held
        if not held:
            self.crews[key].remove(crew)
        elif crew.holdover_cap_h < float("inf"):
            cap = self.env.timeout(crew.holdover_cap_h)
            cap.callbacks.append(functools.partial(self._cap_reached, crew, self.env.now))
        if not self._unchanged_by({key: -leaving}):
            self._touch()
        return leaving, held

    def change_supply(self, force: str, role: str, delta: int) -> None:
        """People of a force and role come on (+) or go off (-) duty in this city outside any crew
        rotation: one standing crew that never goes off shift (only its free people can be sent off)."""
        self._integrate()
        key = (force, role)
        if key not in self.on_duty:
            self.add_pool(force, role, DutyTotals())
        crew = next((c for c in self.crews[key] if c.label == ""), None)
        if crew is None:
            crew = Crew(key, "", 0, float("inf"), float("inf"))
            self.crews[key].append(crew)
        crew.present += delta
        self.on_duty[key] += delta
        if not self._unchanged_by({key: delta}):
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
        if self.incremental:
            self._changed.append(post)
        self._touch()

    def lead_h(self, post: PostSlot) -> float:
        """How long before a scheduled rise in a post's requirement the board should hear of it: never,
        for an instant pool (people are anywhere at once)."""
        return 0.0

    def announce(self, post: PostSlot, at_h: float, required: int) -> None:
        """A post will need `required` people from `at_h` (see `lead_h`); an instant pool ignores it."""

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
            # people (from the same crews) and leave every other demand as it was.
            self._integrate()
            self.idle[k0] -= size
            self.busy[k0] += size
            self._draw(task, k0, size)
            task.started_h = self.env.now
            task.event.succeed()
            return task
        bisect.insort(self.waiting, task, key=lambda t: t.order)
        task.queued = True
        if self.incremental:
            for k in dict.fromkeys(keys):
                bisect.insort(self._waits.setdefault(k, []), task, key=lambda t: t.order)
            self._changed.append(task)
        self.rec.queue_change(self.env.now, kind, +1)
        self._touch()
        return task

    def cancel(self, task: Task) -> None:
        """Withdraw a request that has not started (a started one is released instead)."""
        if task.queued:
            self.waiting.remove(task)
            self._unqueue(task)
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
        """A task's team is free again: people on shift return to the pool, held-over people go off."""
        self._integrate()
        if task in self.swaps:
            self.swaps.remove(task)
        freed: dict[Key, int] = {}
        for crew, n in task.drawn.items():
            if crew.on_shift:
                crew.held -= n
                self.held[crew.key] -= n
                freed[crew.key] = freed.get(crew.key, 0) + n
            else:
                self._send_off(crew, n)
            del crew.tasks[task]
        if self._unchanged_by(freed):
            for k, n in freed.items():
                self.busy[k] -= n
            return
        self._touch()

    def _send_off(self, crew: Crew, n: int) -> None:
        """`n` held-over people of an off-shift crew leave (their task no longer holds them)."""
        key = crew.key
        crew.held -= n
        crew.present -= n
        self.held[key] -= n
        self.over[key] -= n
        self.on_duty[key] -= n
        self.busy[key] -= n
        if not crew.present:
            self.crews[key].remove(crew)
        if self.rec.trace:
            self.rec.log(
                self.env.now, "shift", self.city, "", f"{key[0]}.{key[1]}",
                f"{crew.label}: {n} held over go off after {self.env.now - crew.off_h:.2f} h overtime",
            )  # fmt: skip

    def _cap_reached(self, crew: Crew, off_h: float, _event: simpy.Event) -> None:
        """The hold-over cap of a crew that went off at `off_h` is reached: its tasks must swap."""
        if crew.on_shift or crew.off_h != off_h or not crew.held:
            return
        for task in crew.tasks:
            if task not in self.swaps:
                bisect.insort(self.swaps, task, key=lambda t: t.order)
        self._touch()

    def _unchanged_by(self, delta: dict[Key, int]) -> bool:
        """Apply a change in free people to the last assignment if it provably changes nothing else.

        A full reassignment gives the same result when, for each changed force: people were still idle
        after every demand was served (so no post was short of that force or had to fall back on
        another), at least as many as leave, and no waiting task or due swap could use the newcomers.
        """
        if self._pending:
            return False
        idle = self.idle
        for k, d in delta.items():
            if not d:
                continue
            left = idle.get(k, 0)
            if left <= 0 or left + d < 0:
                return False
            if d > 0 and (self._waited_on(k) or any(k in t.keys for t in self.swaps)):
                return False
        for k, d in delta.items():
            if d:
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
        ledgers, busy, overtime = self._ledgers, self.busy, self.over
        for key, on in self.on_duty.items():
            ledger = ledgers[key]
            ledger.on_duty_ph += on * dt
            ledger.busy_ph += busy[key] * dt
            over = overtime[key]
            if over:
                ledger.overtime_ph += over * dt
        self._t = now

    def _waited_on(self, k: Key) -> bool:
        """Whether a waiting task could draw on pool k."""
        if self.incremental:  # the waiting tasks are also kept by pool
            return bool(self._waits.get(k))
        return any(k in t.keys for t in self.waiting)

    def _unqueue(self, task: Task) -> None:
        """A task no longer waits (started or withdrawn)."""
        task.queued = False
        if self.incremental:
            for k in dict.fromkeys(task.keys):
                self._waits[k].remove(task)

    def _assign(self, _event: simpy.Event | None = None) -> None:
        """Reassign what the changes since the last assignment can alter, exactly as `_assign_all`.

        The last assignment is the walk of every demand in priority order with `free` people per
        pool at its start (those on duty not held by running tasks): every post took what it took,
        every waiting task found too few free, and `idle` were left. Now `free` differs by `delta`, and
        some posts' requirements, new tasks and due swaps must be looked at again. Walking on in
        priority order, `delta[k]` is how many more people of pool k are free at this point than in
        the last walk; a demand is visited only if it changed, or if a nonzero delta can alter it:
        with fewer free than a post took (`_next_for`), with more free for a post that wanted more or a
        waiting task. Whatever a visited demand takes differently changes the deltas after it.
        """
        if not self.incremental:
            self._assign_all(_event)
            return
        self._pending = False
        self._integrate()
        now = self.env.now
        if self._pools is None:
            self._pools = {k: _PoolPosts(k, posts) for k, posts in self._posts_by_pool().items()}
        pools = self._pools
        # People free at the walk's start, less those taken by tasks started so far in this walk.
        free: dict[Key, int] = {}
        delta: dict[Key, int] = {}
        held, idle = self.held, self.idle
        for k, on in self.on_duty.items():
            free[k] = n = on - held[k]
            pool = pools.get(k)
            diff = n - idle.get(k, 0) - (pool.took.total if pool is not None else 0)
            if diff:
                delta[k] = diff
        # Demands to look at again whatever the deltas: changed posts, new tasks, and due swaps.
        demands = itertools.chain(self._changed, self.swaps)
        changed = [(demand.order, i, demand) for i, demand in enumerate(demands)]
        heapq.heapify(changed)
        self._changed = []
        at: tuple = ()  # the order of the last demand visited (every order is a nonempty tuple)
        due = {k: self._next_for(k, diff, at, free[k]) for k, diff in delta.items()}  # per pool
        started: list[Task] = []
        while True:
            nxt = changed[0][2] if changed else None
            for demand in due.values():
                if demand is not None and (nxt is None or demand.order < nxt.order):
                    nxt = demand
            if nxt is None:
                break
            at = nxt.order
            while changed and changed[0][0] <= at:
                heapq.heappop(changed)
            moved: list[Key] = []
            if isinstance(nxt, PostSlot):
                moved = self._restaff(nxt, free, delta, now)
            elif nxt in self.swaps:
                moved = self._take_for(nxt, free, delta, now, swap=True)
            elif nxt.queued:  # (not a task withdrawn since it asked)
                moved = self._take_for(nxt, free, delta, now, swap=False)
                if not nxt.queued:
                    started.append(nxt)
            for k in dict.fromkeys(itertools.chain(nxt.keys, moved)):
                due[k] = self._next_for(k, delta.get(k, 0), at, free[k])
        for task in reversed(started):
            self.rec.queue_change(now, task.kind, -1)
            del self.waiting[bisect.bisect_left(self.waiting, task.order, key=lambda t: t.order)]
        self.idle, self.busy = {}, {}
        for k, n in free.items():
            pool = pools.get(k)
            on_posts = pool.took.total if pool is not None else 0
            self.idle[k] = n - on_posts
            self.busy[k] = held[k] + on_posts

    def _posts_by_pool(self) -> dict[Key, list[PostSlot]]:
        """Each pool's posts, in priority order."""
        by_pool: dict[Key, list[PostSlot]] = {}
        for post in self.posts:
            for k in dict.fromkeys(post.keys):
                by_pool.setdefault(k, []).append(post)
        return by_pool

    def _free_before(self, k: Key, order: tuple, free: dict[Key, int]) -> int:
        """People of pool k free when the demand of `order` is reached (posts before it as assigned)."""
        pool = self._pools.get(k) if self._pools is not None else None
        if pool is None:
            return free[k]
        return free[k] - pool.took.prefix(bisect.bisect_left(pool.orders, order))

    def _next_for(self, k: Key, d: int, at: tuple, free_k: int) -> Demand | None:
        """The first demand after `at` that `d` more free people of pool k than in the last walk could
        alter: with fewer (d < 0), the first post that took more than are now free at it; with more,
        the first post that wanted more of k than it got, or the first waiting task drawing on k."""
        if not d:
            return None
        assert self._pools is not None
        pool = self._pools.get(k)
        post = None
        if pool is not None:
            start = bisect.bisect_right(pool.orders, at)
            if d < 0:  # the first post whose takes, with those before it, exceed the free people
                i = max(pool.took.reaching(free_k + 1), start)
            else:
                i = pool.wanted.reaching(pool.wanted.prefix(start) + 1)
            if i < len(pool.posts):
                post = pool.posts[i]
        if d < 0:
            return post
        waits = self._waits.get(k)
        if waits:
            j = bisect.bisect_right(waits, at, key=lambda t: t.order)
            if j < len(waits) and (post is None or waits[j].order < post.order):
                return waits[j]
        return post

    def _restaff(self, post: PostSlot, free: dict[Key, int], delta: dict[Key, int], now: float) -> list[Key]:
        """Staff a post afresh from the people free when it is reached (as `_staff`); record what it
        takes and wants, and the change in what it takes in `delta`. Returns the pools it changed."""
        pools = self._pools
        assert pools is not None
        need = post.required
        took: dict[Key, int] = {}
        wanted: dict[Key, int] = {}
        for k in post.keys:
            if not need:
                break
            a = free[k] - pools[k].took.prefix(post.index[k]) - took.get(k, 0)
            take = a if a < need else need
            took[k] = took.get(k, 0) + take
            need -= take
            if need:
                wanted[k] = 1
        moved = []
        for k in dict.fromkeys(post.keys):
            pool, i = pools[k], post.index[k]
            diff = took.get(k, 0) - post.took.get(k, 0)
            if diff:
                pool.took.add(i, diff)
                delta[k] = delta.get(k, 0) - diff
                moved.append(k)
            w = wanted.get(k, 0) - post.wanted.get(k, 0)
            if w:
                pool.wanted.add(i, w)
        post.took, post.wanted = took, wanted
        staffed = post.required - need
        if staffed != post.staffed or need != post.gap_short:
            self._set_staffed(post, staffed, need, now)
        return moved

    def _take_for(self, task: Task, free: dict[Key, int], delta: dict[Key, int], now: float,
                  swap: bool) -> list[Key]:  # fmt: skip
        """Start a waiting task, or make a due swap, from the people free when it is reached; what it
        takes is no longer free for the demands after it. Returns the pools it took from."""
        avail = {k: self._free_before(k, task.order, free) for k in task.keys}
        before = dict(avail)
        scratch: defaultdict[Key, int] = defaultdict(int)  # `busy` is recounted after the walk
        if swap:
            self._swap(task, avail, scratch, now)
        else:
            self._start(task, avail, scratch, now)
        moved = []
        for k, n in before.items():
            take = n - avail[k]
            if take:
                free[k] -= take
                delta[k] = delta.get(k, 0) - take
                moved.append(k)
        return moved

    def _assign_all(self, _event: simpy.Event | None = None) -> None:
        """Reassign by walking every post and every waiting task in priority order."""
        self._pending = False
        self._integrate()
        now = self.env.now
        avail = {k: self.on_duty[k] - self.held[k] for k in self.on_duty}
        busy = dict(self.held)
        waiting, swaps, started = self.waiting, list(self.swaps), []
        w = v = 0

        def tasks_before(bound: tuple | None) -> None:
            # New tasks and due swaps in priority order, up to `bound` (None: all that are left).
            nonlocal w, v
            while True:
                tw = waiting[w] if w < len(waiting) and (bound is None or waiting[w].order < bound) else None
                ts = swaps[v] if v < len(swaps) and (bound is None or swaps[v].order < bound) else None
                if tw is not None and (ts is None or tw.order < ts.order):
                    if self._start(tw, avail, busy, now):
                        started.append(w)
                    w += 1
                elif ts is not None:
                    self._swap(ts, avail, busy, now)
                    v += 1
                else:
                    return

        for post in self.posts:
            tasks_before(post.order)
            if post.required or post.staffed or post.gap_short:  # a closing post ends its gap too
                self._staff(post, avail, busy, now)
        tasks_before(None)
        for i in reversed(started):
            self.rec.queue_change(now, waiting[i].kind, -1)
            del waiting[i]
        self.busy = busy
        self.idle = avail

    def _swap(self, task: Task, avail: dict[Key, int], busy: dict[Key, int], now: float) -> None:
        """Swap a task's people held over past the cap for as many from the crews on shift, if they
        have them free (all or none); the swapped people go off duty."""
        due = {c: n for c, n in task.drawn.items() if not c.on_shift and now >= c.off_h + c.holdover_cap_h}
        need = sum(due.values())
        if not need:
            self.swaps.remove(task)
            return
        free = self._free_for(task, avail)
        if free < need:
            if not task.swap_refused and self.rec.trace:
                self.rec.log(
                    now, "holdover", self.city, task.site, task.name,
                    f"no swap: {need} held over past the cap, {free} free on shift; team kept",
                )  # fmt: skip
            task.swap_refused = True
            return
        for crew, n in due.items():
            del task.drawn[crew]
            task.at.pop(crew, None)
            del crew.tasks[task]
            task.team[crew.key] -= n
            if not task.team[crew.key]:
                del task.team[crew.key]
            busy[crew.key] -= n
            self._send_off(crew, n)
        self._take(task, need, avail, busy)
        self.swaps.remove(task)
        if self.rec.trace:
            self.rec.log(now, "holdover", self.city, task.site, task.name,
                         f"swap: {need} held over go off, {need} from the crews on shift")  # fmt: skip

    def _free_for(self, task: Task, avail: dict[Key, int]) -> int:
        """Free people a task could take now."""
        return sum(avail[k] for k in task.keys)

    def _take(self, task: Task, need: int, avail: dict[Key, int], busy: dict[Key, int]) -> None:
        """Give `task` `need` free people (there are enough), from its forces in order of preference."""
        for k in task.keys:
            take = min(avail[k], need)
            if take:
                avail[k] -= take
                busy[k] += take
                self._draw(task, k, take)
                need -= take
            if not need:
                break

    def _draw(self, task: Task, key: Key, n: int) -> None:
        """Give `task` `n` people of `key` from the crews on shift: the one leaving first first (or,
        for a `fresh_first` pool, the one with most time left); the first on among equals."""
        self.held[key] += n
        task.team[key] = task.team.get(key, 0) + n
        crews = self.crews[key]
        if len(crews) > 1:
            fresh = key in self.fresh_first
            crews = sorted(crews, key=lambda c: -c.leave_h if fresh else c.leave_h)
        for crew in crews:
            if not crew.on_shift:
                continue
            take = min(crew.present - crew.held, n)
            if take:
                crew.held += take
                task.drawn[crew] = task.drawn.get(crew, 0) + take
                crew.tasks[task] = None
                n -= take
                if not n:
                    return
        raise AssertionError(f"{self.city} {key}: crews on shift have fewer free people than counted")

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
        if staffed != post.staffed or need != post.gap_short:
            self._set_staffed(post, staffed, need, now)

    def _set_staffed(self, post: PostSlot, staffed: int, short: int, now: float) -> None:
        """Record a post's new staffing and shortfall (interval books, trace, staged teams' watch)."""
        if staffed != post.staffed:
            post.totals.staffed_ph += post.staffed * (now - post.t_staffed)
            post.t_staffed = now
            post.staffed = staffed
            if self.rec.trace and post.required:
                detail = f"staffed {staffed} of {post.required}"
                self.rec.log(now, "post", self.city, post.site, post.name, detail)
            if post.watch is not None:
                post.watch()
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
        if self._free_for(task, avail) < task.size:
            return False
        self._take(task, task.size, avail, busy)
        task.started_h = now
        self._unqueue(task)
        if now > task.requested_h:
            self.rec.gap(
                Gap(task.kind, task.name, self.city, task.site, task.requested_h, now,
                    task.size, False, task.forces)
            )  # fmt: skip
        task.event.succeed()
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
