"""Before anything runs: what one replication of a scenario will cost, whether that is within the limits,
and which of its demands can never be met.

`work_estimate` counts, from the scenario alone, what one replication will do: the incidents, trips,
shift changes, post windows, fuel-truck trips and sorties that its rates and counts imply over its window,
each turned into SimPy events (and the absence draws of large crews into their equal in computing time),
and the memory the replication and the whole run will hold. `check_limits` refuses, with those numbers
and the option that allows it, a scenario beyond `MAX_EVENTS` events per replication or
`MAX_MEMORY_GB` of memory for the run (scenarios/README.md, "Limits"). `demand_warnings` lists the
demands that no replication can ever meet: they validate, but measure nothing but a shortfall.

The estimate is an order of magnitude, not a forecast: it errs high where the model's work depends on
what happens (queues, refuelling), and the limits sit far above any real event (the reference scenario,
APEC 2024, is about 6,000 events a replication).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.metrics import metric_columns
from sim.model.travel import TravelTimes
from sim.scenario import Problem, Scenario
from sim.scenario.pools import crew_sizes, pools_of
from sim.scenario.schema import AirStation, DailyWindow, Post, Window

__all__ = [
    "EVENTS_PER_SECOND",
    "MAX_EVENTS",
    "MAX_MEMORY_GB",
    "Estimate",
    "Part",
    "check_limits",
    "demand_warnings",
    "work_estimate",
]

MAX_EVENTS = 5_000_000  # per replication: some minutes of computing (`--max-events` allows more)
MAX_MEMORY_GB = 4.0  # a whole run's estimated memory (`--max-memory` allows more)
EVENTS_PER_SECOND = 50_000  # one core, measured on the scenarios in scenarios/: for the time estimate

# SimPy events per item, measured on the scenarios in scenarios/ (rounded up): a shift change brings a
# crew on and sends one off; a post window opens and closes; a movement waits for its escort, holds it
# and lets it go; a sortie launches, transits, stays, returns, lands, refuels and turns around.
_EVENTS = {
    "shift": 6.0,
    "post_step": 3.0,
    "movement": 8.0,
    "incident": 8.0,
    "truck_trip": 14.0,
    "truck_order": 3.0,
    "sortie": 25.0,
    "failure": 8.0,
}
# Bytes held per item until the end of the replication: the records kept (a movement, a response, a
# gap), and what waits in SimPy's queue meanwhile (unscheduled trips and truck orders are all started
# at once; every incident's three draws are made up front).
_BYTES = {
    "shift": 200.0,
    "post_step": 300.0,
    "movement": 2_500.0,
    "incident": 1_500.0,
    "truck_trip": 50.0,
    "truck_order": 2_000.0,
    "sortie": 200.0,
    "failure": 200.0,
}
_TRACE_BYTES_PER_EVENT = 400.0  # `trace` keeps a line of text for most events
_BYTES_PER_RESULT_CELL = 120.0  # one metric of one replication, as the results are read back and summed
_ABSENCE_STEPS_PER_EVENT = 15.0  # one binomial step for one shift costs about 1/15 of a SimPy event
_KT_TO_KMH = 1.852
_TINY_H = 1e-9  # a duration taken as zero: a cycle of it repeats without end


@dataclass(frozen=True)
class Part:
    """One source of work in a replication: `count` items (incidents, trips, sorties...) found at the
    field `path` of the scenario, costing about `events` SimPy events and `memory` bytes."""

    path: tuple[Any, ...]
    what: str
    count: float
    events: float
    memory: float

    @property
    def where(self) -> str:
        return ".".join(str(p) for p in self.path)


@dataclass(frozen=True)
class Estimate:
    """The estimated cost of a scenario: per replication (`events`, `replication_bytes`, `seconds`) and
    for the whole run (`run_bytes`: `workers` replications at once, plus every replication's results)."""

    days: float
    parts: tuple[Part, ...]
    events: float
    replication_bytes: float
    run_bytes: float
    replications: int
    levels: int
    workers: int

    @property
    def seconds(self) -> float:
        """One replication's estimated computing time on one core."""
        return self.events / EVENTS_PER_SECOND

    def largest(self, n: int = 3) -> list[Part]:
        """The `n` parts costing the most events, largest first."""
        return sorted(self.parts, key=lambda p: -p.events)[:n]

    def describe(self) -> str:
        """One line: "about 5,800 events (0.2 s) and 1 MB a replication; 30 replications, peak memory
        about 6 MB" (the replications running at once, and every replication's results)."""
        return (
            f"about {_num(self.events)} events ({_duration(self.seconds)}) and "
            f"{_bytes(self.replication_bytes)} a replication; {self.replications:,} replications"
            f"{f' x {self.levels:,} levels' if self.levels > 1 else ''}, "
            f"peak memory about {_bytes(self.run_bytes)} on {self.workers} worker{'s' * (self.workers != 1)}"
        )


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "unboundedly many"
    return f"{x:,.0f}" if x < 1e7 else f"{x:.2g}"


def _bytes(b: float) -> str:
    if not math.isfinite(b):
        return "unbounded memory"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{b / size:,.3g} {unit}"
    return f"{b:.0f} bytes"


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "without end"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("min", 60)):
        if seconds >= size:
            return f"about {seconds / size:,.3g} {unit}"
    return f"about {seconds:.2g} s"


