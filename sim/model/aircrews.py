"""Dedicated aircrews: the crews of one aircraft type, who is rested, and the sorties waiting for one.

A crew reports (its duty starts), flies, and is released `postflight_h` after landing; it then rests
`min_rest_h` before it can report again. Rested crews are handed out by priority, then first come
first served, and the crew rested longest goes first. Nothing here knows of aircraft or stations.
"""

from __future__ import annotations

from typing import cast

import simpy

from sim.model.record import AircrewLedger, Recorder
from sim.scenario.air import Aircrew

__all__ = ["Crew", "CrewRoster"]


class Crew:
    """One crew unit of a type: on duty since `duty_from` (None off duty), ready again at `ready_h`."""

    __slots__ = ("duty_from", "name", "off_h", "ready_h")

    def __init__(self, name: str) -> None:
        self.name = name
        self.duty_from: float | None = None
        self.off_h = self.ready_h = 0.0


class CrewRoster:
    """The `aircrew.crews` crews of aircraft type `type_name`, each of `size` people."""

    def __init__(
        self, env: simpy.Environment, rec: Recorder, type_name: str, rules: Aircrew, size: int
    ) -> None:
        self.env, self.rec, self.type_name, self.rules = env, rec, type_name, rules
        self.ledger = AircrewLedger(type_name, rules.crews, size)
        self.crews = [Crew(f"{type_name} crew {i + 1}") for i in range(rules.crews)]
        self.rested: list[Crew] = list(self.crews)  # longest rested first
        self.waiting: list[tuple[tuple[int, int], simpy.Event]] = []
        self._seq = 0

    def acquire(self, priority: int) -> simpy.Event:
        """An event that fires with a rested crew (at once if one is)."""
        event = self.env.event()
        self._seq += 1
        self.waiting.append(((priority, self._seq), event))
        self.waiting.sort(key=lambda w: w[0])
        self._match()
        return event

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request; a crew it already got (and that has not reported) is rested again."""
        self.waiting = [w for w in self.waiting if w[1] is not event]
        if event.triggered:
            self.rested.insert(0, cast(Crew, event.value))
            self._match()

    def next_rested_h(self) -> float:
        """When the next crew finishes its rest (now if one is rested; inf if all are on duty)."""
        if self.rested:
            return self.env.now
        resting = [c.ready_h for c in self.crews if c.duty_from is None]
        return min(resting, default=float("inf"))

    def report(self, crew: Crew, city: str, site: str, what: str) -> None:
        """`crew` reports for duty now (its duty clock starts) to fly `what`."""
        crew.duty_from = self.env.now
        if self.rec.trace:
            self.rec.log(self.env.now, "aircrew", city, site, crew.name, f"reports for {what}")

    def release(self, crew: Crew, city: str, site: str, flew: bool = True, rest: bool | None = None) -> None:
        """`crew` comes off duty: after its postflight if it flew, at once if it did not (a sortie stood
        down before launch); then it rests if it flew or `rest` says so (its duty ran out on the ground)."""
        now = self.env.now
        assert crew.duty_from is not None
        off = now + (self.rules.postflight_h if flew else 0.0)
        rest_h = self.rules.min_rest_h if (flew if rest is None else rest) else 0.0
        self.ledger.duty_h += off - crew.duty_from
        self.ledger.sorties += flew
        crew.off_h, crew.ready_h = off, off + rest_h
        if self.rec.trace:
            how = "released" if flew else "stood down without flying"
            self.rec.log(off, "aircrew", city, site, crew.name,
                         f"{how} after {off - crew.duty_from:.2f} h on duty; rests {rest_h:g} h")  # fmt: skip
        crew.duty_from = None
        if crew.ready_h > now:
            self.env.timeout(crew.ready_h - now).callbacks.append(lambda _e: self._rested(crew))
        else:
            self._rested(crew)

    def finish(self, horizon_h: float) -> None:
        """Count duty up to the end of the run: that of crews still on duty, not a postflight beyond it."""
        for crew in self.crews:
            if crew.duty_from is not None:
                self.ledger.duty_h += horizon_h - crew.duty_from
            elif crew.off_h > horizon_h:
                self.ledger.duty_h -= crew.off_h - horizon_h

    def _rested(self, crew: Crew) -> None:
        self.rested.append(crew)
        self._match()

    def _match(self) -> None:
        while self.rested and self.waiting:
            _, event = self.waiting.pop(0)
            event.succeed(self.rested.pop(0))
