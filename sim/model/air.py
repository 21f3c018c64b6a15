"""Air operations: sortie cycles that keep aircraft on station, aerial refuelling, failures, repairs,
maintenance, and turnarounds that draw fuel from the base's fuel point.

A station requirement of `count` aircraft is kept by `count` slots. Each slot launches a sortie so that
it arrives when it is needed; the aircraft on station leaves at the first of: the window's end, bingo
fuel (enough left to fly home plus the reserve), its crew's duty limit, or a failure. Its relief is
launched `lead` hours before it must leave (at once after a failure). An air-refuelable aircraft asks a
tanker to meet it before bingo; if the tanker has taken off by the time the relief would launch, the
relief waits and the receiver stays on with the fuel the tanker gives. Coverage is lost whenever no
aircraft, crew or fuel is ready in time; it is recorded per slot as on-station intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.model.board import CityBoard
from sim.model.fuel import FuelStation
from sim.model.record import Gap, Recorder
from sim.scenario.air import AircraftType

__all__ = ["AirOps", "Aircraft", "AircraftLedger", "StationTotals"]

KT_TO_KMH = 1.852
TANKER_MARGIN_H = 0.25  # the tanker is asked to meet its receiver this long before the receiver's bingo


@dataclass
class AircraftLedger:
    """One aircraft's flying and down time over the run."""

    type: str
    base: str
    city: str
    flight_h: float = 0.0
    down_h: float = 0.0
    sorties: int = 0
    failures: int = 0
    maintenances: int = 0
    air_refuels: int = 0
    offloaded_gal: float = 0.0


@dataclass
class StationTotals:
    """An air coverage requirement's aircraft-hours: required and on station."""

    type: str
    city: str
    site: str
    required_ah: float = 0.0
    on_station_ah: float = 0.0
    windows: list[list[tuple[float, float]]] = field(default_factory=list)  # per slot
    on_station: list[list[tuple[float, float]]] = field(default_factory=list)  # per slot


class Aircraft:
    """An airframe: its type, base, fuel on board and hours since maintenance."""

    def __init__(self, name: str, type_name: str, t: AircraftType, base: str, city: str) -> None:
        self.name, self.type_name, self.t, self.base, self.city = name, type_name, t, base, city
        self.fuel = float(t.fuel_capacity_gal)
        self.fuel_t = 0.0
        self.airborne = False
        self.since_maint = 0.0
        self.launched_h: float | None = None  # in the air since (None on the ground)
        self.next_failure_fh: float | None = None  # cumulative flight hours of the next failure
        self.down_from: float | None = None  # under repair or maintenance since
        self.ledger = AircraftLedger(type_name, base, city)

    def burn_to(self, now: float) -> None:
        """Burn fuel for the time flown since the last update."""
        if self.airborne:
            self.fuel -= self.t.burn_gal_per_h * (now - self.fuel_t)
        self.fuel_t = now

    def hours_left(self, now: float, home_h: float) -> float:
        """Hours it can stay before it must head home with its reserve."""
        self.burn_to(now)
        reserve = self.t.burn_gal_per_h * (self.t.reserve_min / 60 + home_h)
        return max(0.0, (self.fuel - reserve) / self.t.burn_gal_per_h)


