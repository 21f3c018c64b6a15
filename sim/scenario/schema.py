"""The scenario's typed, frozen shape: what a scenario file may say, field by field.

Field names carry their unit (`_h`, `_min`, `_km`, `_kmh`, `_per_day`). Unknown keys are errors, so a
typo fails loudly. These models check each field on its own; cross-references (a post at an unknown site,
a city split that names an unknown city) are checked in `sim.scenario.checks`, which sees the whole file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.air import (
    AircraftGroup,
    AircraftType,
    DelegationOverwatch,
    FuelPoint,
    FuelTrucks,
)
from sim.scenario.distributions import Distribution, Fixed, as_distribution

__all__ = [
    "City",
    "DailyWindow",
    "Delegation",
    "Flight",
    "Force",
    "IncidentStream",
    "Movement",
    "Post",
    "Scenario",
    "ShiftPattern",
    "Site",
    "Targets",
    "Tier",
    "Travel",
    "TravelLeg",
    "UnscheduledMovements",
    "Window",
]

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$", max_length=64)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Headcount = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
TeamSize = Annotated[int, Field(ge=1, le=100_000, strict=True)]
Priority = Annotated[int, Field(ge=1, le=99, strict=True)]
Dist = Annotated[Distribution, BeforeValidator(as_distribution)]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: object) -> object:
    """Accept "HH:MM" (a YAML sexagesimal like 06:00 arrives as a string, quoted or not)."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if not m:
            raise ValueError(f"expected a time of day as HH:MM, got {value!r}")
        return dt.time(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"expected a time of day as HH:MM, got {value!r}")


def _local(value: object) -> object:
    """Scenario datetimes are local wall-clock times; an explicit UTC offset is refused."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("give local times without a UTC offset; the scenario's timezone applies")
    if isinstance(value, str) and re.search(r"([+-]\d\d:?\d\d|Z)$", value.strip()):
        raise ValueError("give local times without a UTC offset; the scenario's timezone applies")
    return value


def _naive(value: dt.datetime) -> dt.datetime:
    """A plain number parses as a Unix timestamp, which is UTC: not a local time of the scenario."""
    if value.tzinfo is not None:
        raise ValueError("expected a local date and time such as 2024-11-14T08:00, not a number")
    return value


Clock = Annotated[dt.time, BeforeValidator(_clock)]
LocalTime = Annotated[dt.datetime, BeforeValidator(_local), AfterValidator(_naive)]


class Strict(BaseModel):
    """Base for every scenario model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Targets(Strict):
    """What a staffing level must achieve; `None` means no target on that metric."""

    post_coverage_min: Probability | None = 0.99
    p_critical_gap_max: Probability | None = 0.05
    critical_gap_tolerance_min: NonNegative = 30.0
    escort_delay_p95_max_min: NonNegative | None = None
    response_time_p90_max_min: NonNegative | None = None


class City(Strict):
    """A city with coordinates (decimal degrees), used for distances and labels."""

    name: str | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Site(Strict):
    """A place in a city where demands arise: venue, airport, hotel, base, palace."""

    city: Name
    kind: Literal["venue", "airport", "hotel", "base", "palace", "port", "embassy", "other"] = "other"
    name: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class TravelLeg(Strict):
    """A given road travel time between two sites (both directions)."""

    between: tuple[Name, Name]
    minutes: NonNegative


class Travel(Strict):
    """Road travel: given legs first, else straight-line distance x detour / speed."""

    road_speed_kmh: Positive = 30.0
    detour_factor: Annotated[float, Field(ge=1, le=5)] = 1.3
    default_min: NonNegative = 30.0
    legs: list[TravelLeg] = []