# -- the estimate --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Geometry:
    """What the parts share: the scenario (at its troop level), its window in hours, travel distances."""

    s: Scenario
    horizon_h: float
    travel: TravelTimes

    def hours(self, t: dt.datetime) -> float:
        """Hours from the start (wall clock: a daylight-saving hour does not matter to an estimate)."""
        return (t - self.s.start).total_seconds() / 3600

    def span_h(self, first: dt.datetime | None, last: dt.datetime | None) -> float:
        lo = 0.0 if first is None else max(0.0, self.hours(first))
        hi = self.horizon_h if last is None else min(self.horizon_h, self.hours(last))
        return max(0.0, hi - lo)


def _per(hours: float, cycle_h: float) -> float:
    """How many cycles of `cycle_h` fit in `hours`: without end (inf) for a cycle of no length."""
    if hours <= 0:
        return 0.0
    return math.inf if cycle_h <= _TINY_H else hours / cycle_h


def _part(path: tuple[Any, ...], what: str, count: float, kind: str, extra_events: float = 0.0) -> Part:
    count = max(0.0, count)
    return Part(path, what, count, count * _EVENTS[kind] + extra_events, count * _BYTES[kind])


def _window_hours(g: _Geometry, item: Post | AirStation) -> tuple[float, float]:
    """(hours of requirement, number of windows) of a post or air station, clipped to the window."""
    hours, windows = 0.0, 0.0
    for w in item.windows:
        hours += _clip(g, w)
        windows += 1
    for d in item.daily:
        days = _days(g, d)
        length = (dt.datetime.combine(dt.date.min, d.to) - dt.datetime.combine(dt.date.min, d.from_)).seconds
        hours += days * (length / 3600 if length else 24.0)
        windows += days
    return hours, windows


def _clip(g: _Geometry, w: Window) -> float:
    return max(0.0, min(g.horizon_h, g.hours(w.end)) - max(0.0, g.hours(w.start)))


def _days(g: _Geometry, d: DailyWindow) -> float:
    first = d.first_date or g.s.start.date()
    last = d.last_date or g.s.end.date()
    return max(0.0, (last - first).days + 2.0)  # a window crossing midnight may start the day before


def _shift_parts(g: _Geometry) -> Iterator[Part]:
    """Crews coming on and off duty, and the absence draws of each shift (one binomial step per absent
    person of the largest crew, over every shift of the run)."""
    for name, force in g.s.forces.items():
        pattern = force.shift
        shifts = (
            1.0
            if pattern.continuous
            else g.horizon_h / pattern.length_h * pattern.on_share * pattern.crews + 2
        )
        for (city, role), people in pools_of(force).items():
            if not people:
                continue
            steps = 0.0
            if force.absence_prob:
                crew = max(crew_sizes(people, pattern.crews))
                p = force.absence_prob
                steps = min(crew, crew * p + 6 * math.sqrt(crew * p * (1 - p)) + 1) * shifts
            yield _part(
                ("forces", name), f"shifts of {name} ({city}, {role})", shifts, "shift",
                steps / _ABSENCE_STEPS_PER_EVENT,
            )  # fmt: skip


