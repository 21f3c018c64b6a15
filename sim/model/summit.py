"""One replication of a whole scenario: build the SimPy processes, run them, return the record."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.air import Aircraft, AirOps
from sim.model.alerts import air_alert_stream
from sim.model.board import CityBoard
from sim.model.delegations import (
    DelegationPlan,
    DelegationTimes,
    delegation_plan,
    delegation_process,
    delegation_times,
)
from sim.model.fuel import FuelStation, truck_fleet
from sim.model.incidents import incident_stream, incident_times
from sim.model.posts import post_schedule
from sim.model.record import DutyTotals, PostTotals, Recorder, ReplicationRecord
from sim.model.simpy_compat import events_scheduled
from sim.model.site_board import CENTRE, SiteBoard
from sim.model.staged import add_staged, incident_sites, staged_stream
from sim.model.streams import Streams
from sim.model.timeline import Clock, requirement_steps
from sim.model.travel import TravelTimes
from sim.model.workforce import outbreak_days, pools_of, shift_rotation, shifts
from sim.scenario.schema import Delegation, IncidentStream, Scenario

__all__ = ["run_replication"]


def run_replication(
    scenario: Scenario,
    replication: int = 0,
    *,
    seed: int | None = None,
    troops: int | None = None,
    trace: bool = False,
) -> ReplicationRecord:
    """Run replication `replication` of `scenario` and return what it recorded.

    `seed` defaults to the scenario's; `troops` sets the swept force's headcount. Random numbers come
    from streams keyed by (seed, replication, stream name), so the same replication at another troop
    level sees the same flights, trips and incidents. With `trace`, every event is kept for the log.
    """
    with _young_collections_spaced():
        plan = _plan(scenario)  # of the scenario given: a troop level changes no part of the plan
        s = scenario if troops is None else scenario.with_troops(troops)
        seed = s.seed if seed is None else seed
        b = _Build.of(s, plan, seed, replication, trace)
        # The order of these steps is the order the processes start in, which orders same-time events.
        _add_shifts(b)
        _add_posts(b)
        overwatch = _add_delegations(b)
        incidents = _add_incidents(b)
        fuel = _add_fuel(b)
        air = _add_air(b, fuel, overwatch)
        _add_air_alerts(b, air, incidents)
        b.env.run(until=b.clock.horizon_h)
        return _close(b, air, fuel, replication, seed)


YOUNG_GC_THRESHOLD = 20_000  # container objects allocated between collections of the young generation


@contextlib.contextmanager
def _young_collections_spaced() -> Iterator[None]:
    """Run a replication with Python's cyclic garbage collector looking at new objects every 20,000
    allocations rather than every 700 (its default), then restore its thresholds.

    A run frees almost everything it makes by reference counting (it makes no reference cycles per
    event), so the collector has little to find; but at its default it runs every few events, and
    every object alive at that moment (more of them in a bigger scenario, where more tasks, events
    and records are in flight) is scanned and moved to an older generation, whose collections then
    cost more. Cost per event then grew with the scenario's size. Memory is unchanged: what cyclic
    garbage a run makes is still collected, just later.
    """
    old = gc.get_threshold()
    if old[0]:  # (a threshold of 0 turns automatic collection off: left so)
        gc.set_threshold(max(old[0], YOUNG_GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass(frozen=True)
class _Plan:
    """What a replication builds from the scenario alone, whatever its seed, replication or troop level
    (which changes only the forces): the clocks, the forces' shifts, the delegations' scheduled times,
    the requirement schedules of posts and air stations. Built once per scenario and shared by its
    replications, which only read it."""

    clock: Clock
    clocks: dict[str, Clock]  # each city's own: the same instants on its wall clock
    shifts: dict[tuple[str, str], list[tuple[float, float, int]]]  # (force, city): its shifts there
    delegations: dict[str, DelegationTimes]
    post_steps: dict[str, list[tuple[float, int]]]
    station_steps: dict[str, list[tuple[float, int]]]

    @classmethod
    def of(cls, s: Scenario) -> _Plan:
        clock = Clock.of(s)
        clocks = {city: clock.in_zone(s.city_tz(city)) for city in s.cities}
        rotas = {
            (fname, city): shifts(force.shift, clocks[city])
            for fname, force in s.forces.items()
            for city in force.city_names
        }
        delegations = {
            name: delegation_times(d, clocks[s.sites[d.hotel].city]) for name, d in s.delegations.items()
        }
        posts = {name: requirement_steps(p, s, clocks[s.sites[p.site].city]) for name, p in s.posts.items()}
        stations = {
            name: requirement_steps(st, s, clocks[s.sites[st.over].city], default=st.count)
            for name, st in s.air_coverage.items()
        }
        return cls(clock, clocks, rotas, delegations, posts, stations)


_PLANS: dict[int, tuple[Scenario, _Plan]] = {}
_PLANS_KEPT = 8  # scenarios whose plans are kept: a sweep or search runs a few at a time


def _plan(s: Scenario) -> _Plan:
    """The plan of this very scenario object, built on its first replication. Keyed by `id`, as a
    scenario (holding dicts) is not hashable; the entry keeps the scenario alive, so that its id is not
    reused by another while the entry stands."""
    hit = _PLANS.get(id(s))
    if hit is not None and hit[0] is s:
        return hit[1]
    plan = _Plan.of(s)
    if len(_PLANS) >= _PLANS_KEPT:
        del _PLANS[next(iter(_PLANS))]  # the oldest
    _PLANS[id(s)] = (s, plan)
    return plan


@dataclass(frozen=True)
class _Build:
    """What the builder steps share: the scenario, the SimPy environment and the run's services."""

    s: Scenario
    plan: _Plan
    env: simpy.Environment
    clock: Clock
    clocks: dict[str, Clock]  # each city's own: the same instants on its wall clock
    rec: Recorder
    travel: TravelTimes
    streams: Streams
    boards: dict[str, CityBoard]

    @classmethod
    def of(cls, s: Scenario, plan: _Plan, seed: int, replication: int, trace: bool) -> _Build:
        env = simpy.Environment()
        rec = Recorder(trace=trace)
        travel = TravelTimes(s)
        boards: dict[str, CityBoard] = {}
        for city, c in s.cities.items():
            if s.travel.between_posts:
                sites = [name for name, site in s.sites.items() if site.city == city]
                reserve = c.reserve_site or CENTRE
                boards[city] = SiteBoard(env, city, rec, sites, travel.post_minutes, reserve)
            else:
                boards[city] = CityBoard(env, city, rec)
        return cls(s, plan, env, plan.clock, plan.clocks, rec, travel, Streams(seed, replication), boards)