class ShiftPattern(Strict):
    """How a force's people rotate: `crews` crews of `shift_h` hours each, starting at `first_start`.

    `12on12off` is two 12-hour crews; `8h3crew` three 8-hour crews; `continuous` one crew always on
    (for analytic cases). The incoming crew arrives `handover_min` before the outgoing one leaves.
    """

    pattern: Literal["12on12off", "8h3crew", "continuous"] = "12on12off"
    first_start: Clock = dt.time(7, 0)
    handover_min: NonNegative = 0.0

    @property
    def crews(self) -> int:
        return {"12on12off": 2, "8h3crew": 3, "continuous": 1}[self.pattern]

    @property
    def shift_h(self) -> float:
        return {"12on12off": 12.0, "8h3crew": 8.0, "continuous": float("inf")}[self.pattern]


class Force(Strict):
    """A body of people: its headcount, split by city and by role, shift pattern and absences."""

    name: str | None = None
    headcount: Headcount
    swept: bool = False
    cities: dict[Name, Probability] = Field(min_length=1)
    roles: dict[Literal["security", "aviation", "logistics"], Probability] = Field(
        default_factory=lambda: {"security": 1.0}
    )
    shift: ShiftPattern = ShiftPattern()
    absence_prob: Probability = 0.0

    @field_validator("cities", "roles")
    @classmethod
    def _sums_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return v


class Window(Strict):
    """An explicit interval in local time, with an optional headcount override."""

    start: LocalTime
    end: LocalTime
    required: Headcount | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class DailyWindow(Strict):
    """A window repeated every day from `first_date` to `last_date` (default: the whole scenario).

    `to` earlier than `from` crosses midnight; `from` equal to `to` means around the clock.
    """

    from_: Clock = Field(alias="from")
    to: Clock
    required: Headcount | None = None
    first_date: dt.date | None = None
    last_date: dt.date | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _dates(self) -> DailyWindow:
        if self.first_date and self.last_date and self.last_date < self.first_date:
            raise ValueError(f"last_date ({self.last_date}) is before first_date ({self.first_date})")
        return self


class Post(Strict):
    """A standing requirement for people at a site during windows.

    Staff come from the listed forces, in the listed order of preference, and from `role`.
    Priority 1 is served first; critical posts count towards P(critical gap).
    """

    site: Name
    required: Headcount
    forces: list[Name] = Field(min_length=1)
    role: Literal["security", "aviation", "logistics"] = "security"
    critical: bool = False
    priority: Priority = 5
    windows: list[Window] = []
    daily: list[DailyWindow] = []
    note: str | None = None

    @model_validator(mode="after")
    def _has_time(self) -> Post:
        if not self.windows and not self.daily:
            raise ValueError("a post needs `windows` or `daily` (or both)")
        return self


class Tier(Strict):
    """A delegation tier: the escort team it takes and that escort's priority."""

    escort_team: TeamSize
    priority: Priority = 2


class Flight(Strict):
    """A scheduled flight at an airport site; the delay is added to the scheduled time."""

    airport: Name
    scheduled: LocalTime
    delay_min: Dist = Fixed(value=0)


class Movement(Strict):
    """A scheduled trip to `to` at `at`; the escort is held for the road time plus `dwell_min`."""

    at: LocalTime
    to: Name
    dwell_min: Dist = Fixed(value=0)


class UnscheduledMovements(Strict):
    """Trips at random (Poisson) while the delegation is in town; escort held for `duration_min`."""

    rate_per_day: NonNegative
    duration_min: Dist
    first: LocalTime | None = None
    last: LocalTime | None = None


class Delegation(Strict):
    """A delegation (or `count` alike ones) arriving, moving with escorts, and leaving."""

    tier: Name
    count: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1
    hotel: Name
    escort_forces: list[Name] = Field(min_length=1)
    escort_team: TeamSize | None = None
    arrival: Flight
    departure: Flight
    programme: list[Movement] = []
    unscheduled: UnscheduledMovements | None = None
    air_overwatch: bool = False

    @model_validator(mode="after")
    def _stay(self) -> Delegation:
        if self.departure.scheduled <= self.arrival.scheduled:
            raise ValueError("departure.scheduled must be after arrival.scheduled")
        return self


