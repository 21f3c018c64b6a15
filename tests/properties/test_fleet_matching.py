"""The ready line (`Fleet`) hands out exactly the aircraft that scanning every ready aircraft would.

`Fleet` keeps ready aircraft by (type, base), least flown first, and serves a new request from the
nearest pairs, or an aircraft put back to the first waiting request it fits (issue 14: at 16 copies of
the reference, scanning every ready aircraft at every request was a cost per event that grew with the
fleet). `ScanFleet` below is the ready line before that change, kept here as the reference: every
request walks every ready aircraft. Random scripts of requests, aircraft landing (with more flight
hours) and withdrawals, on fleets where many bases are equally far (ties in transit, in flight hours),
are played on both, and every answer compared in order.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.aircraft import Fleet

TYPES = ["a", "b", "c"]
BASES = ["p", "q", "r", "s"]
SITES = ["x", "y", "z"]


class ScanFleet:
    """The ready line as it was: a list of ready aircraft, every waiting request matched against all
    of them after every change, nearest first, then least flown, then by name."""

    def __init__(self, env: simpy.Environment, transit_h: Any, reaches: Any) -> None:
        self.env, self.transit_h, self.reaches = env, transit_h, reaches
        self.idle: list[Any] = []
        self.waiting: list[Any] = []
        self._seq = 0

    def add(self, ac: Any) -> None:
        self.idle.append(ac)

    def acquire(self, types: tuple[str, ...], over: str, priority: int) -> simpy.Event:
        event = self.env.event()
        self._seq += 1
        self.waiting.append(((priority, self._seq), types, over, event))
        self.waiting.sort(key=lambda w: w[0])
        self._match()
        return event

    def cancel(self, event: simpy.Event) -> None:
        self.waiting = [w for w in self.waiting if w[3] is not event]
        if event.triggered:
            self.put_back(event.value)

    def put_back(self, ac: Any) -> None:
        self.idle.append(ac)
        self._match()

    def _match(self) -> None:
        for w in list(self.waiting):
            _, types, over, event = w
            fits = [a for a in self.idle if a.type_name in types and self.reaches(a, over)]
            if not fits:
                continue
            best = min(fits, key=lambda a: (self.transit_h(a, over), a.ledger.flight_h, a.name))
            self.idle.remove(best)
            self.waiting.remove(w)
            event.succeed(best)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[list[tuple[str, str, str]], dict, dict, list[tuple]]:
    """A fleet (name, type, base), transit hours and reach per (base, site), and a script of steps."""
    n = draw(st.integers(1, 10))
    fleet = [(f"ac{i}", draw(st.sampled_from(TYPES)), draw(st.sampled_from(BASES))) for i in range(n)]
    # few distinct transit times, so that bases are often equally far from a site
    transit = {(b, s): draw(st.sampled_from([0.5, 1.0, 1.0, 2.0])) for b in BASES for s in SITES}
    reach = {
        (t, b, s): draw(st.booleans()) or draw(st.booleans()) for t in TYPES for b in BASES for s in SITES
    }
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(
                    st.just("acquire"),
                    st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True).map(tuple),
                    st.sampled_from(SITES),
                    st.integers(1, 3),
                ),
                st.tuples(st.just("land"), st.integers(0, 40), st.sampled_from([0.0, 1.0, 2.5])),
                st.tuples(st.just("cancel"), st.integers(0, 40)),
            ),
            max_size=40,
        )
    )
    return fleet, transit, reach, steps


def _play(cls: type, fleet: list, transit: dict, reach: dict, steps: list) -> list:
    """Play a script on a ready line of class `cls`; return every answer, in order."""
    env = simpy.Environment()
    aircraft = [
        SimpleNamespace(name=name, type_name=t, base=b, ledger=SimpleNamespace(flight_h=0.0))
        for name, t, b in fleet
    ]
    line = cls(env, lambda a, over: transit[a.base, over], lambda a, over: reach[a.type_name, a.base, over])
    for ac in aircraft:
        line.add(ac)
    asked: list[simpy.Event] = []
    holding: dict[int, Any] = {}  # request -> the aircraft it got and still holds
    done: set[int] = set()  # requests whose aircraft has landed and is ready again
    out: list = []
    for step in steps:
        if step[0] == "acquire":
            asked.append(line.acquire(step[1], step[2], step[3]))
        elif step[0] == "land" and holding:  # an aircraft out on a request lands, having flown a while
            i = sorted(holding)[step[1] % len(holding)]
            ac = holding.pop(i)
            done.add(i)
            ac.ledger.flight_h += step[2]
            line.put_back(ac)
        elif step[0] == "cancel" and asked:  # withdraw a request, served (its aircraft goes back) or not
            i = step[1] % len(asked)
            if i not in done:
                line.cancel(asked[i])
                holding.pop(i, None)
                done.add(i)
        for i, e in enumerate(asked):
            if e.triggered and i not in holding and i not in done:
                holding[i] = e.value
        out.append((step[0], sorted((i, ac.name) for i, ac in holding.items()), [w[0] for w in line.waiting]))
    return out


@settings(max_examples=300, deadline=None)
@given(scripts())
def test_ready_line_matches_scanning_every_aircraft(script):
    fleet, transit, reach, steps = script
    assert _play(Fleet, fleet, transit, reach, steps) == _play(ScanFleet, fleet, transit, reach, steps)


def test_ties_go_to_the_least_flown_then_by_name():
    """Two bases equally far: the least flown aircraft of either goes first, then by name."""
    env = simpy.Environment()
    crafts = [
        SimpleNamespace(name=name, type_name="a", base=base, ledger=SimpleNamespace(flight_h=fh))
        for name, base, fh in [("a1", "p", 3.0), ("a2", "q", 1.0), ("a3", "q", 1.0), ("a4", "r", 0.0)]
    ]
    far = {"p": 1.0, "q": 1.0, "r": 2.0}
    line = Fleet(env, lambda a, over: far[a.base], lambda a, over: True)
    for ac in crafts:
        line.add(cast(Any, ac))
    got = [line.acquire(("a",), "x", 1).value.name for _ in range(4)]
    assert got == ["a2", "a3", "a1", "a4"]
