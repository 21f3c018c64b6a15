"""Station keeping: each slot of an air coverage requirement is kept by a chain of sorties.

A slot launches a sortie so that it arrives when it is needed; each sortie names the time its relief
is needed, and the slot launches the next sortie for that time. A sortie, step by step (as in the air
section of `scenarios/README.md`):

1. launch: wait until the relief lead (transit from the nearest base) before it is needed, take the
   nearest ready aircraft and a crew, and take off one transit before it is needed. A type with
   dedicated aircrews wakes a preflight earlier, takes a rested crew first (none: it waits, and no
   aircraft is held), then the nearest ready aircraft, and takes off no sooner than a preflight after
   the crew reported; a crew whose duty ran out before it could reach the station rests, and another
   is taken;
2. transit to the station (a failure on the way calls the relief at once and sends it home);
3. on station until the first of: the window's end, bingo fuel (enough left to fly home plus the
   reserve), its crew's duty limit (airborne `crew_duty_h`; with aircrews, back and through its
   postflight by `max_duty_h` after it reported), or a failure. An air-refuelable aircraft asks a
   tanker to meet it before bingo, and takes the tanker's fuel;
4. relief: called `lead` hours (plus the preflight, with aircrews) before it must leave (at once after
   a failure); while a tanker is
   committed to it, no relief is called and the receiver stays on with the fuel it gets;
5. return: fly home;
6. turnaround: land, be repaired if failed, refuel, service and maintain (`AirContext.land`).
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy
from simpy.events import ProcessGenerator

from sim.model.aircraft import AirContext, Aircraft, CrewHold
from sim.model.aircrews import Crew, CrewRoster
from sim.model.board import CityBoard
from sim.model.record import StationTotals
from sim.model.tankers import TANKER_MARGIN_H, TankerRequest, TankerRun

__all__ = ["Slot", "Sortie", "keep_slot"]

FAILURE, WINDOW_CLOSED, BINGO_OR_DUTY = "failure", "window closed", "bingo or crew duty"  # why it left


@dataclass(frozen=True)
class Slot:
    """Slot `k` of the air coverage requirement `station`: one aircraft of `type_name` over `over`
    in each of `windows`; its on-station spans go to `totals`."""

    station: str
    k: int
    type_name: str
    over: str
    priority: int
    windows: list[tuple[float, float]]
    totals: StationTotals


def keep_slot(ctx: AirContext, slot: Slot) -> ProcessGenerator:
    """Keep one slot: a sortie for each time an aircraft is needed, until each window's end."""
    for a, b in slot.windows:
        need = a
        while need < b:
            relief = ctx.env.event()
            ctx.env.process(Sortie(ctx, slot, need, b, relief).run())
            need = yield relief


