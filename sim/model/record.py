"""What one replication leaves behind: plain records that `sim.metrics` turns into numbers.

The model appends to a `Recorder` while it runs; `Recorder.finish` freezes it into a
`ReplicationRecord`. Nothing here computes a metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

__all__ = [
    "AircraftLedger",
    "AircrewLedger",
    "DutyTotals",
    "Event",
    "FuelLedger",
    "Gap",
    "MovementRecord",
    "PostTotals",
    "Recorder",
    "ReplicationRecord",
    "ResponseRecord",
    "StationTotals",
    "Waiting",
]


class Event(NamedTuple):
    """One line of the trace: when, what kind, where, who, and a human detail."""

    time_h: float
    kind: str
    city: str
    site: str
    entity: str
    detail: str


class Gap(NamedTuple):
    """A shortfall interval: a demand had `short` fewer people than it needed from start to end."""

    demand: str  # "post", "escort", "response", "aircrew", "fuel_truck" or "air"
    name: str
    city: str
    site: str
    start_h: float
    end_h: float
    short: int
    critical: bool
    forces: tuple[str, ...] = ()  # the forces that could have staffed the demand (none for aircraft)
    cause: str = ""  # air gaps of a type with dedicated aircrews: "crew" or "aircraft" it waited for


class Waiting(Protocol):
    """A movement or an incident: when it was due, whether it is still waiting at the end, its wait."""

    @property
    def waiting(self) -> bool: ...

    @property
    def due(self) -> float: ...

    def wait_min(self) -> float: ...


class MovementRecord(NamedTuple):
    """A delegation movement: when it was due, asked for an escort, got one, and ended.

    `started_h` (and `ended_h`) are NaN when no escort came (or the trip had not ended) by the end.
    """

    delegation: str
    kind: str  # "arrival", "programme", "unscheduled", "departure"
    city: str
    origin: str
    destination: str
    due_h: float
    requested_h: float
    started_h: float
    ended_h: float

    @property
    def waiting(self) -> bool:
        """True if no escort came for it before the end of the run."""
        return math.isnan(self.started_h)

    @property
    def due(self) -> float:
        return self.due_h

    def delay_min(self) -> float:
        """Minutes from the time the movement was due until its escort came (knock-on delays from an
        earlier late movement included); +inf if none came before the end."""
        return math.inf if self.waiting else max(0.0, self.started_h - self.due_h) * 60

    def wait_min(self) -> float:
        return self.delay_min()


class ResponseRecord(NamedTuple):
    """An incident and its response; `dispatched_h` is NaN if no team was free before the end."""

    stream: str
    city: str
    time_h: float
    dispatched_h: float
    travel_h: float
    target_min: float

    @property
    def response_min(self) -> float:
        return (self.dispatched_h - self.time_h + self.travel_h) * 60

    @property
    def dispatched(self) -> bool:
        return not math.isnan(self.dispatched_h)

    @property
    def waiting(self) -> bool:
        """True if no team was sent before the end of the run."""
        return math.isnan(self.dispatched_h)

    @property
    def due(self) -> float:
        return self.time_h

    def wait_min(self) -> float:
        """The response time; +inf if no team was sent before the end."""
        return math.inf if self.waiting else self.response_min


@dataclass
class PostTotals:
    """A post's person-hours: required and staffed (staffed never exceeds required)."""

    city: str
    site: str
    critical: bool
    required_ph: float = 0.0
    staffed_ph: float = 0.0