def _add_shifts(b: _Build) -> None:
    """Every (force, city, role) pool on its board, and the shift rotation of those with people."""
    for fname, force in b.s.forces.items():
        outbreaks = {
            city: outbreak_days(force, b.clocks[city], b.streams[f"outbreak.{fname}.{city}"])
            for city in force.city_names
            if force.outbreak is not None
        }
        for (city, role), people in pools_of(force).items():
            board = b.boards[city]
            board.add_pool(fname, role, DutyTotals())
            if people:
                rng = b.streams[f"absence.{fname}.{city}.{role}"]
                b.env.process(
                    shift_rotation(
                        b.env,
                        board,
                        fname,
                        force,
                        role,
                        b.clocks[city],
                        rng,
                        b.rec,
                        outbreaks.get(city),
                        b.clock,
                        b.plan.shifts[fname, city],
                    )
                )


def _add_posts(b: _Build) -> None:
    """Every post on its city's board, with its requirement schedule."""
    for pname, post in b.s.posts.items():
        site = b.s.sites[post.site]
        board = b.boards[site.city]
        totals = PostTotals(site.city, post.site, post.critical)
        slot = board.add_post(pname, post.site, post.forces, post.role, post.priority, totals)
        if post.roster == "fixed" and isinstance(board, SiteBoard):
            board.set_fixed(slot)
        b.env.process(post_schedule(b.env, board, slot, b.plan.post_steps[pname]))