def _post_parts(g: _Geometry) -> Iterator[Part]:
    for name, post in g.s.posts.items():
        _, windows = _window_hours(g, post)
        yield _part(("posts", name), f"windows of post {name}", 2 * windows, "post_step")


def _delegation_parts(g: _Geometry) -> Iterator[Part]:
    for name, d in g.s.delegations.items():
        moves = 2.0 + len(d.programme)
        u = d.unscheduled
        if u is not None:
            first = u.first or d.arrival.scheduled
            last = u.last or d.departure.scheduled
            moves += u.rate_per_day * g.span_h(first, last) / 24
        yield _part(("delegations", name), f"movements of delegation {name}", moves * d.count, "movement")


def _incident_parts(g: _Geometry) -> Iterator[Part]:
    for name, inc in g.s.incidents.items():
        n = inc.rate_per_day * g.span_h(inc.first, inc.last) / 24
        yield _part(("incidents", name), f"incidents of stream {name}", n, "incident")
        if inc.air_alert is not None:  # each also flies an alert sortie
            yield _part(("incidents", name, "air_alert"), f"air alert sorties of stream {name}", n, "sortie")


@dataclass(frozen=True)
class _Demand:
    """Air coverage (or an overwatch) of one aircraft type: sorties, slot-hours, and the shortest cycle
    (hours an aircraft takes to go, stay, come back and turn around) that serves it."""

    path: tuple[Any, ...]
    what: str
    sorties: float
    hours: float
    cycle_h: float


@dataclass(frozen=True)
class _Sorties:
    """What the fuel trucks need to know of the air: gallons drawn at each base site, at most."""

    at_base: dict[str, float]


def _station_h(g: _Geometry, type_name: str, over: str) -> tuple[float, float, int]:
    """(hours on station per sortie, hours of a whole cycle per aircraft, aircraft of the type) for the
    nearest aircraft of `type_name` to `over`."""
    t = g.s.aircraft_types[type_name]
    groups = [a for a in g.s.aircraft.values() if a.type == type_name and a.count and a.base in g.s.sites]
    n = sum(a.count for a in groups)
    if not groups:
        return math.inf, math.inf, 0
    transit = min(g.travel.km(a.base, over) for a in groups) / (t.cruise_kt * _KT_TO_KMH)
    endurance = t.endurance_h - t.reserve_min / 60
    crew = t.aircrew
    duty = t.crew_duty_h if crew is None else crew.max_duty_h - crew.preflight_h - crew.postflight_h
    station = min(endurance - 2 * transit, duty - 2 * transit)
    cycle = max(station, 0.0) + 2 * transit + t.turnaround_min.mean / 60
    return station, cycle, n