@dataclass
class DutyTotals:
    """A (force, city, role) pool's person-hours on duty and busy, and overtime held over; with
    `travel.between_posts`, the person-hours on the road between posts (counted in busy too)."""

    on_duty_ph: float = 0.0
    busy_ph: float = 0.0
    overtime_ph: float = 0.0
    transit_ph: float = 0.0


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
    # Aircrew types: why a sortie arrived late, as (slot, start, end, "crew" or "aircraft"), and the
    # uncovered spans that came of it, as (slot, start, end, cause).
    late: list[tuple[int, float, float, str]] = field(default_factory=list)
    missed: list[tuple[int, float, float, str]] = field(default_factory=list)


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
    # The fuel books: gallons drawn from fuel points (whole gallons) and put into the tanks on the
    # ground, and the least and most fuel aboard at any moment of the run.
    drawn_gal: int = 0
    refuelled_gal: float = 0.0
    fuel_low_gal: float = math.inf
    fuel_high_gal: float = -math.inf


@dataclass
class AircrewLedger:
    """The dedicated crews of one aircraft type: how many, of how many people, their hours on duty
    (report to release, summed over crews) and the sorties they flew."""

    type: str
    crews: int
    size: int
    duty_h: float = 0.0
    sorties: int = 0


@dataclass
class FuelLedger:
    """A fuel point's books, in gallons, and the hours an aircraft waited for fuel there.

    `levels` is the stock over time as a step function, [(time_h, gallons in stock from then on)], kept
    only when tracing (for the fuel-level figure); empty otherwise.
    """

    city: str
    site: str
    capacity_gal: int
    initial_gal: int
    delivered_gal: int = 0
    dispensed_gal: int = 0
    final_gal: int = 0
    outage_h: float = 0.0
    deliveries: int = 0
    levels: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ReplicationRecord:
    """Everything one replication recorded; the input of every metric."""

    scenario: str
    replication: int
    seed: int
    troops: int | None
    horizon_h: float
    posts: dict[str, PostTotals]
    duty: dict[tuple[str, str, str], DutyTotals]
    gaps: list[Gap]
    movements: list[MovementRecord]
    responses: list[ResponseRecord]
    incidents_open: int
    events: list[Event]
    n_events: int
    critical_tolerance_h: float
    stations: dict[str, StationTotals] = field(default_factory=dict)
    aircraft: dict[str, AircraftLedger] = field(default_factory=dict)
    fuel: dict[str, FuelLedger] = field(default_factory=dict)
    waiting: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    aircrews: dict[str, AircrewLedger] = field(default_factory=dict)
    # incidents answered from the air: `dispatched_h` when an aircraft and crew were called, `travel_h`
    # the scramble and the transit, so `response_min` is the time to overhead
    air_responses: list[ResponseRecord] = field(default_factory=list)


@dataclass
class Recorder:
    """Collects a replication's records; keeps the event log only when tracing."""

    trace: bool = False
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    movements: list[MovementRecord] = field(default_factory=list)
    responses: list[ResponseRecord] = field(default_factory=list)
    air_responses: list[ResponseRecord] = field(default_factory=list)
    posts: dict[str, PostTotals] = field(default_factory=dict)
    duty: dict[tuple[str, str, str], DutyTotals] = field(default_factory=dict)
    waiting: dict[str, list[tuple[float, int]]] = field(default_factory=dict)

    def log(self, time_h: float, kind: str, city: str, site: str, entity: str, detail: str) -> None:
        """Record a trace event (kept only when tracing)."""
        if self.trace:
            self.events.append(Event(time_h, kind, city, site, entity, detail))

    def queue_change(self, time_h: float, kind: str, delta: int) -> None:
        """Tasks of `kind` waiting for a team went up or down by `delta` at `time_h`.

        `waiting[kind]` is the queue length as a step function, [(time_h, tasks waiting from then on)],
        starting at (0, 0): its time average over a window is the L in Little's law L = lambda W.
        """
        steps = self.waiting.get(kind)
        if steps is None:
            steps = self.waiting[kind] = [(0.0, 0)]
        n = steps[-1][1] + delta
        if steps[-1][0] == time_h:
            steps[-1] = (time_h, n)
        else:
            steps.append((time_h, n))

    def gap(self, gap: Gap) -> None:
        """Record a shortfall interval; empty intervals are dropped."""
        if gap.end_h > gap.start_h and gap.short > 0:
            self.gaps.append(gap)