class Fleet:
    """Ready aircraft, handed to waiting requests by priority, nearest aircraft first."""

    def __init__(self, env: simpy.Environment, transit_h: Callable[[Aircraft, str], float]) -> None:
        self.env = env
        self.transit_h = transit_h
        self.idle: list[Aircraft] = []
        self.waiting: list[tuple[tuple[int, int], tuple[str, ...], str, simpy.Event]] = []
        self._seq = 0

    def acquire(self, types: tuple[str, ...], over: str, priority: int) -> simpy.Event:
        """An event that fires with the nearest ready aircraft of one of `types`."""
        event = self.env.event()
        self._seq += 1
        self.waiting.append(((priority, self._seq), types, over, event))
        self.waiting.sort(key=lambda w: w[0])
        self._match()
        return event

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request; an aircraft it already got goes back to the ready line."""
        self.waiting = [w for w in self.waiting if w[3] is not event]
        if event.triggered:
            self.put_back(event.value)

    def put_back(self, ac: Aircraft) -> None:
        self.idle.append(ac)
        self._match()

    def _match(self) -> None:
        for w in list(self.waiting):
            _, types, over, event = w
            fits = [a for a in self.idle if a.type_name in types]
            if not fits:
                continue
            # nearest first; among equals, the one that has flown least, to share the wear
            best = min(fits, key=lambda a: (self.transit_h(a, over), a.ledger.flight_h, a.name))
            self.idle.remove(best)
            self.waiting.remove(w)
            event.succeed(best)


class _TankerRequest:
    """A receiver's call for fuel: meet it over `over` at `meet_at`; decide by `decide_at`."""

    def __init__(
        self, env: simpy.Environment, receiver: Aircraft, over: str, meet_at: float, decide_at: float
    ) -> None:
        self.receiver, self.over, self.meet_at, self.decide_at = receiver, over, meet_at, decide_at
        self.assigned = False  # a tanker and its crew are committed
        self.in_contact = False  # the tanker is alongside, transferring fuel
        self.receiver_gone = False
        self.done = env.event()
        self.cancelled = env.event()

    def withdraw(self) -> None:
        """The receiver no longer wants (or can no longer take) the fuel."""
        self.receiver_gone = True
        if not self.cancelled.triggered:
            self.cancelled.succeed()


