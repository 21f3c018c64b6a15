"""The scenario's typed, frozen shape: the top-level `Scenario` that gathers every part of a file.

Field names carry their unit (`_h`, `_min`, `_km`, `_kmh`, `_per_day`). Unknown keys are errors, so a
typo fails loudly. These models check each field on its own; cross-references (a post at an unknown site,
a city split that names an unknown city) are checked in `sim.scenario.checks`, which sees the whole file.

The parts live in one module per topic: `types` (shared field types), `targets`, `places`, `forces`,
`posts` (posts and air stations with their windows), `delegations`, `incidents` and `air` (aircraft and
fuel). Every model is re-exported here, so `from sim.scenario.schema import X` works for all of them.
"""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator

from sim.scenario.air import AircraftGroup, AircraftType, DelegationOverwatch, FuelPoint, FuelTrucks
from sim.scenario.delegations import Delegation, Flight, Movement, Tier, UnscheduledMovements
from sim.scenario.distributions import Dist
from sim.scenario.forces import Force, ShiftPattern
from sim.scenario.incidents import AirAlert, IncidentStream, StagedTeams
from sim.scenario.places import City, Site, Travel, TravelLeg, check_zone
from sim.scenario.posts import AirStation, DailyWindow, Post, Window
from sim.scenario.targets import PeakWindow, Targets
from sim.scenario.types import (
    Clock,
    Headcount,
    LocalTime,
    Name,
    NonNegative,
    Positive,
    Priority,
    Probability,
    Strict,
    TeamSize,
)

__all__ = [
    "AirAlert",
    "AirStation",
    "AircraftGroup",
    "AircraftType",
    "City",
    "Clock",
    "DailyWindow",
    "Delegation",
    "DelegationOverwatch",
    "Dist",
    "Flight",
    "Force",
    "FuelPoint",
    "FuelTrucks",
    "Headcount",
    "IncidentStream",
    "LocalTime",
    "Movement",
    "Name",
    "NonNegative",
    "PeakWindow",
    "Positive",
    "Post",
    "Priority",
    "Probability",
    "Scenario",
    "ShiftPattern",
    "Site",
    "StagedTeams",
    "Strict",
    "Targets",
    "TeamSize",
    "Tier",
    "Travel",
    "TravelLeg",
    "UnscheduledMovements",
    "Window",
]


class Scenario(Strict):
    """A whole scenario file, validated field by field."""

    name: Name
    description: str | None = None
    timezone: str
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
        return check_zone(v)

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, v: dt.datetime) -> dt.datetime:
        """Leave a day's margin inside Python's years 1 to 9999 for time-zone and day-by-day arithmetic."""
        if not 2 <= v.year <= 9998:
            raise ValueError(f"{v} is outside the years 2 to 9998")
        return v

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: dt.datetime, info: ValidationInfo) -> dt.datetime:
        """On `end` itself, so that the error names the field and its line (`start` is read first)."""
        start = info.data.get("start")
        if start is not None and v <= start:
            raise ValueError(f"must be after start ({start})")
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def city_tz(self, city: str) -> ZoneInfo:
        """The clock a city's own times are read in: its `timezone`, else the scenario's."""
        zone = self.cities[city].timezone
        return self.tz if zone is None else ZoneInfo(zone)

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
        forces[name] = forces[name].scaled(troops)
        return self.model_copy(update={"forces": forces})
