"""A duty board whose people stand at sites (`travel.between_posts`): moving between posts takes road time.

Each free person on duty is at a place: a site of the city, the city's reserve (its `reserve_site`, else
its centre), or "arriving" (just come on shift, not yet sent anywhere). At every reassignment, in the
board's priority order (posts before tasks at equal priority, then first come first served):

1. every post first keeps or takes the people already at its site, or at a site of its zone (a zone's
   sites are no road time apart), in its forces' order of preference;
2. then, still in priority order, a post short of people takes people arriving on shift (they go
   straight to it, with no road time: people coming on shift report at the post they are first sent
   to); then counts the people already on the road to its site; then sends for the nearest free people
   (shortest road time; the preferred force on a tie), who serve only once there; then, if still short,
   takes people from lower-priority posts, the nearest first (the lowest priority on a tie), who also
   travel. A person on the road serves neither post and cannot be turned back; on arrival they join
   whatever their new site needs.
3. A rise in a pooled post's requirement that its schedule will bring is announced the longest road
   time to its site ahead (`lead_h`): then, after the current needs above, free people (arriving, on
   the road, or the nearest free; never people of other posts) start for it, and stand by there, kept
   for it, until it needs them.
4. A task (escort, response) needs its whole team at once and takes it without road time (its own
   process already pays the road time to the scene): free people nearest its site first (arriving
   ones as if at the site; the crew leaving first on a tie, or with most time left for `fresh_first`
   pools), then people from lower-priority posts, never people on the road. Arriving people it takes
   first relieve in place people of a crew leaving before them on posts, who go with the task instead
   (so that, as on an instant pool, a task formed at a handover draws on the outgoing crew and the
   incoming one stays whole for the posts). When released, its people are back where they were taken
   from (arriving people taken themselves: at the task's site).

People arriving on shift who are not sent anywhere at once wait while a crew of their pool that leaves
before them is still on (a handover: they relieve its people in place when it goes), then go to the
city's reserve, from where they travel like anyone else.

A post with a fixed roster (`roster: fixed`) takes people only from its own site (or zone) and from
those arriving on shift; the people it has stay on it until their shift ends (or the post needs fewer),
and no other post or task takes them. A shortfall there is not filled from other sites.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import simpy

from sim.model.board import CityBoard, Crew, Key, PostSlot, Task
from sim.model.record import Recorder

__all__ = ["ARRIVING", "CENTRE", "SiteBoard"]

ARRIVING = "+"  # just on shift, not yet sent anywhere
CENTRE = ""  # the city's centre: the reserve where a city names no `reserve_site`

Entry = list  # [key, place, crew, n]: people of a post, where they are


class _Move:
    """People of one crew on the road to a site."""

    __slots__ = ("alive", "crew", "dest", "key", "n", "origin")

    def __init__(self, crew: Crew, origin: str, dest: str, n: int) -> None:
        self.crew, self.key, self.origin, self.dest, self.n = crew, crew.key, origin, dest, n
        self.alive = True


class _State:
    """One reassignment's working view: free people by (force, role), place and crew; the people of
    each pooled post; and people on the road, by destination, not yet counted towards a post."""

    __slots__ = ("coming", "counted", "pool", "taken")

    def __init__(self) -> None:
        self.pool: dict[Key, dict[str, dict[Crew, int]]] = {}
        self.taken: dict[PostSlot, list[Entry]] = {}
        self.coming: dict[Key, dict[str, int]] = {}
        self.counted: dict[PostSlot, int] = {}  # people on the road to a post, counted towards it


class SiteBoard(CityBoard):
    """A city's duty board with people placed at sites and road time between them (see the module).

    `minutes(a, b)` is the road time between two places (0 within a zone; `CENTRE` is the city's
    centre); `sites` are the city's sites, `reserve` the place where idle people wait.
    """

    incremental = False  # every reassignment is rebuilt in full: people's places make it no prefix sum

    def __init__(
        self, env: simpy.Environment, city: str, recorder: Recorder, sites: list[str],
        minutes: Callable[[str, str], float], reserve: str = CENTRE,
    ) -> None:  # fmt: skip
        super().__init__(env, city, recorder)
        self.minutes = minutes
        self.reserve = reserve
        self.places = list(dict.fromkeys([*sites, reserve]))
        self.moving: dict[Key, int] = {}
        self.moves: list[_Move] = []
        self._st = _State()
        self._near = functools.cache(self._near_places)
        self._far = functools.cache(self._far_places)

    # -- places -----------------------------------------------------------------------------------
    def _near_places(self, site: str) -> tuple[str, ...]:
        """Places no road time from `site` (itself first)."""
        return (site, *(p for p in self.places if p != site and self.minutes(p, site) == 0))

    def _far_places(self, site: str) -> tuple[str, ...]:
        """The other places, nearest first (road time to `site`, then listed order)."""
        near = set(self._near(site))
        far = [p for p in self.places if p not in near]
        return tuple(sorted(far, key=lambda p: (self.minutes(p, site), self.places.index(p))))

    def set_fixed(self, post: PostSlot) -> None:
        """Mark a post as a fixed roster."""
        post.fixed = True

    def lead_h(self, post: PostSlot) -> float:
        """A pooled post hears of a scheduled rise the longest road time to its site ahead (from any
        site of the city or its reserve); a fixed roster is not prepared ahead."""
        if post.fixed:
            return 0.0
        return max(self.minutes(p, post.site) for p in self.places) / 60

    def announce(self, post: PostSlot, at_h: float, required: int) -> None:
        """Free people start for the post now, to be there when it needs `required` at `at_h`."""
        post.upcoming.append((at_h, required))
        self._touch()

    def set_required(self, post: PostSlot, required: int) -> None:
        """As `CityBoard.set_required`; announcements now due are done with."""
        now = self.env.now
        post.upcoming = [(t, n) for t, n in post.upcoming if t > now]
        super().set_required(post, required)

    # -- changes ----------------------------------------------------------------------------------
    def crew_on(self, force: str, role: str, label: str, present: int, leave_h: float,
                holdover_cap_h: float = float("inf"), fresh_first: bool = False) -> None:  # fmt: skip
        """As `CityBoard.crew_on`; the people new on duty are arriving (not yet anywhere)."""
        key = (force, role)
        crew = next((c for c in self.crews.get(key, []) if c.label == label), None)
        before = crew.present if crew is not None else 0
        super().crew_on(force, role, label, present, leave_h, holdover_cap_h, fresh_first)
        crew = next(c for c in self.crews[key] if c.label == label)
        self._add_free(crew, crew.present - before)

    def crew_off(self, force: str, role: str, label: str) -> tuple[int, int] | None:
        """As `CityBoard.crew_off`; the people leaving go from wherever they are, the road included."""
        key = (force, role)
        crew = next((c for c in self.crews[key] if c.label == label and c.on_shift), None)
        out = super().crew_off(force, role, label)
        if out is not None and crew is not None:
            crew.where.clear()
            self._stop_moves(crew, crew.moving)
            for post in self.posts:
                post.roster.pop(crew, None)
        return out

    def change_supply(self, force: str, role: str, delta: int) -> None:
        """As `CityBoard.change_supply`; people coming on duty are arriving."""
        super().change_supply(force, role, delta)
        crew = next(c for c in self.crews[(force, role)] if c.label == "")
        self._add_free(crew, delta)

    def _add_free(self, crew: Crew, n: int) -> None:
        """`n` people join a crew's free people as arriving (n < 0: that many leave, see `_drop`)."""
        if n > 0:
            crew.where[ARRIVING] = crew.where.get(ARRIVING, 0) + n
        elif n < 0:
            self._drop(crew, -n)

    def _drop(self, crew: Crew, n: int) -> None:
        """`n` free people of a crew go off duty: arriving ones first, then those in reserve, then those
        at sites (in the listed order), then those of fixed rosters, then those on the road."""
        where = crew.where
        for place in (ARRIVING, self.reserve, *self.places):
            take = min(where.get(place, 0), n)
            if take:
                where[place] -= take
                n -= take
        for post in self.posts:
            take = min(post.roster.get(crew, 0), n)
            if take:
                post.roster[crew] -= take
                n -= take
        self._stop_moves(crew, n)

    def _stop_moves(self, crew: Crew, n: int) -> None:
        """`n` of a crew's people on the road go off duty (the latest sent first)."""
        for move in reversed(self.moves):
            if not n:
                return
            if move.alive and move.crew is crew:
                take = min(move.n, n)
                move.n -= take
                crew.moving -= take
                self.moving[crew.key] -= take
                n -= take
                if not move.n:
                    move.alive = False

    def release(self, task: Task) -> None:
        """As `CityBoard.release`; people on shift are back where they were taken from."""
        for crew, at in task.at.items():
            if crew.on_shift:
                for place, n in at.items():
                    crew.where[place] = crew.where.get(place, 0) + n
        task.at = {}
        super().release(task)

    def _unchanged_by(self, delta: dict[Key, int]) -> bool:
        return False  # every change is reassigned in full: the shortcut knows no sites

    def _integrate(self) -> None:
        dt = self.env.now - self._t
        if dt > 0:
            duty = self.rec.duty
            for key, n in self.moving.items():
                if n:
                    duty[(key[0], self.city, key[1])].transit_ph += n * dt
        super()._integrate()

    # -- moves ------------------------------------------------------------------------------------
    def _send(self, crew: Crew, origin: str, dest: str, n: int) -> None:
        """Send `n` free people of a crew from `origin` to `dest` (at once if no road time apart)."""
        where = crew.where
        where[origin] -= n
        minutes = 0.0 if origin == ARRIVING else self.minutes(origin, dest)
        if minutes == 0:
            where[dest] = where.get(dest, 0) + n
            return
        move = _Move(crew, origin, dest, n)
        self.moves.append(move)
        crew.moving += n
        self.moving[crew.key] = self.moving.get(crew.key, 0) + n
        arrive = self.env.timeout(minutes / 60)
        arrive.callbacks.append(functools.partial(self._arrive, move))
        if self.rec.trace:
            self.rec.log(
                self.env.now, "move", self.city, dest, f"{crew.key[0]}.{crew.key[1]}",
                f"{n} from {origin or 'the centre'}, {minutes:.1f} min on the road",
            )  # fmt: skip

    def _arrive(self, move: _Move, _event: simpy.Event) -> None:
        self.moves.remove(move)
        if not move.alive:
            return
        self._integrate()
        crew = move.crew
        crew.moving -= move.n
        self.moving[move.key] -= move.n
        crew.where[move.dest] = crew.where.get(move.dest, 0) + move.n
        if self.rec.trace:
            self.rec.log(
                self.env.now, "move", self.city, move.dest, f"{move.key[0]}.{move.key[1]}",
                f"{move.n} arrived from {move.origin or 'the centre'}",
            )  # fmt: skip
        self._touch()

    # -- assignment -------------------------------------------------------------------------------
    def _grab(self, key: Key, place: str, n: int) -> list[tuple[Crew, int]]:
        """Up to `n` free people of `key` at `place`, out of the pool: [(crew, count), ...]."""
        at = self._st.pool.get(key, {}).get(place)
        out: list[tuple[Crew, int]] = []
        if not at:
            return out
        for crew, have in at.items():
            if have:
                take = min(have, n)
                at[crew] = have - take
                out.append((crew, take))
                n -= take
                if not n:
                    break
        return out

    def _assign(self, _event: simpy.Event | None = None) -> None:
        self._pending = False
        self._integrate()
        now = self.env.now
        st = self._st = _State()
        for key, crews in self.crews.items():
            places: dict[str, dict[Crew, int]] = {}
            for crew in crews:
                if crew.on_shift:
                    for place, n in crew.where.items():
                        if n:
                            places.setdefault(place, {})[crew] = n
            st.pool[key] = places
        for move in self.moves:
            if move.alive:
                to = st.coming.setdefault(move.key, {})
                to[move.dest] = to.get(move.dest, 0) + move.n
        for post in self.posts:
            self._keep_local(post, post.required)
        for post in self.posts:
            if post.upcoming and not post.fixed:  # then people standing by for an announced rise
                self._keep_local(post, _ahead(post))
        waiting, swaps, started = self.waiting, list(self.swaps), []
        busy = dict.fromkeys(self.on_duty, 0)  # the base swap's bookkeeping, recomputed below
        w = v = 0

        def tasks_before(bound: tuple | None) -> None:
            nonlocal w, v
            while True:
                tw = waiting[w] if w < len(waiting) and (bound is None or waiting[w].order < bound) else None
                ts = swaps[v] if v < len(swaps) and (bound is None or swaps[v].order < bound) else None
                if tw is not None and (ts is None or tw.order < ts.order):
                    if self._start(tw, {}, busy, now):
                        started.append(w)
                    w += 1
                elif ts is not None:
                    self._swap(ts, {}, busy, now)
                    v += 1
                else:
                    return

        for post in self.posts:
            tasks_before(post.order)
            if post.required or post.upcoming:
                self._fill(post)
        tasks_before(None)
        for i in reversed(started):
            self.rec.queue_change(now, waiting[i].kind, -1)
            del waiting[i]
        self._settle_arrivals()
        on_posts: dict[Key, int] = dict.fromkeys(self.on_duty, 0)
        for post in self.posts:
            if post.fixed:
                staffed = sum(post.roster.values())
                for crew, n in post.roster.items():
                    on_posts[crew.key] += n
            else:
                staffed = 0
                for key, _place, _crew, n in st.taken.get(post, ()):
                    n = min(n, post.required - staffed)  # beyond: there ahead of a rise, standing by
                    staffed += n
                    on_posts[key] += n
            short = post.required - staffed
            if staffed != post.staffed or short != post.gap_short:
                self._set_staffed(post, staffed, short, now)
        self.busy = {k: self.held[k] + on_posts[k] + self.moving.get(k, 0) for k in self.on_duty}
        self.idle = {}
        self._st = _State()

    def _keep_local(self, post: PostSlot, target: int) -> None:
        """A post keeps or takes the free people at its site or zone, up to `target` (a fixed roster
        keeps its own)."""
        st, site = self._st, post.site
        if post.fixed:
            have = sum(post.roster.values())
            extra = have - post.required
            for crew in reversed(list(post.roster)):  # the last added go first
                if extra <= 0:
                    break
                back = min(post.roster[crew], extra)
                post.roster[crew] -= back
                extra -= back
                crew.where[site] = crew.where.get(site, 0) + back
                at = st.pool.setdefault(crew.key, {}).setdefault(site, {})
                at[crew] = at.get(crew, 0) + back
            need = post.required - min(have, post.required)
        else:
            need = target - sum(e[3] for e in st.taken.get(post, ()))
        if need <= 0:
            return
        entries = st.taken.setdefault(post, []) if not post.fixed else None
        for key in post.keys:
            for place in self._near(site):
                for crew, n in self._grab(key, place, need):
                    need -= n
                    if post.fixed:
                        crew.where[place] -= n
                        post.roster[crew] = post.roster.get(crew, 0) + n
                    else:
                        if place != site:
                            self._send(crew, place, site, n)
                        assert entries is not None
                        entries.append([key, site, crew, n])
                if not need:
                    return

    def _fill(self, post: PostSlot) -> None:
        """A post still short after `_keep_local`: people arriving on shift, then (a pooled post) people
        already on the road to it, the nearest free people, and people of lower-priority posts; then,
        for a rise announced ahead, arriving, on the road and free people only."""
        if post.fixed:
            need = post.required - sum(post.roster.values())
            for key in post.keys:
                if need <= 0:
                    return
                for crew, n in self._grab(key, ARRIVING, need):
                    need -= n
                    crew.where[ARRIVING] -= n
                    post.roster[crew] = post.roster.get(crew, 0) + n
            return
        self._fill_to(post, post.required, True)
        ahead = _ahead(post)
        if ahead > post.required:
            self._fill_to(post, ahead, False)

    def _fill_to(self, post: PostSlot, target: int, preempt: bool) -> None:
        """Bring a pooled post's people (there, on the road to it, or sent for now) up to `target`;
        people of lower-priority posts only if `preempt` (not to prepare a rise announced ahead)."""
        st, site = self._st, post.site
        entries = st.taken.setdefault(post, [])
        need = target - sum(e[3] for e in entries) - st.counted.get(post, 0)
        if need <= 0:
            return
        for key in post.keys:
            for crew, n in self._grab(key, ARRIVING, need):
                need -= n
                self._send(crew, ARRIVING, site, n)
                entries.append([key, site, crew, n])
            if not need:
                return
        near = self._near(site)
        for key in post.keys:
            to = st.coming.get(key)
            if to:
                for place in near:
                    use = min(to.get(place, 0), need)
                    if use:
                        to[place] -= use
                        need -= use
                        st.counted[post] = st.counted.get(post, 0) + use
        if need <= 0:
            return
        for place in self._far(site):
            for key in post.keys:
                for crew, n in self._grab(key, place, need):
                    need -= n
                    self._send(crew, place, site, n)
                    st.counted[post] = st.counted.get(post, 0) + n
                if not need:
                    return
        if not preempt:
            return
        for entry, _post in self._preemptable(post.order, post.keys, site):
            key, place, crew, n = entry
            take = min(n, need)
            entry[3] -= take
            need -= take
            self._send(crew, place, site, take)
            if self.minutes(place, site) == 0:  # in the same zone: there at once
                entries.append([key, site, crew, take])
            else:
                st.counted[post] = st.counted.get(post, 0) + take
            if not need:
                return

    def _preemptable(self, order: tuple, keys: list[Key], site: str) -> list[tuple[Entry, PostSlot]]:
        """People of pooled posts of lower priority than `order`, of `keys`: the nearest to `site`
        first, the lowest priority on a tie."""
        found = [
            (entry, post)
            for post, entries in self._st.taken.items()
            if post.order > order
            for entry in entries
            if entry[3] and entry[0] in keys
        ]
        found.sort(key=lambda ep: (self.minutes(ep[0][1], site), tuple(-x for x in ep[1].order)))
        return found

    def _sources(self, task: Task) -> list[tuple[Key, str, Crew, int, Entry | None]]:
        """Where a task may take its people from, in the order it takes them (see the module)."""
        free = []
        rank = {}
        for i, key in enumerate(task.keys):
            crews = self.crews.get(key, [])
            fresh = key in self.fresh_first
            for j, crew in enumerate(sorted(crews, key=lambda c: -c.leave_h if fresh else c.leave_h)):
                rank[crew] = j
            for place, at in self._st.pool.get(key, {}).items():
                road = 0.0 if place == ARRIVING else self.minutes(place, task.site)
                for crew, n in at.items():
                    if n:
                        free.append((road, rank[crew], i, key, place, crew, n))
        free.sort(key=lambda x: x[:3])
        out: list[tuple[Key, str, Crew, int, Entry | None]] = [(k, p, c, n, None) for *_, k, p, c, n in free]
        out += [
            (e[0], e[1], e[2], e[3], e) for e, _post in self._preemptable(task.order, task.keys, task.site)
        ]
        return out

    def _free_for(self, task: Task, avail: dict[Key, int]) -> int:
        return sum(src[3] for src in self._sources(task))

    def _take(self, task: Task, need: int, avail: dict[Key, int], busy: dict[Key, int]) -> None:
        """Give `task` `need` people from its sources, in order (there are enough). People arriving on
        shift first relieve, in place, people of a crew of their pool leaving before them on posts (the
        nearest to the task first), who go with the task instead: a task draws on the crew leaving
        first, as on an instant pool, unless the pool is `fresh_first`."""
        pool = self._st.pool
        for key, place, crew, n, entry in self._sources(task):
            take = min(n, need)
            need -= take
            if entry is not None:
                entry[3] -= take
            else:
                pool[key][place][crew] -= take
            if place == ARRIVING:
                crew.where[ARRIVING] -= take
                if key not in self.fresh_first:
                    take = self._relieve(task, key, crew, take)
                if take:  # straight to the task: back at its site (or the reserve) when released
                    origin = task.site if task.site in self.places else self.reserve
                    crew.where[origin] = crew.where.get(origin, 0) + take
                    self._hold(task, key, crew, origin, take)
            else:
                self._hold(task, key, crew, place, take)
            if not need:
                return
        raise AssertionError(f"{self.city}: fewer people for {task.name} than counted")

    def _relieve(self, task: Task, key: Key, crew: Crew, n: int) -> int:
        """`n` arriving people of `crew` take the places of people of earlier-leaving crews on pooled
        posts, who join `task`; returns how many arriving people are left to join it themselves."""
        st = self._st
        found = [
            (entry, post)
            for post, entries in st.taken.items()
            for entry in entries
            if entry[3] and entry[0] == key and entry[2].on_shift and entry[2].leave_h < crew.leave_h
        ]
        found.sort(key=lambda ep: self.minutes(ep[0][1], task.site))
        for entry, post in found:
            if not n:
                break
            k = min(entry[3], n)
            n -= k
            entry[3] -= k
            site, other = entry[1], entry[2]
            st.taken[post].append([key, site, crew, k])
            crew.where[site] = crew.where.get(site, 0) + k
            self._hold(task, key, other, site, k)
        return n

    def _hold(self, task: Task, key: Key, crew: Crew, place: str, n: int) -> None:
        """`n` people of `crew` at `place` join `task` (held until it is released)."""
        crew.where[place] -= n
        at = task.at.setdefault(crew, {})
        at[place] = at.get(place, 0) + n
        crew.held += n
        self.held[key] += n
        task.team[key] = task.team.get(key, 0) + n
        task.drawn[crew] = task.drawn.get(crew, 0) + n
        crew.tasks[task] = None

    def _settle_arrivals(self) -> None:
        """People arriving on shift and not sent anywhere go to the reserve, unless a crew of their pool
        that leaves before them is still on (they will relieve its people in place)."""
        for crews in self.crews.values():
            for crew in crews:
                n = crew.where.get(ARRIVING, 0)
                if n and crew.on_shift and not any(c.on_shift and c.leave_h < crew.leave_h for c in crews):
                    crew.where[ARRIVING] = 0
                    crew.where[self.reserve] = crew.where.get(self.reserve, 0) + n


def _ahead(post: PostSlot) -> int:
    """The most people a post's announced rises will need (0 if none is announced)."""
    return max(n for _t, n in post.upcoming) if post.upcoming else 0