def _sorties(g: _Geometry) -> tuple[list[Part], _Sorties]:
    """Sorties to keep every air coverage slot (and every delegation overwatch) filled: each slot's hours
    over the time one sortie stays on station, but no more than the type's aircraft can fly in cycles."""
    s = g.s
    demand: dict[str, list[_Demand]] = {}
    for name, st in s.air_coverage.items():
        if st.type in s.aircraft_types and st.over in s.sites:
            hours, windows = _window_hours(g, st)
            station, cycle, _ = _station_h(g, st.type, st.over)
            n = (windows + _per(hours, station)) * st.count
            demand.setdefault(st.type, []).append(
                _Demand(("air_coverage", name), f"sorties over {st.over}", n, hours * st.count, cycle)
            )
    ow = s.delegation_overwatch
    if ow is not None and ow.type in s.aircraft_types:
        for name, d in s.delegations.items():
            if not d.air_overwatch or d.hotel not in s.sites:
                continue
            hours = g.span_h(d.arrival.scheduled, d.departure.scheduled) * ow.count * d.count
            station, cycle, _ = _station_h(g, ow.type, d.hotel)
            n = (2.0 + len(d.programme)) * ow.count * d.count + _per(hours, station)
            demand.setdefault(ow.type, []).append(
                _Demand(
                    ("delegations", name, "air_overwatch"), f"overwatch sorties for {name}", n, hours, cycle
                )
            )
    parts: list[Part] = []
    at_base: dict[str, float] = {}
    for type_name, wanted in demand.items():
        t = s.aircraft_types[type_name]
        n_aircraft = sum(a.count for a in s.aircraft.values() if a.type == type_name)
        cycle = min(w.cycle_h for w in wanted)
        cap = _per(n_aircraft * g.horizon_h, cycle) + len(wanted)  # at least one try per window
        capped = [min(w.sorties, cap) for w in wanted]
        total = sum(capped)
        scale = cap / total if math.isfinite(total) and total > cap else 1.0
        flight_h = min(n_aircraft * g.horizon_h, 1.5 * sum(w.hours for w in wanted))
        failures = t.failure_per_flight_h * flight_h
        if t.maintenance_every_flight_h:
            failures += flight_h / t.maintenance_every_flight_h
        tankers = 2.0 if t.air_refuelable else 1.0  # a receiver may call a tanker on every sortie
        for w, n in zip(wanted, capped, strict=True):
            share = n / total if 0 < total < math.inf else 1.0
            extra = share * failures * _EVENTS["failure"]
            parts.append(_part(w.path, w.what, n * scale * tankers, "sortie", extra))
        for a in s.aircraft.values():
            if a.type == type_name and n_aircraft:
                drawn = flight_h * t.burn_gal_per_h * a.count / n_aircraft
                at_base[a.base] = at_base.get(a.base, 0.0) + drawn
    return parts, _Sorties(at_base)


def _truck_parts(g: _Geometry, air: _Sorties) -> Iterator[Part]:
    """Fuel-truck trips: every `every_h`, or as often as the aircraft draw a truckload (and, when the
    reorder point is at or above what a point can hold, as often as the trucks can go round)."""
    s = g.s
    for name, ft in s.fuel_trucks.items():
        trips, orders = 0.0, 0.0
        for pname in ft.serves:
            fp = s.fuel_points.get(pname)
            if fp is None:
                continue
            if ft.every_h is not None:
                n = max(0.0, g.horizon_h - ft.first_h) / ft.every_h + 1
                trips += n
                orders += n
                continue
            reorder = ft.reorder_point_gal or 0
            first = (reorder - fp.initial_gal) / ft.capacity_gal + 1 if fp.initial_gal <= reorder else 0.0
            drawn = air.at_base.get(fp.site, 0.0)
            n = first + drawn / ft.capacity_gal
            if reorder >= fp.capacity_gal:  # never above the reorder point: trips as fast as they go round
                # a full point takes nothing, so a trip is loading and the drive there and back
                trip_h = ft.load_min.mean / 60 + 2 * g.travel.road_km(ft.depot, fp.site) / ft.road_speed_kmh
                n = max(n, _per(ft.count * g.horizon_h, trip_h))
            trips += n
            orders += first
        yield _part(("fuel_trucks", name), f"fuel-truck trips of {name}", trips, "truck_trip")
        yield _part(("fuel_trucks", name), f"fuel-truck orders of {name}", orders, "truck_order")