class IncidentStream(Strict):
    """Incidents in a city: Poisson at `rate_per_day`, shaped over the day by `hourly_profile`.

    The answering team (from `forces`, in order) is held for travel plus time on scene (or for the time
    on scene alone with `busy_includes_travel: false`, when `on_scene_min` already counts from dispatch);
    the response time is the wait for a team plus travel.
    """

    city: Name
    rate_per_day: NonNegative
    hourly_profile: list[NonNegative] | None = Field(default=None, min_length=24, max_length=24)
    team: TeamSize
    forces: list[Name] = Field(min_length=1)
    travel_min: Dist
    on_scene_min: Dist
    target_min: Positive = 15.0
    busy_includes_travel: bool = True
    priority: Priority = 3
    first: LocalTime | None = None
    last: LocalTime | None = None

    @field_validator("hourly_profile")
    @classmethod
    def _some_weight(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and sum(v) <= 0:
            raise ValueError("hourly_profile must not be all zeros")
        return v


class AirStation(Strict):
    """Keep `count` aircraft of `type` on station over a site during windows (as posts do)."""

    type: Name
    over: Name
    count: Annotated[int, Field(ge=1, le=100, strict=True)] = 1
    priority: Priority = 1
    note: str | None = None
    windows: list[Window] = []
    daily: list[DailyWindow] = []

    @model_validator(mode="after")
    def _has_time(self) -> AirStation:
        if not self.windows and not self.daily:
            raise ValueError("an air coverage requirement needs `windows` or `daily` (or both)")
        return self


class PeakWindow(Strict):
    """The summit's busiest days, used for reporting."""

    start: LocalTime
    end: LocalTime


class Scenario(Strict):
    """A whole scenario file, validated field by field."""

    name: Name
    description: str | None = None
    timezone: str = "UTC"
    start: LocalTime
    end: LocalTime
    peak: PeakWindow | None = None
    seed: Annotated[int, Field(ge=0, strict=True)] = 0
    replications: Annotated[int, Field(ge=1, le=1_000_000, strict=True)] = 30
    targets: Targets = Targets()
    cities: dict[Name, City] = Field(min_length=1)
    sites: dict[Name, Site] = {}
    travel: Travel = Travel()
    forces: dict[Name, Force] = Field(min_length=1)
    posts: dict[Name, Post] = {}
    tiers: dict[Name, Tier] = {}
    delegations: dict[Name, Delegation] = {}
    incidents: dict[Name, IncidentStream] = {}
    aircraft_types: dict[Name, AircraftType] = {}
    aircraft: dict[Name, AircraftGroup] = {}
    air_coverage: dict[Name, AirStation] = {}
    delegation_overwatch: DelegationOverwatch | None = None
    fuel_points: dict[Name, FuelPoint] = {}
    fuel_trucks: dict[Name, FuelTrucks] = {}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {v!r} (for example America/Lima)") from None
        return v

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, v: dt.datetime) -> dt.datetime:
        """Leave a day's margin inside Python's years 1 to 9999 for time-zone and day-by-day arithmetic."""
        if not 2 <= v.year <= 9998:
            raise ValueError(f"{v} is outside the years 2 to 9998")
        return v

    @model_validator(mode="after")
    def _window(self) -> Scenario:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def swept_force(self) -> str | None:
        """The force whose headcount `--troops` sets, if the scenario marks one."""
        return next((k for k, f in self.forces.items() if f.swept), None)

    def with_troops(self, troops: int) -> Scenario:
        """The same scenario with the swept force's headcount set to `troops`."""
        name = self.swept_force
        if name is None:
            raise ValueError("the scenario marks no force as `swept: true`")
        forces = dict(self.forces)
        forces[name] = forces[name].model_copy(update={"headcount": troops})
        return self.model_copy(update={"forces": forces})
