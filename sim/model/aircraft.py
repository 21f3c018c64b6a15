"""Aircraft and what sorties and tanker runs share: the ready line (`Fleet`), each airframe's
flight-hour failure clock, and the landing and turnaround that end every flight.

After landing an aircraft is repaired if it failed, refuelled from its base's fuel point, serviced for
its turnaround time and maintained when due; then it joins the ready line again.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import cast

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.aircrews import Crew, CrewRoster
from sim.model.board import CityBoard, Task
from sim.model.fuel import FuelStation
from sim.model.record import AircraftLedger, Recorder
from sim.scenario.air import AircraftType
from sim.scenario.types import MIN_ON_STATION_H

__all__ = ["KT_TO_KMH", "AirContext", "Aircraft", "CrewHold", "Fleet"]

KT_TO_KMH = 1.852
FULL_TOLERANCE_GAL = 1e-6  # a refuel this close to the capacity fills the tanks exactly

CrewHold = Task | Crew  # a crew from a duty board (types without `aircrew`) or a dedicated aircrew


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
        self.set_fuel(self.fuel)

    def set_fuel(self, gallons: float) -> None:
        """Fuel aboard is now `gallons`; the ledger keeps the least and most ever aboard."""
        self.fuel = gallons
        self.ledger.fuel_low_gal = min(self.ledger.fuel_low_gal, gallons)
        self.ledger.fuel_high_gal = max(self.ledger.fuel_high_gal, gallons)

    def take_off(self, now: float) -> None:
        """In the air from `now`: fuel burns from here, and the sortie counts."""
        self.airborne, self.fuel_t, self.launched_h = True, now, now
        self.ledger.sorties += 1

    def burn_to(self, now: float) -> None:
        """Burn fuel for the time flown since the last update."""
        if self.airborne:
            self.set_fuel(self.fuel - self.t.burn_gal_per_h * (now - self.fuel_t))
        self.fuel_t = now

    def hours_left(self, now: float, home_h: float) -> float:
        """Hours it can stay before it must head home with its reserve."""
        self.burn_to(now)
        reserve = self.t.burn_gal_per_h * (self.t.reserve_min / 60 + home_h)
        return max(0.0, (self.fuel - reserve) / self.t.burn_gal_per_h)

    def hours_to_dry(self, now: float, home_h: float) -> float:
        """Hours it can stay and still fly home, the reserve used up: the most it may stay in contact
        with a tanker that is late."""
        self.burn_to(now)
        return max(0.0, self.fuel / self.t.burn_gal_per_h - home_h)


class Fleet:
    """Ready aircraft, handed to waiting requests by priority, nearest aircraft first.

    Between calls no waiting request fits a ready aircraft (it would have been given one), so a new
    request can only be served by the best ready aircraft for it, and an aircraft put back only goes to
    the first waiting request it fits. Ready aircraft are kept by (type, base), the pairs that share a
    transit time to every site, each pair's least flown first (an aircraft's flight hours change only
    when it lands, never while it is ready), so a request looks at the first aircraft of the pairs that
    reach its site, nearest first, not at every aircraft of a big fleet.
    """

    def __init__(
        self,
        env: simpy.Environment,
        transit_h: Callable[[Aircraft, str], float],
        reaches: Callable[[Aircraft, str], bool],
    ) -> None:
        self.env = env
        self.transit_h = transit_h
        self.reaches = reaches
        self.idle: dict[tuple[str, str], list[Aircraft]] = {}  # ready aircraft by (type, base)
        self.waiting: list[tuple[tuple[int, int], tuple[str, ...], str, simpy.Event]] = []
        self._seq = 0
        self._one_of: dict[tuple[str, str], Aircraft] = {}  # an aircraft of each (type, base)
        # (types, site) -> the (type, base) pairs that reach the site, nearest first, with their transit
        self._nearest: dict[tuple[tuple[str, ...], str], list[tuple[float, tuple[str, str]]]] = {}

    def add(self, ac: Aircraft) -> None:
        """Put an aircraft on the ready line at the start of a run (before any request)."""
        key = (ac.type_name, ac.base)
        if key not in self._one_of:
            self._one_of[key] = ac
            self._nearest.clear()
        self._ready(ac)

    def acquire(self, types: tuple[str, ...], over: str, priority: int) -> simpy.Event:
        """An event that fires with the nearest ready aircraft of one of `types` that can reach `over`
        and hold it a while (one based too far away is never sent)."""
        event = self.env.event()
        self._seq += 1
        w = ((priority, self._seq), types, over, event)
        best = self._best(types, over)
        if best is None:
            bisect.insort(self.waiting, w, key=lambda w: w[0])
        else:
            del self.idle[best.type_name, best.base][0]
            event.succeed(best)
        return event

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request; an aircraft it already got goes back to the ready line."""
        self.waiting = [w for w in self.waiting if w[3] is not event]
        if event.triggered:
            self.put_back(cast(Aircraft, event.value))

    def put_back(self, ac: Aircraft) -> None:
        """`ac` is ready again: hand it to the first waiting request it fits, if any."""
        for i, (_, types, over, event) in enumerate(self.waiting):
            if ac.type_name in types and self.reaches(ac, over):
                del self.waiting[i]
                event.succeed(ac)
                return
        self._ready(ac)

    def _ready(self, ac: Aircraft) -> None:
        """`ac` joins the ready aircraft of its (type, base), least flown first, then by name."""
        ready = self.idle.setdefault((ac.type_name, ac.base), [])
        bisect.insort(ready, ac, key=lambda a: (a.ledger.flight_h, a.name))

    def nearest(self, types: tuple[str, ...], over: str) -> list[tuple[float, tuple[str, str]]]:
        """The (type, base) pairs of one of `types` that reach `over`, nearest first, with their transit
        hours (worked out once per types and site)."""
        nearest = self._nearest.get((types, over))
        if nearest is None:
            nearest = self._nearest[types, over] = sorted(
                ((self.transit_h(ac, over), key) for key, ac in self._one_of.items()
                 if key[0] in types and self.reaches(ac, over)),
                key=lambda x: x[0],
            )  # fmt: skip
        return nearest

    def _best(self, types: tuple[str, ...], over: str) -> Aircraft | None:
        """The ready aircraft a request gets: nearest first; among equals, the one that has flown
        least, to share the wear; then by name."""
        best, best_rank = None, None
        for transit, key in self.nearest(types, over):
            if best_rank is not None and transit > best_rank[0]:
                break
            ready = self.idle.get(key)
            if ready:
                ac = ready[0]
                rank = (transit, ac.ledger.flight_h, ac.name)
                if best_rank is None or rank < best_rank:
                    best, best_rank = ac, rank
        return best