def _add_delegations(b: _Build) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """Every delegation (each of `count` copies) and its movements; returns, for those with air
    overwatch, (delegation, hotel, movement windows)."""
    s = b.s
    overwatch: list[tuple[str, str, list[tuple[float, float]]]] = []
    for dname, d in s.delegations.items():
        tier = s.tiers[d.tier]
        team = d.escort_team or tier.escort_team
        city = s.sites[d.hotel].city
        board = b.boards[city]
        for k in range(d.count):
            name = dname if d.count == 1 else f"{dname}.{k + 1}"
            rng = b.streams[f"delegation.{name}"]
            plan = delegation_plan(name, d, b.clocks[city], rng, b.plan.delegations[dname])
            b.env.process(
                delegation_process(
                    b.env, board, b.rec, plan, d, team, tier.priority, b.travel, b.clock.horizon_h
                )
            )
            if d.air_overwatch and s.delegation_overwatch is not None:
                overwatch.append((name, d.hotel, _movement_windows(plan, d, b.travel, b.clock.horizon_h)))
    return overwatch


def _add_incidents(b: _Build) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every incident stream, its times, travel and on-scene durations drawn up front, and its ground
    response; returns each stream's (times, on-scene hours), for the air alerts."""
    drawn = {}
    for iname, inc in b.s.incidents.items():
        times = incident_times(inc, b.clocks[inc.city], b.streams[f"incidents.{iname}.times"])
        travel_h = (
            inc.travel_min.sample_many(b.streams[f"incidents.{iname}.travel"], len(times))
            if inc.travel_min is not None
            else np.zeros(len(times))
        )
        scene_h = inc.on_scene_min.sample_many(b.streams[f"incidents.{iname}.on_scene"], len(times)) / 60
        drawn[iname] = (times, scene_h)
        if inc.staged:
            _add_staged(b, iname, inc, times, scene_h)
        elif inc.ground:
            board = b.boards[inc.city]
            b.env.process(incident_stream(b.env, board, b.rec, iname, inc, times, travel_h / 60, scene_h))
    return drawn


def _add_staged(b: _Build, iname: str, inc: IncidentStream, times: np.ndarray, scene_h: np.ndarray) -> None:
    """A stream answered by staged teams: their standing posts, the incidents' sites and dispatch times
    (own streams, so the other draws are those of the same stream without staged teams)."""
    board = b.boards[inc.city]
    open_h = b.clocks[inc.city].hours(inc.first) if inc.first else 0.0
    teams = add_staged(b.env, board, b.rec, iname, inc, b.travel.minutes, open_h)
    sites = incident_sites(inc, len(times), b.streams[f"incidents.{iname}.site"])
    dispatch_h = (
        inc.dispatch_min.sample_many(b.streams[f"incidents.{iname}.dispatch"], len(times)) / 60
        if inc.dispatch_min is not None
        else np.zeros(len(times))
    )
    b.env.process(staged_stream(b.env, teams, b.rec, inc.city, iname, inc, times, sites, dispatch_h, scene_h))


