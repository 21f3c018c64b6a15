"""Delegations: arrival flight, escorted movements (programme and unscheduled), departure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import MovementRecord, Recorder
from sim.model.timeline import Clock
from sim.model.travel import TravelTimes
from sim.scenario.schema import Delegation

__all__ = ["DelegationPlan", "DelegationTimes", "delegation_plan", "delegation_process", "delegation_times"]


@dataclass(frozen=True)
class DelegationPlan:
    """One delegation's random draws, made up front from its own stream (common random numbers)."""

    name: str
    arrival_due_h: float
    arrival_h: float
    departure_flight_h: float
    programme: list[tuple[float, str, float]]  # (due_h, destination, dwell_h)
    unscheduled: list[tuple[float, float]]  # (time_h, duration_h)


@dataclass(frozen=True)
class DelegationTimes:
    """A delegation's scheduled times in model hours: the same in every replication, for every copy."""

    arrival_due_h: float
    departure_due_h: float
    programme_h: list[float]  # each programme movement's time
    unscheduled_h: tuple[float, float]  # unscheduled trips from, to


def delegation_times(d: Delegation, clock: Clock) -> DelegationTimes:
    """Read a delegation's scheduled times on `clock`, its city's."""
    arrival, departure = clock.hours(d.arrival.scheduled), clock.hours(d.departure.scheduled)
    u = d.unscheduled
    lo = clock.hours(u.first) if u is not None and u.first else arrival
    hi = clock.hours(u.last) if u is not None and u.last else departure
    return DelegationTimes(arrival, departure, [clock.hours(m.at) for m in d.programme], (lo, hi))


def delegation_plan(
    name: str, d: Delegation, clock: Clock, rng: np.random.Generator, times: DelegationTimes | None = None
) -> DelegationPlan:
    """Draw a delegation's flight delays, dwell times and unscheduled trips (`times`, its scheduled
    times on `clock`, where the caller has them already)."""
    if times is None:
        times = delegation_times(d, clock)
    due = times.arrival_due_h
    arrival = due + d.arrival.delay_min.sample(rng) / 60
    departure = times.departure_due_h + d.departure.delay_min.sample(rng) / 60
    programme = [
        (at, m.to, m.dwell_min.sample(rng) / 60) for at, m in zip(times.programme_h, d.programme, strict=True)
    ]
    trips: list[tuple[float, float]] = []
    u = d.unscheduled
    if u is not None and u.rate_per_day > 0:
        lo, hi = times.unscheduled_h
        t = lo
        while True:
            t += rng.exponential(24 / u.rate_per_day)
            if t >= hi:
                break
            trips.append((t, u.duration_min.sample(rng) / 60))
    return DelegationPlan(name, due, arrival, departure, programme, trips)


class _Movements:
    """Runs escorted movements for one delegation and records them."""

    def __init__(
        self, env: simpy.Environment, board: CityBoard, rec: Recorder, name: str, d: Delegation, team: int,
        priority: int, travel: TravelTimes,
    ) -> None:  # fmt: skip
        self.env, self.board, self.rec, self.name, self.d = env, board, rec, name, d
        self.team, self.priority, self.travel = team, priority, travel

    def move(self, kind: str, origin: str, dest: str, due: float, hold_h: float) -> ProcessGenerator:
        env, board, rec = self.env, self.board, self.rec
        requested = env.now
        nan = float("nan")
        movement = (self.name, kind, board.city, origin, dest, due, requested)
        rec.movements.append(MovementRecord(*movement, nan, nan))
        index = len(rec.movements) - 1
        task = board.request("escort", self.name, origin, self.d.escort_forces, self.team, self.priority)
        yield task.event
        started = env.now
        rec.movements[index] = MovementRecord(*movement, started, nan)  # not `_replace`: 3x the cost
        if rec.trace:
            wait = (started - requested) * 60
            rec.log(
                started,
                "escort",
                board.city,
                origin,
                self.name,
                f"team of {self.team} assigned after {wait:.1f} min",
            )
            rec.log(started, "movement", board.city, origin, self.name, f"{kind} {origin} -> {dest} starts")
        yield env.timeout(hold_h)
        board.release(task)
        rec.movements[index] = MovementRecord(*movement, started, env.now)
        if rec.trace:
            rec.log(env.now, "movement", board.city, dest, self.name, f"{kind} ends at {dest}")
            rec.log(env.now, "escort", board.city, dest, self.name, "team released")


def delegation_process(
    env: simpy.Environment,
    board: CityBoard,
    rec: Recorder,
    plan: DelegationPlan,
    d: Delegation,
    team: int,
    priority: int,
    travel: TravelTimes,
    horizon_h: float,
) -> ProcessGenerator:
    """Arrive, go to the hotel, run the programme in order, and leave for the departure flight.

    Unscheduled trips (ministers and staff moving on their own) run alongside and do not move the
    principal. Each movement waits for an escort team and holds it for road time plus dwell.
    """
    mv = _Movements(env, board, rec, plan.name, d, team, priority, travel)
    minutes = travel.minutes
    if plan.arrival_h >= horizon_h:
        return
    yield env.timeout(max(0.0, plan.arrival_h - env.now))
    if rec.trace:
        late = (plan.arrival_h - plan.arrival_due_h) * 60
        rec.log(env.now, "arrival", board.city, d.arrival.airport, plan.name,
                f"landed, {late:.0f} min after schedule")  # fmt: skip
    for t, dur in plan.unscheduled:
        if plan.arrival_h <= t < horizon_h:
            env.process(_unscheduled(env, mv, d.hotel, t, dur))
    here = d.arrival.airport
    yield from mv.move("arrival", here, d.hotel, env.now, minutes(here, d.hotel) / 60)
    here = d.hotel
    for due, dest, dwell in plan.programme:
        if due > env.now:
            yield env.timeout(due - env.now)
        yield from mv.move("programme", here, dest, due, minutes(here, dest) / 60 + dwell)
        here = dest
    to_airport = minutes(here, d.departure.airport) / 60
    leave_at = plan.departure_flight_h - to_airport
    if leave_at > env.now:
        yield env.timeout(leave_at - env.now)
    yield from mv.move("departure", here, d.departure.airport, max(leave_at, 0.0), to_airport)
    if rec.trace:
        rec.log(env.now, "departure", board.city, d.departure.airport, plan.name, "departed")


def _unscheduled(
    env: simpy.Environment, mv: _Movements, site: str, t: float, duration_h: float
) -> ProcessGenerator:
    yield env.timeout(t - env.now)
    yield from mv.move("unscheduled", site, site, t, duration_h)