def work_estimate(
    scenario: Scenario,
    replications: int | None = None,
    *,
    troops: int | None = None,
    levels: int = 1,
    workers: int = 1,
    trace: bool = False,
) -> Estimate:
    """What one replication of `scenario` (at `troops`, the swept force's headcount, if given) will cost,
    and a run of `replications` (default the scenario's) at `levels` troop levels on `workers` processes.

    Cheap to call: it counts from the scenario's rates, counts and windows, and runs nothing.
    """
    s = scenario if troops is None else scenario.with_troops(troops)
    n = s.replications if replications is None else replications
    g = _Geometry(s, max(0.0, (s.end - s.start).total_seconds() / 3600), TravelTimes(s))
    air_parts, air = _sorties(g)
    parts = [
        *_shift_parts(g),
        *_post_parts(g),
        *_delegation_parts(g),
        *_incident_parts(g),
        *air_parts,
        *_truck_parts(g, air),
    ]
    events = sum(p.events for p in parts) + 10.0
    memory = sum(p.memory for p in parts)
    if trace:
        memory += events * _TRACE_BYTES_PER_EVENT
    cells = len(metric_columns(s))
    run = max(1, min(workers, n * levels)) * memory + n * levels * cells * _BYTES_PER_RESULT_CELL
    days = g.horizon_h / 24
    return Estimate(days, tuple(parts), events, memory, run, n, levels, workers)


# -- the limits ----------------------------------------------------------------------------------------
def check_limits(
    scenario: Scenario,
    replications: int | None = None,
    *,
    troops: int | None = None,
    levels: int = 1,
    workers: int = 1,
    trace: bool = False,
    max_events: float = MAX_EVENTS,
    max_memory_gb: float = MAX_MEMORY_GB,
    file: str = "",
) -> list[Problem]:
    """The reasons not to run `scenario` as asked (empty if it is within the limits): one replication
    estimated above `max_events` SimPy events, or the run above `max_memory_gb` of memory. Each names
    the numbers, the parts of the scenario that cost most, and the option that allows it.

    `file` is the scenario file, for the problems' location (the line is not known here: the path is).
    Arguments as `work_estimate`; `troops` is the largest level of a sweep.
    """
    est = work_estimate(scenario, replications, troops=troops, levels=levels, workers=workers, trace=trace)
    name = file or scenario.name
    problems = []
    if math.isinf(est.events) or not est.events <= max_events:
        big = [p for p in est.largest(3) if p.events >= est.events / 10] or est.largest(1)
        mostly = "; ".join(f"{p.where}: {_num(p.count)} {p.what}" for p in big)
        if math.isinf(est.events):
            message = (
                f"one replication would never end: {mostly} (a cycle that takes no time repeats without "
                "end); give it a duration"
            )
        else:
            message = (
                f"one replication would take about {_num(est.events)} events ({_duration(est.seconds)} of "
                f"computing; {est.days:,.4g} days simulated), over the limit of {_num(max_events)} "
                f"({mostly}); reduce the rates or the window, or allow it with --max-events "
                f"{_allow(est.events)}"
            )
        problems.append(Problem(name, None, est.largest(1)[0].where, message))
    if not est.run_bytes <= max_memory_gb * 1e9 and not math.isinf(est.events):
        at_once = max(1, min(workers, est.replications * levels))
        results = est.run_bytes - est.replication_bytes * at_once
        runs = f"{est.replications:,} replications" + (f" x {levels:,} levels" if levels > 1 else "")
        held = f"{_bytes(est.replication_bytes)} a replication" + (
            f" x {at_once:,} at once" if at_once > 1 else ""
        )
        message = (
            f"the run would need about {_bytes(est.run_bytes)} of memory ({held}, {_bytes(results)} of "
            f"results for {runs}), over the limit of {max_memory_gb:g} GB; use fewer replications or "
            f"workers, or allow it with --max-memory {_allow(est.run_bytes / 1e9)}"
        )
        where = "replications" if results >= est.run_bytes / 2 else est.largest(1)[0].where
        problems.append(Problem(name, None, where, message))
    return problems


def _allow(x: float) -> str:
    """An option value a little above `x`, in two significant digits: 8900, 0.75, 3.5e+07."""
    value = float(f"{x * 1.1:.2g}")
    if value < x:  # rounding went down: the next step up in the second digit
        value = float(f"{value + 10 ** (math.floor(math.log10(value)) - 1):.2g}")
    if value >= 1e7:
        return f"{value:.2g}"
    return f"{value:.0f}" if value >= 10 else f"{value:g}"