class Sortie:
    """One aircraft's sortie for `slot`, needed on station from `need` until at most `end`.

    `relief` fires with the time the next aircraft is needed (`end` if none is).
    """

    def __init__(self, ctx: AirContext, slot: Slot, need: float, end: float, relief: simpy.Event) -> None:
        self.ctx, self.slot, self.need, self.end, self.relief = ctx, slot, need, end, relief
        self.lead = ctx.lead_h((slot.type_name,), slot.over)
        self.roster: CrewRoster | None = ctx.rosters.get(slot.type_name)
        # how long before it must leave its relief is called: the flight out, and the preflight
        self.call_ahead = self.lead if self.roster is None else self.lead + self.roster.rules.preflight_h
        self.tanker: TankerRequest | None = None  # the open call for fuel, if any

    def run(self) -> ProcessGenerator:
        """Launch, transit, stay on station (calling the relief), return and turn around."""
        if self.roster is None:
            ready = yield from self.get_ready()
        else:
            ready = yield from self.get_crew_then_aircraft(self.roster)
        if ready is None:
            return
        ac, board, crew, transit = ready
        launch, fail_at = self.launch(ac)
        if isinstance(crew, Crew):
            rules = ac.t.aircrew
            assert crew.duty_from is not None
            assert rules is not None
            duty_end = crew.duty_from + rules.max_duty_h - rules.postflight_h - transit
        else:
            duty_end = launch + ac.t.crew_duty_h - transit
        if fail_at < launch + transit:
            yield from self.fail_on_the_way(ac, crew, board, launch, fail_at)
            return
        yield self.ctx.env.timeout(transit)
        why = yield from self.on_station(ac, transit, duty_end, fail_at)
        if why == FAILURE:
            yield from self.ctx.fail_and_return(ac, crew, board, launch, transit)
            return
        yield self.ctx.env.timeout(transit)
        yield from self.ctx.land(ac, crew, board, launch)

    # -- 1. launch -----------------------------------------------------------------------------
    def get_ready(self) -> ProcessGenerator:
        """Take the nearest ready aircraft and a crew, and wait until one transit before `need`:
        (aircraft, board, crew, transit), or None (the relief is told) if it cannot arrive in time."""
        ctx, slot, env = self.ctx, self.slot, self.ctx.env
        if self.need - self.lead > env.now:
            yield env.timeout(self.need - self.lead - env.now)
        ac = yield ctx.fleet.acquire((slot.type_name,), slot.over, slot.priority)
        board = ctx.boards[ac.city]
        crew = board.request(
            "aircrew", ac.name, ac.base, [ac.t.operator], ac.t.crew, slot.priority, "aviation"
        )
        yield crew.event
        transit = ctx.transit_h(ac, slot.over)
        if self.need - transit > env.now:
            yield env.timeout(self.need - transit - env.now)
        if env.now + transit >= self.end:  # it could not get there before the window closes
            board.release(crew)
            ctx.fleet.put_back(ac)
            self.relief.succeed(self.end)
            return None
        return ac, board, crew, transit

    def get_crew_then_aircraft(self, roster: CrewRoster) -> ProcessGenerator:
        """A dedicated aircrew first, then the nearest ready aircraft: wake a preflight before the relief
        lead, take a rested crew (waiting for one to finish its rest), take an aircraft, and wait until
        one transit before `need` and a preflight after the crew reported. Returns (aircraft, None, crew,
        transit), or None (the crew stood down, the relief told) if it cannot arrive in time; records
        how late it is and why."""
        ctx, slot, env, rules = self.ctx, self.slot, self.ctx.env, roster.rules
        wake = self.need - self.call_ahead
        if wake > env.now:
            yield env.timeout(wake - env.now)
        city, what = ctx.site_city(slot.over), f"{slot.station} (slot {slot.k + 1})"
        waited = {"crew": 0.0, "aircraft": 0.0}
        while True:
            t0 = env.now
            got = roster.acquire(slot.priority)
            if not got.triggered and ctx.rec.trace:
                detail = f"{what} waits for a rested crew (next rested at {roster.next_rested_h():.2f} h)"
                ctx.rec.log(env.now, "aircrew", city, slot.over, roster.type_name, detail)
            crew = yield got
            if max(env.now + rules.preflight_h, self.need - self.lead) + self.lead >= self.end:
                roster.cancel(got)  # too late for the window even from the nearest base: not called out
                waited["crew"] += env.now - t0
                self._record_late(waited, self.end)
                self.relief.succeed(self.end)
                return None
            roster.report(crew, city, slot.over, what)
            t1 = env.now
            ac = yield ctx.fleet.acquire((slot.type_name,), slot.over, slot.priority)
            waited["crew"] += t1 - t0
            waited["aircraft"] += env.now - t1
            transit = ctx.transit_h(ac, slot.over)
            assert crew.duty_from is not None
            launch_at = max(self.need - transit, crew.duty_from + rules.preflight_h)
            if launch_at > env.now:
                yield env.timeout(launch_at - env.now)
            if env.now + transit >= self.end:  # it could not get there before the window closes
                roster.release(crew, ac.city, ac.base, flew=False)
                ctx.fleet.put_back(ac)
                self._record_late(waited, self.end)
                self.relief.succeed(self.end)
                return None
            if env.now + transit < crew.duty_from + rules.max_duty_h - rules.postflight_h - transit:
                break
            # its duty ran out waiting for an aircraft: it rests, the aircraft waits for another crew
            roster.release(crew, ac.city, ac.base, flew=False, rest=True)
            ctx.fleet.put_back(ac)
        self._record_late(waited, env.now + transit)
        return ac, None, crew, transit

    def _record_late(self, waited: dict[str, float], arrive: float) -> None:
        """Put the time from `need` to `arrive` down to the waits for a crew, then an aircraft; what is
        left (a relief called late, after a failure) has no cause recorded."""
        late, t = arrive - self.need, self.need
        for cause, hours in waited.items():
            part = min(late, hours)
            if part > 0:
                self.slot.totals.late.append((self.slot.k, t, t + part, cause))
                if self.ctx.rec.trace:
                    detail = (
                        f"{self.slot.station} (slot {self.slot.k + 1}) {part:.2f} h late: no {cause} ready"
                    )
                    self.ctx.rec.log(self.ctx.env.now, "air_late", self.ctx.site_city(self.slot.over),
                                     self.slot.over, self.slot.type_name, detail)  # fmt: skip
                late, t = late - part, t + part

    def launch(self, ac: Aircraft) -> tuple[float, float]:
        """Take off now: (launch time, time of the next failure on the aircraft's flight-hour clock)."""
        now = self.ctx.env.now
        fail_at = now + self.ctx.flight_hours_to_failure(ac)
        ac.take_off(now)
        if self.ctx.rec.trace:
            detail = f"launched for {self.slot.station} (slot {self.slot.k + 1})"
            self.ctx.rec.log(now, "sortie", ac.city, ac.base, ac.name, detail)
        return now, fail_at

    # -- 2. transit ----------------------------------------------------------------------------
    def fail_on_the_way(
        self, ac: Aircraft, crew: CrewHold, board: CityBoard | None, launch: float, fail_at: float
    ) -> ProcessGenerator:
        """A failure before reaching the station: call the relief at once and turn back."""
        env = self.ctx.env
        yield env.timeout(fail_at - env.now)
        self.relief.succeed(env.now)
        yield from self.ctx.fail_and_return(ac, crew, board, launch, env.now - launch)

    # -- 3. on station -------------------------------------------------------------------------
    def on_station(self, ac: Aircraft, transit: float, duty_end: float, fail_at: float) -> ProcessGenerator:
        """Stay until the window's end, bingo, `duty_end` (when the crew must head home) or a failure,
        asking a tanker and calling the relief on the way; then leave. Returns why it left."""
        env, slot = self.ctx.env, self.slot
        arrive = env.now
        self.ctx.on_station[ac.name] = (slot.station, slot.k, arrive)
        if self.ctx.rec.trace:
            self._log(ac, "on_station", f"on station for {slot.station}")
        tankers = self.ctx.tankers_for(ac)
        # With aircrews the duty limit, not the fuel, may end the sortie soon after a refuel: a tanker
        # committed then does not hold back the relief for the crew's duty end.
        duty_call = None if self.roster is None or duty_end >= self.end else duty_end - self.call_ahead
        while True:
            leave, relief_at = self._plan(ac, transit, duty_end, tankers)
            yield self._next_look(leave, relief_at, fail_at, duty_call)
            now = env.now
            if self.tanker is not None and self.tanker.done.triggered:
                self._take_fuel(ac, self.tanker.gallons)
                continue
            if now >= fail_at:
                why = FAILURE
                break
            if self._relief_due(now, leave, relief_at) and not self._tanker_committed(now, leave):
                self._call_relief(leave)
            elif self._duty_relief_due(now, duty_call, leave):
                self.relief.succeed(duty_end)  # the tanker still comes: its fuel carries it to then
            if now >= leave:
                why = WINDOW_CLOSED if now >= self.end else BINGO_OR_DUTY
                break
        self._leave(ac, arrive, why)
        return why

    def _plan(
        self, ac: Aircraft, transit: float, duty_end: float, tankers: tuple[str, ...]
    ) -> tuple[float, float]:
        """When it must leave and when to call its relief, from the fuel on board now; calls a tanker
        if bingo would come before the window's end and the crew's duty limit."""
        now = self.ctx.env.now
        bingo = now + ac.hours_left(now, transit)
        if self.tanker is not None and self.tanker.in_contact:
            # taking fuel: stay until the transfer ends, on the reserve if need be, never beyond it
            bingo = max(bingo, now + min(1 / 60, ac.hours_to_dry(now, transit)))
        leave = max(now, min(self.end, bingo, duty_end))
        relief_at = max(now, leave - self.call_ahead)
        if self.tanker is None and tankers and not self.relief.triggered and bingo < min(self.end, duty_end):
            self._ask_tanker(ac, tankers, bingo, relief_at)
        return leave, relief_at

    def _next_look(
        self, leave: float, relief_at: float, fail_at: float, duty_call: float | None = None
    ) -> simpy.Event:
        """The next moment anything can change: leaving, a failure, calling the relief (unless a tanker
        is committed; with aircrews, then at `duty_call` for the duty end), or the tanker's fuel."""
        env, tanker = self.ctx.env, self.tanker
        times = [leave, fail_at]
        committed = tanker is not None and tanker.assigned
        if not self.relief.triggered and leave < self.end and not committed:
            times.append(relief_at)
        if not self.relief.triggered and committed and duty_call is not None:
            times.append(max(env.now, duty_call))
        step = env.timeout(min(times) - env.now)
        if tanker is not None and not tanker.done.triggered:
            return step | tanker.done
        return step

    def _ask_tanker(self, ac: Aircraft, tankers: tuple[str, ...], bingo: float, relief_at: float) -> None:
        """Call a tanker to meet early enough that the transfer (mean length) ends a margin before bingo."""
        env = self.ctx.env
        transfer_h = max(self.ctx.by_type[x].transfer_min.mean for x in tankers) / 60
        meet_at = max(env.now, bingo - TANKER_MARGIN_H - transfer_h)
        self.tanker = TankerRequest(env, ac, self.slot.over, meet_at, relief_at)
        env.process(TankerRun(self.ctx, self.tanker, tankers, self.slot.priority).run())

    def _take_fuel(self, ac: Aircraft, gallons: float) -> None:
        """The tanker is done: take its fuel (none if it came too late); a later bingo may call another."""
        self.tanker = None
        if gallons > 0:
            now = self.ctx.env.now
            ac.burn_to(now)
            ac.set_fuel(min(ac.fuel + gallons, float(ac.t.fuel_capacity_gal)))
            ac.ledger.air_refuels += 1
            if self.ctx.rec.trace:
                self._log(ac, "air_refuel", f"took {gallons:.0f} gal from a tanker")

    # -- 4. relief -----------------------------------------------------------------------------
    def _relief_due(self, now: float, leave: float, relief_at: float) -> bool:
        """The relief has not been called, the window goes on after it leaves, and it is time."""
        return not self.relief.triggered and leave < self.end and now >= relief_at

    def _duty_relief_due(self, now: float, duty_call: float | None, leave: float) -> bool:
        """With aircrews: the relief for the crew's duty end is due while a tanker is committed."""
        return (
            duty_call is not None
            and not self.relief.triggered
            and now >= duty_call
            and self._tanker_committed(now, leave)
        )

    def _tanker_committed(self, now: float, leave: float) -> bool:
        """A tanker and crew are committed to this aircraft before it must leave: no relief yet."""
        return self.tanker is not None and self.tanker.assigned and now < leave

    def _call_relief(self, leave: float) -> None:
        """Ask for the next aircraft for when this one leaves; a tanker still called is not needed."""
        if self.tanker is not None:
            self.tanker.withdraw()
            self.tanker = None
        self.relief.succeed(leave)

    # -- leaving (then 5. return and 6. turnaround, in `run`) -------------------------------------
    def _leave(self, ac: Aircraft, arrive: float, why: str) -> None:
        """Off station: record the span, withdraw a tanker call, and call the relief if not yet done."""
        now = self.ctx.env.now
        if self.tanker is not None:
            self.tanker.withdraw()
        del self.ctx.on_station[ac.name]
        self.slot.totals.on_station[self.slot.k].append((arrive, now))
        if not self.relief.triggered:
            self.relief.succeed(now if now < self.end else self.end)
        if self.ctx.rec.trace:
            self._log(ac, "on_station", f"left {self.slot.station}: {why}")

    def _log(self, ac: Aircraft, kind: str, detail: str) -> None:
        over = self.slot.over
        self.ctx.rec.log(self.ctx.env.now, kind, self.ctx.site_city(over), over, ac.name, detail)