def _add_air_alerts(b: _Build, air: AirOps, drawn: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Every incident stream's air alert: the same incidents and times on scene as its ground team's."""
    for iname, inc in b.s.incidents.items():
        if inc.air_alert is not None:
            times, scene_h = drawn[iname]
            scramble_h = inc.air_alert.scramble_min.sample_many(
                b.streams[f"incidents.{iname}.scramble"], len(times)
            )
            b.env.process(air_alert_stream(air.ctx, iname, inc.city, inc.air_alert, times, scramble_h / 60,
                                           scene_h))  # fmt: skip


def _add_fuel(b: _Build) -> dict[str, FuelStation]:
    """Every fuel point, and the fuel trucks that resupply them."""
    s = b.s
    points = {
        name: FuelStation(b.env, name, s.sites[fp.site].city, fp.site, fp.capacity_gal, fp.initial_gal, b.rec)
        for name, fp in s.fuel_points.items()
    }
    for name, cfg in s.fuel_trucks.items():
        board = b.boards[s.sites[cfg.depot].city]
        truck_fleet(
            b.env, name, cfg, board, points, b.travel.road_km, b.streams[f"fuel_trucks.{name}"], b.rec,
            b.clock.horizon_h,
        )  # fmt: skip
    return points


def _add_air(
    b: _Build, fuel: dict[str, FuelStation], overwatch: list[tuple[str, str, list[tuple[float, float]]]]
) -> AirOps:
    """Every aircraft, air coverage requirement and delegation overwatch."""
    s = b.s
    fuel_at: dict[str, FuelStation] = {}
    for station in fuel.values():
        fuel_at.setdefault(station.site, station)
    tankers: dict[str, tuple[str, ...]] = {}
    for tname, t in s.aircraft_types.items():
        for receiver in t.receivers:
            tankers[receiver] = (*tankers.get(receiver, ()), tname)
    air = AirOps(
        b.env, b.rec, b.boards, fuel_at, b.travel.km, lambda site: s.sites[site].city, b.streams.__getitem__,
        tankers,
    )  # fmt: skip
    for gname, g in s.aircraft.items():
        city = s.sites[g.base].city
        for i in range(g.count):
            name = gname if g.count == 1 else f"{gname}#{i + 1}"
            air.add_aircraft(Aircraft(name, g.type, s.aircraft_types[g.type], g.base, city))
    for name, st in s.air_coverage.items():
        steps = b.plan.station_steps[name]
        air.add_station(name, st.type, st.over, st.priority, _slot_windows(steps, b.clock.horizon_h))
    ow = s.delegation_overwatch
    for name, site, windows in overwatch:
        if ow is not None and windows:
            air.add_station(f"overwatch.{name}", ow.type, site, ow.priority, [windows] * ow.count)
    return air


def _close(
    b: _Build, air: AirOps, fuel: dict[str, FuelStation], replication: int, seed: int
) -> ReplicationRecord:
    """Close every book at the horizon and freeze what the run recorded."""
    s, rec, horizon_h = b.s, b.rec, b.clock.horizon_h
    for board in b.boards.values():
        board.finish(horizon_h)
    air.finish(horizon_h)
    for station in fuel.values():
        station.finish(horizon_h)
    rec.events.sort(key=lambda e: e.time_h)
    open_incidents = sum(1 for r in rec.responses if r.dispatched_h != r.dispatched_h)
    return ReplicationRecord(
        scenario=s.name,
        replication=replication,
        seed=seed,
        troops=None if s.swept_force is None else s.forces[s.swept_force].headcount,
        horizon_h=horizon_h,
        posts=rec.posts,
        duty=rec.duty,
        gaps=rec.gaps,
        movements=rec.movements,
        responses=rec.responses,
        incidents_open=open_incidents,
        events=rec.events,
        n_events=events_scheduled(b.env),
        critical_tolerance_h=s.targets.critical_gap_tolerance_min / 60,
        stations=air.stations,
        aircraft={a.name: a.ledger for a in air.aircraft},
        fuel={name: st.ledger for name, st in fuel.items()},
        waiting=rec.waiting,
        aircrews={name: roster.ledger for name, roster in air.rosters.items()},
        air_responses=rec.air_responses,
    )


def _slot_windows(steps: list[tuple[float, int]], horizon_h: float) -> list[list[tuple[float, float]]]:
    """Split a requirement step function into one list of windows per slot (slot k: level > k)."""
    top = max((n for _, n in steps), default=0)
    slots: list[list[tuple[float, float]]] = [[] for _ in range(top)]
    ends = [t for t, _ in steps[1:]] + [horizon_h] if steps else []  # no window inside the run: no slot
    for (t, n), t_end in zip(steps, ends, strict=True):
        for k in range(n):
            if slots[k] and slots[k][-1][1] == t:
                slots[k][-1] = (slots[k][-1][0], t_end)
            else:
                slots[k].append((t, t_end))
    return slots


def _movement_windows(
    plan: DelegationPlan, d: Delegation, travel: TravelTimes, horizon_h: float
) -> list[tuple[float, float]]:
    """Planned escorted movements of a delegation (arrival, programme, departure), for air overwatch."""
    minutes = travel.minutes
    out = [(plan.arrival_h, plan.arrival_h + minutes(d.arrival.airport, d.hotel) / 60)]
    here = d.hotel
    for due, dest, dwell in plan.programme:
        out.append((due, due + minutes(here, dest) / 60 + dwell))
        here = dest
    to_airport = minutes(here, d.departure.airport) / 60
    out.append((plan.departure_flight_h - to_airport, plan.departure_flight_h))
    merged: list[tuple[float, float]] = []
    for a, b in sorted((max(a, 0.0), min(b, horizon_h)) for a, b in out if b > a):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif b > a:
            merged.append((a, b))
    return merged