# -- demands that can never be met ---------------------------------------------------------------------
def demand_warnings(scenario: Scenario, troops: int | None = None) -> list[str]:
    """Demands of `scenario` (at `troops`, if given) that no replication can ever meet, one sentence each
    with the numbers: an aircraft type without dedicated `aircrew` whose operator has no aviation people
    in a base's city (or fewer than one crew), a post whose forces have nobody of its role in its city,
    an incident team or an escort team larger than all the people of its forces and role in its city, a
    fuel-truck crew larger than its operator's logistics people in the depot's city. These validate (a
    sweep may start at 0 troops), but they measure nothing but a shortfall."""
    s = scenario if troops is None else scenario.with_troops(troops)
    pools = {name: pools_of(force) for name, force in s.forces.items()}
    city_of = {name: site.city for name, site in s.sites.items()}

    def people(forces: list[str], city: str, role: str) -> int:
        return sum(pools.get(f, {}).get((city, role), 0) for f in dict.fromkeys(forces))

    def named(forces: list[str]) -> str:
        return ", ".join(dict.fromkeys(forces))

    out: list[str] = []
    for name, g in s.aircraft.items():
        t = s.aircraft_types.get(g.type)
        city = city_of.get(g.base)
        if t is None or city is None or not g.count or t.aircrew is not None:  # dedicated crews fly it
            continue
        have = people([t.operator], city, "aviation")
        if have < t.crew:
            what = "no aviation people" if have == 0 else f"only {have:,} aviation people"
            out.append(
                f"aircraft {name} ({g.count} x {g.type}, based at {g.base} in {city}) can never fly: its "
                f"operator {t.operator} has {what} in {city}, and a crew is {t.crew:,}"
            )
    for name, post in s.posts.items():
        city = city_of.get(post.site)
        if city is None or not _ever_required(post):
            continue
        if people(post.forces, city, post.role) == 0:
            out.append(
                f"post {name} (at {post.site} in {city}) can never be staffed: its forces "
                f"({named(post.forces)}) have no {post.role} people in {city}"
            )
    for name, inc in s.incidents.items():
        have = people(inc.forces, inc.city, "security")
        if inc.team is not None and inc.rate_per_day > 0 and have < inc.team:
            out.append(
                f"incidents {name} can never be answered: a team is {inc.team:,}, but its forces "
                f"({named(inc.forces)}) have {have:,} security people in {inc.city} in all"
            )
    for name, d in s.delegations.items():
        tier = s.tiers.get(d.tier)
        city = city_of.get(d.hotel)
        if tier is None or city is None:
            continue
        team = d.escort_team or tier.escort_team
        have = people(d.escort_forces, city, "security")
        if have < team:
            out.append(
                f"delegation {name} can never be escorted: an escort team is {team:,}, but its forces "
                f"({named(d.escort_forces)}) have {have:,} security people in {city} in all"
            )
    for name, ft in s.fuel_trucks.items():
        city = city_of.get(ft.depot)
        if city is None:
            continue
        have = people([ft.operator], city, "logistics")
        if have < ft.drivers:
            out.append(
                f"fuel trucks {name} can never leave the depot: a trip needs {ft.drivers:,} drivers, but "
                f"{ft.operator} has {have:,} logistics people in {city}"
            )
        reorder = ft.reorder_point_gal
        for point in ft.serves:
            fp = s.fuel_points.get(point)
            if reorder is not None and fp is not None and reorder >= fp.capacity_gal:
                out.append(
                    f"fuel trucks {name} will shuttle without end: their reorder point ({reorder:,} gal) is "
                    f"not below the capacity of {point} ({fp.capacity_gal:,} gal), so its stock can never "
                    "rise above it and every delivery orders the next"
                )
    return out


def _ever_required(post: Post) -> bool:
    """Whether any of the post's windows asks for anyone."""
    windows: list[Window | DailyWindow] = [*post.windows, *post.daily]
    return any(post.required if w.required is None else w.required for w in windows)