class AirContext:
    """What every sortie and tanker run of one replication shares: the clock and record, the cities'
    duty boards (for crews of types without dedicated aircrews), the dedicated aircrews by type, the
    fuel points by base, random streams, the aircraft and geometry."""

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
        self.fleet = Fleet(env, self.transit_h, self.reaches)
        self.aircraft: list[Aircraft] = []
        self.by_type: dict[str, AircraftType] = {}
        self.on_station: dict[str, tuple[str, int, float]] = {}  # aircraft -> (station, slot, since)
        self.rosters: dict[str, CrewRoster] = {}  # type -> its dedicated aircrews
        self._lead: dict[tuple[tuple[str, ...], str], float] = {}  # `lead_h`'s answers for this fleet
        # (type, base, site) -> transit hours, and whether it reaches: the fleet is matched to requests
        # by scanning the ready aircraft, so these are asked for every aircraft at every match
        self._transit: dict[tuple[str, str, str], float] = {}
        self._reaches: dict[tuple[str, str, str], bool] = {}

    def add_aircraft(self, ac: Aircraft) -> None:
        """Put an aircraft in the run, ready at its base (and its type's aircrews, if it has any)."""
        self.aircraft.append(ac)
        self._lead.clear()
        self.by_type[ac.type_name] = ac.t
        self.fleet.add(ac)
        if ac.t.aircrew is not None and ac.type_name not in self.rosters:
            self.rosters[ac.type_name] = CrewRoster(self.env, self.rec, ac.type_name, ac.t.aircrew, ac.t.crew)

    # -- geometry and tankers ------------------------------------------------------------------
    def transit_h(self, ac: Aircraft, over: str) -> float:
        """Hours for `ac` to fly from its base to the site `over`."""
        key = (ac.type_name, ac.base, over)
        hours = self._transit.get(key)
        if hours is None:
            hours = self._transit[key] = self.site_km(ac.base, over) / (ac.t.cruise_kt * KT_TO_KMH)
        return hours

    def reaches(self, ac: Aircraft, over: str) -> bool:
        """Whether `ac`, fuelled, can fly from its base to `over` and back with `MIN_ON_STATION_H` there:
        within its endurance less the reserve, and within its crew's duty (`crew_duty_h` airborne, or with
        aircrews `max_duty_h` less preflight and postflight). `validate` refuses a requirement no base of
        its type can reach; this keeps aircraft of farther bases from being sent."""
        key = (ac.type_name, ac.base, over)
        ok = self._reaches.get(key)
        if ok is None:
            ok = self._reaches[key] = self._reaches_from_base(ac, over)
        return ok

    def _reaches_from_base(self, ac: Aircraft, over: str) -> bool:
        t, need = ac.t, 2 * self.transit_h(ac, over) + MIN_ON_STATION_H
        if need + t.reserve_min / 60 > t.endurance_h:
            return False
        if t.aircrew is None:
            return need <= t.crew_duty_h
        return t.aircrew.preflight_h + need + t.aircrew.postflight_h <= t.aircrew.max_duty_h

    def lead_h(self, types: tuple[str, ...], over: str) -> float:
        """Transit from the nearest base holding one of `types` that can reach `over`: how early to start
        a relief. It depends on the fleet alone, so it is worked out once per (types, site)."""
        lead = self._lead.get((types, over))
        if lead is None:
            nearest = self.fleet.nearest(types, over)  # every aircraft's (type, base), not every aircraft
            lead = self._lead[types, over] = nearest[0][0] if nearest else 0.0
        return lead

    def tankers_for(self, ac: Aircraft) -> tuple[str, ...]:
        """The tanker types in the run that may refuel `ac`: none unless its type is `air_refuelable`."""
        if not ac.t.air_refuelable:
            return ()
        return tuple(x for x in self.tanker_types.get(ac.type_name, ()) if x in self.by_type)

    # -- the failure clock ---------------------------------------------------------------------
    def flight_hours_to_failure(self, ac: Aircraft) -> float:
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

    def _failures_found_on_landing(self, ac: Aircraft, repair: bool) -> bool:
        """Move the failure clock past the hours just flown; True if the aircraft needs a repair."""
        rate = ac.t.failure_per_flight_h
        if not rate:
            return repair
        rng = self.rng_for(f"air.failure.{ac.name}")
        if ac.next_failure_fh is None:
            ac.next_failure_fh = rng.exponential(1 / rate)
        while ac.next_failure_fh <= ac.ledger.flight_h:
            if not repair:  # failed on the way home (or on a tanker sortie): repaired on landing
                ac.ledger.failures += 1
                repair = True
                if self.rec.trace:
                    self.rec.log(
                        self.env.now,
                        "failure",
                        ac.city,
                        ac.base,
                        ac.name,
                        "failed in flight; found on landing",
                    )
            ac.next_failure_fh += rng.exponential(1 / rate)
        return repair

    # -- after the flight ----------------------------------------------------------------------
    def fail_and_return(
        self, ac: Aircraft, crew: CrewHold, board: CityBoard | None, launch: float, home_h: float
    ) -> ProcessGenerator:
        """A failure in flight: fly home (`home_h`), land and be repaired."""
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
        yield from self.land(ac, crew, board, launch, repair=True)

    def land(
        self, ac: Aircraft, crew: CrewHold, board: CityBoard | None, launch: float, repair: bool = False
    ) -> ProcessGenerator:
        """Land: count the hours flown, free the crew, then turn the aircraft around."""
        now = self.env.now
        ac.burn_to(now)
        ac.airborne, ac.launched_h = False, None
        flown = now - launch
        ac.ledger.flight_h += flown
        ac.since_maint += flown
        self.free_crew(ac, crew, board)
        repair = self._failures_found_on_landing(ac, repair)
        yield from self.turnaround(ac, repair)

    def free_crew(self, ac: Aircraft, crew: CrewHold, board: CityBoard | None, flew: bool = True) -> None:
        """The crew of `ac` is done with it: back to its duty board, or a dedicated aircrew released
        (after its postflight and rest if it flew)."""
        if isinstance(crew, Crew):
            self.rosters[ac.type_name].release(crew, ac.city, ac.base, flew)
        else:
            assert board is not None
            board.release(crew)

    def turnaround(self, ac: Aircraft, repair: bool = False) -> ProcessGenerator:
        """Repair if failed, refuel from the base's fuel point, service, maintain when due; then ready."""
        env, t = self.env, ac.t
        if repair:
            hours = t.repair_h.sample(self.rng_for(f"air.repair.{ac.name}"))
            yield from self._down(ac, hours)
            if self.rec.trace:
                self.rec.log(env.now, "repair", ac.city, ac.base, ac.name, f"repaired after {hours:.2f} h")
        yield from self._refuel(ac)
        yield env.timeout(t.turnaround_min.sample(self.rng_for(f"air.turnaround.{ac.name}")) / 60)
        due = t.maintenance_every_flight_h
        if due is not None and ac.since_maint >= due:
            hours = t.maintenance_h.sample(self.rng_for(f"air.maintenance.{ac.name}"))
            if self.rec.trace:
                self.rec.log(env.now, "maintenance", ac.city, ac.base, ac.name,
                             f"after {ac.since_maint:.1f} flight hours, {hours:.1f} h")  # fmt: skip
            yield from self._down(ac, hours)
            ac.ledger.maintenances += 1
            ac.since_maint = 0.0
        self.fleet.put_back(ac)

    def _down(self, ac: Aircraft, hours: float) -> ProcessGenerator:
        """Out of service for `hours` (a repair or maintenance), counted as down time."""
        ac.down_from = self.env.now
        yield self.env.timeout(hours)
        ac.down_from = None
        ac.ledger.down_h += hours

    def _refuel(self, ac: Aircraft) -> ProcessGenerator:
        """Fill the tanks from the base's fuel point (waiting through an outage, the fuel going in as it
        comes), or from nowhere if the base has none.

        The point dispenses whole gallons: the nearest whole number to what the tanks miss, so that the
        floating-point noise of the burn (169.99999 gal) never leaves the aircraft a gallon short, and
        the tanks never hold more than their capacity. Filled to within rounding, they are exactly full.
        So what goes into the tanks is what the point dispensed to within half a gallon a refuel.
        """
        capacity = float(ac.t.fuel_capacity_gal)
        missing = capacity - ac.fuel
        gallons = round(missing)
        if gallons <= 0:
            return

        def fill(part: float) -> None:
            before = ac.fuel
            ac.set_fuel(min(capacity, ac.fuel + part))
            ac.ledger.refuelled_gal += ac.fuel - before

        def drawn(part: int) -> None:
            ac.ledger.drawn_gal += part
            fill(part)

        point = self.fuel_at.get(ac.base)
        if point is not None:
            yield from point.draw(gallons, ac.name, drawn)
        else:
            fill(gallons)
        if abs(missing - gallons) <= FULL_TOLERANCE_GAL:
            fill(capacity - ac.fuel)
        if self.rec.trace:
            stock = f"; stock {point.level} gal" if point is not None else ""
            self.rec.log(self.env.now, "refuel", ac.city, ac.base, ac.name, f"{gallons} gal{stock}")