class AirOps:
    """All aircraft, stations and tankers of one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        rec: Recorder,
        boards: dict[str, CityBoard],
        fuel_at: dict[str, FuelStation],
        site_km: Callable[[str, str], float],
        site_city: Callable[[str], str],
        rng_for: Callable[[str], np.random.Generator],
        tanker_types: dict[str, tuple[str, ...]],
    ) -> None:
        self.env, self.rec, self.boards, self.fuel_at = env, rec, boards, fuel_at
        self.site_km, self.site_city, self.rng_for = site_km, site_city, rng_for
        self.tanker_types = tanker_types  # receiver type -> tanker types that serve it
        self.fleet = Fleet(env, self.transit_h)
        self.aircraft: list[Aircraft] = []
        self.by_type: dict[str, AircraftType] = {}
        self.stations: dict[str, StationTotals] = {}
        self.on_station: dict[str, tuple[str, int, float]] = {}  # aircraft -> (station, slot, since)

    # -- geometry -------------------------------------------------------------------------------
    def transit_h(self, ac: Aircraft, over: str) -> float:
        return self.site_km(ac.base, over) / (ac.t.cruise_kt * KT_TO_KMH)

    def lead_h(self, types: tuple[str, ...], over: str) -> float:
        """Transit from the nearest base holding one of `types`: how early to start a relief."""
        fits = [self.transit_h(a, over) for a in self.aircraft if a.type_name in types]
        return min(fits, default=0.0)

    # -- set-up ---------------------------------------------------------------------------------
    def add_aircraft(self, ac: Aircraft) -> None:
        self.aircraft.append(ac)
        self.by_type[ac.type_name] = ac.t
        self.fleet.idle.append(ac)

    def add_station(
        self, name: str, type_name: str, over: str, priority: int, slots: list[list[tuple[float, float]]]
    ) -> None:
        """A coverage requirement: one list of (start_h, end_h) windows per slot."""
        totals = StationTotals(type_name, self.site_city(over), over)
        totals.windows = slots
        totals.on_station = [[] for _ in slots]
        totals.required_ah = sum(b - a for windows in slots for a, b in windows)
        self.stations[name] = totals
        for k, windows in enumerate(slots):
            self.env.process(self._slot(name, k, type_name, over, priority, windows))

    # -- station keeping ------------------------------------------------------------------------
    def _slot(
        self, name: str, k: int, type_name: str, over: str, priority: int, windows: list[tuple[float, float]]
    ) -> Generator[simpy.Event, None, None]:
        for a, b in windows:
            need = a
            while need < b:
                relief = self.env.event()
                self.env.process(self._sortie(name, k, type_name, over, priority, need, b, relief))
                need = yield relief

    def _sortie(
        self, station: str, k: int, type_name: str, over: str, priority: int, need: float, end: float,
        relief: simpy.Event,
    ) -> Generator[simpy.Event, None, None]:  # fmt: skip
        env, rec = self.env, self.rec
        lead = self.lead_h((type_name,), over)
        if need - lead > env.now:
            yield env.timeout(need - lead - env.now)
        ac = yield self.fleet.acquire((type_name,), over, priority)
        t = ac.t
        board = self.boards[ac.city]
        crew = board.request("aircrew", ac.name, ac.base, [t.operator], t.crew, priority, "aviation")
        yield crew.event
        transit = self.transit_h(ac, over)
        if need - transit > env.now:
            yield env.timeout(need - transit - env.now)
        if env.now + transit >= end:  # it could not get there before the window closes
            board.release(crew)
            self.fleet.put_back(ac)
            relief.succeed(end)
            return
        launch = env.now
        fail_at = launch + self._flight_hours_to_failure(ac)
        ac.airborne, ac.fuel_t, ac.launched_h = True, launch, launch
        ac.ledger.sorties += 1
        if rec.trace:
            rec.log(launch, "sortie", ac.city, ac.base, ac.name, f"launched for {station} (slot {k + 1})")
        if fail_at < launch + transit:
            yield env.timeout(fail_at - env.now)
            relief.succeed(env.now)
            yield from self._fail_and_return(ac, crew, board, launch, env.now - launch)
            return
        yield env.timeout(transit)
        arrive = env.now
        self.on_station[ac.name] = (station, k, arrive)
        if rec.trace:
            rec.log(arrive, "on_station", self.site_city(over), over, ac.name, f"on station for {station}")
        signalled = False
        tanker: _TankerRequest | None = None
        failed = False
        while True:
            stay = ac.hours_left(env.now, transit)
            bingo = env.now + stay
            duty_end = launch + t.crew_duty_h - transit
            if tanker is not None and tanker.in_contact:
                bingo = max(bingo, env.now + 1 / 60)  # taking fuel: stay until the transfer ends
            leave = max(env.now, min(end, bingo, duty_end))
            tanker_types = tuple(x for x in self.tanker_types.get(type_name, ()) if x in self.by_type)
            relief_at = max(env.now, leave - lead)
            if tanker is None and tanker_types and not signalled and bingo < min(end, duty_end):
                # meet early enough that the transfer (mean length) ends a margin before bingo
                transfer_h = max(self.by_type[x].transfer_min.mean for x in tanker_types) / 60
                meet_at = max(env.now, bingo - TANKER_MARGIN_H - transfer_h)
                tanker = _TankerRequest(env, ac, over, meet_at, relief_at)
                env.process(self._tanker_run(tanker, tanker_types, priority))
            times = [leave, fail_at]
            if not signalled and leave < end and not (tanker is not None and tanker.assigned):
                times.append(relief_at)
            step = env.timeout(min(times) - env.now)
            if tanker is not None and not tanker.done.triggered:
                yield step | tanker.done
            else:
                yield step
            now = env.now
            if tanker is not None and tanker.done.triggered:
                gallons = tanker.done.value
                tanker = None
                if gallons > 0:
                    ac.burn_to(now)
                    ac.fuel = min(ac.fuel + gallons, float(t.fuel_capacity_gal))
                    ac.ledger.air_refuels += 1
                    if rec.trace:
                        rec.log(now, "air_refuel", self.site_city(over), over, ac.name,
                                f"took {gallons:.0f} gal from a tanker")  # fmt: skip
                continue
            if now >= fail_at:
                failed = True
                break
            if not signalled and leave < end and now >= relief_at:
                if tanker is not None and tanker.assigned and now < leave:
                    continue  # a tanker is committed: no relief yet
                if tanker is not None:
                    tanker.withdraw()
                    tanker = None
                signalled = True
                relief.succeed(leave)
            if now >= leave:
                break
        if tanker is not None:
            tanker.withdraw()
        del self.on_station[ac.name]
        self.stations[station].on_station[k].append((arrive, env.now))
        if not signalled:
            relief.succeed(env.now if env.now < end else end)
        if rec.trace:
            why = "failure" if failed else ("window closed" if env.now >= end else "bingo or crew duty")
            rec.log(env.now, "on_station", self.site_city(over), over, ac.name, f"left {station}: {why}")
        if failed:
            yield from self._fail_and_return(ac, crew, board, launch, transit)
            return
        yield env.timeout(transit)
        yield from self._land(ac, crew, board, launch)

    def _flight_hours_to_failure(self, ac: Aircraft) -> float:
        """Flight hours left before this aircraft's next failure.

        Failures are drawn on each aircraft's own flight-hour clock (exponential gaps, so the same
        law as a fresh draw per sortie), which keeps them at the same flight hours at every troop
        level: common random numbers survive a change in how sorties are scheduled.
        """
        rate = ac.t.failure_per_flight_h
        if not rate:
            return math.inf
        if ac.next_failure_fh is None:
            ac.next_failure_fh = self.rng_for(f"air.failure.{ac.name}").exponential(1 / rate)
        return ac.next_failure_fh - ac.ledger.flight_h

    # -- after the flight -----------------------------------------------------------------------
    def _fail_and_return(
        self, ac: Aircraft, crew, board: CityBoard, launch: float, home_h: float
    ) -> Generator[simpy.Event, None, None]:
        env, rec = self.env, self.rec
        ac.ledger.failures += 1
        # This failure is used up: draw the next now. Waiting for the landing to see that the clock
        # passed it can miss it by a rounding error, and the aircraft would fail again at its next
        # launch after no flight at all.
        assert ac.next_failure_fh is not None
        ac.next_failure_fh += self.rng_for(f"air.failure.{ac.name}").exponential(
            1 / ac.t.failure_per_flight_h
        )
        if rec.trace:
            rec.log(env.now, "failure", ac.city, ac.base, ac.name, f"failed in flight; {home_h:.2f} h home")
        yield env.timeout(home_h)
        yield from self._land(ac, crew, board, launch, repair=True)

    def _land(
        self, ac: Aircraft, crew, board: CityBoard, launch: float, repair: bool = False
    ) -> Generator[simpy.Event, None, None]:
        env = self.env
        ac.burn_to(env.now)
        ac.airborne, ac.launched_h = False, None
        flown = env.now - launch
        ac.ledger.flight_h += flown
        ac.since_maint += flown
        board.release(crew)
        rate = ac.t.failure_per_flight_h
        if rate:
            rng = self.rng_for(f"air.failure.{ac.name}")
            if ac.next_failure_fh is None:
                ac.next_failure_fh = rng.exponential(1 / rate)
            while ac.next_failure_fh <= ac.ledger.flight_h:
                if not repair:  # failed on the way home (or on a tanker sortie): repaired on landing
                    ac.ledger.failures += 1
                    repair = True
                    if self.rec.trace:
                        self.rec.log(
                            env.now,
                            "failure",
                            ac.city,
                            ac.base,
                            ac.name,
                            "failed in flight; found on landing",
                        )
                ac.next_failure_fh += rng.exponential(1 / rate)
        yield from self.turnaround(ac, repair)

    def turnaround(self, ac: Aircraft, repair: bool = False) -> Generator[simpy.Event, None, None]:
        """Repair if failed, refuel from the base's fuel point, service, maintain when due; then ready."""
        env, rec, t = self.env, self.rec, ac.t
        if repair:
            hours = t.repair_h.sample(self.rng_for(f"air.repair.{ac.name}"))
            ac.down_from = env.now
            yield env.timeout(hours)
            ac.down_from = None
            ac.ledger.down_h += hours
            if rec.trace:
                rec.log(env.now, "repair", ac.city, ac.base, ac.name, f"repaired after {hours:.2f} h")
        gallons = int(t.fuel_capacity_gal - ac.fuel)
        point = self.fuel_at.get(ac.base)
        if gallons > 0:
            if point is not None:
                yield from point.draw(gallons, ac.name)
            ac.fuel += gallons
            if rec.trace:
                stock = f"; stock {point.level} gal" if point is not None else ""
                rec.log(env.now, "refuel", ac.city, ac.base, ac.name, f"{gallons} gal{stock}")
        yield env.timeout(t.turnaround_min.sample(self.rng_for(f"air.turnaround.{ac.name}")) / 60)
        due = t.maintenance_every_flight_h
        if due is not None and ac.since_maint >= due:
            hours = t.maintenance_h.sample(self.rng_for(f"air.maintenance.{ac.name}"))
            if rec.trace:
                rec.log(env.now, "maintenance", ac.city, ac.base, ac.name,
                        f"after {ac.since_maint:.1f} flight hours, {hours:.1f} h")  # fmt: skip
            ac.down_from = env.now
            yield env.timeout(hours)
            ac.down_from = None
            ac.ledger.down_h += hours
            ac.ledger.maintenances += 1
            ac.since_maint = 0.0
        self.fleet.put_back(ac)

    # -- tankers --------------------------------------------------------------------------------
    def _tanker_run(
        self, req: _TankerRequest, types: tuple[str, ...], priority: int
    ) -> Generator[simpy.Event, None, None]:
        env, rec = self.env, self.rec
        lead = self.lead_h(types, req.over)
        # Secure a tanker and crew in time for the receiver's relief decision, and to launch.
        wake = min(req.meet_at - lead, req.decide_at) - TANKER_MARGIN_H
        if wake > env.now:
            yield env.timeout(wake - env.now) | req.cancelled
            if req.cancelled.triggered:
                return
        got = self.fleet.acquire(types, req.over, priority)
        yield got | req.cancelled
        if not got.triggered or req.cancelled.triggered:
            self.fleet.cancel(got)
            return
        tk: Aircraft = got.value
        board = self.boards[tk.city]
        crew = board.request("aircrew", tk.name, tk.base, [tk.t.operator], tk.t.crew, priority, "aviation")
        yield crew.event | req.cancelled
        if not crew.event.triggered or req.cancelled.triggered:
            board.cancel(crew)
            self.fleet.put_back(tk)
            return
        req.assigned = True
        transit = self.transit_h(tk, req.over)
        if req.meet_at - transit > env.now:
            yield env.timeout(req.meet_at - transit - env.now) | req.cancelled
            if req.cancelled.triggered:
                board.release(crew)
                self.fleet.put_back(tk)
                return
        launch = env.now
        tk.airborne, tk.fuel_t, tk.launched_h = True, launch, launch
        tk.ledger.sorties += 1
        if rec.trace:
            rec.log(launch, "tanker", tk.city, tk.base, tk.name, f"launched to refuel {req.receiver.name}")
        yield env.timeout(transit)
        req.in_contact = not req.receiver_gone
        yield env.timeout(tk.t.transfer_min.sample(self.rng_for(f"air.transfer.{tk.name}")) / 60)
        gallons = 0.0
        if not req.receiver_gone:
            r = req.receiver
            r.burn_to(env.now)
            gallons = min(tk.t.offload_gal, r.t.fuel_capacity_gal - r.fuel)
        tk.ledger.offloaded_gal += gallons
        if not req.done.triggered:
            req.done.succeed(gallons)
        if rec.trace:
            rec.log(
                env.now, "tanker", tk.city, req.over, tk.name, f"offloaded {gallons:.0f} gal; heading home"
            )
        yield env.timeout(transit)
        # The offloaded fuel came from the tanker's tanks: it is drawn again at the turnaround.
        tk.burn_to(env.now)
        tk.fuel -= gallons
        tk.fuel = max(tk.fuel, 0.0)
        yield from self._land(tk, crew, board, launch)

    # -- end of run -----------------------------------------------------------------------------
    def finish(self, horizon_h: float) -> None:
        """Close the books at the end of the run: count on-station time within the windows (an aircraft
        still on station counts up to the end), record each slot's coverage gaps, and add the flight
        and down time of sorties, repairs and maintenance still under way."""
        for station, k, since in self.on_station.values():
            self.stations[station].on_station[k].append((since, horizon_h))
        self.on_station.clear()
        for ac in self.aircraft:
            if ac.launched_h is not None:
                ac.ledger.flight_h += horizon_h - ac.launched_h
            if ac.down_from is not None:
                ac.ledger.down_h += horizon_h - ac.down_from
        for name, st in self.stations.items():
            on_total = 0.0
            for windows, spans in zip(st.windows, st.on_station, strict=True):
                covered = _clip(spans, windows)
                on_total += sum(b - a for a, b in covered)
                for a, b in _subtract(windows, covered):
                    self.rec.gap(Gap("air", name, st.city, st.site, a, b, 1, False))
            st.on_station_ah = on_total


def _clip(spans: list[tuple[float, float]], windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for a, b in spans:
        for wa, wb in windows:
            lo, hi = max(a, wa), min(b, wb)
            if hi > lo:
                out.append((lo, hi))
    return sorted(out)


def _subtract(
    windows: list[tuple[float, float]], covered: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    out = []
    for wa, wb in windows:
        t = wa
        for a, b in covered:
            if b <= t or a >= wb:
                continue
            if a > t:
                out.append((t, a))
            t = max(t, b)
        if t < wb:
            out.append((t, wb))
    return out
