"""Visiting delegations: their tiers, flights in and out, scheduled programme and unscheduled trips."""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.distributions import Dist, Fixed
from sim.scenario.types import (
    MAX_TRIPS_PER_DAY,
    LocalTime,
    Name,
    NonNegative,
    Priority,
    Strict,
    TeamSize,
    at_most,
)

__all__ = ["Delegation", "Flight", "Movement", "Tier", "UnscheduledMovements"]


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

    rate_per_day: Annotated[NonNegative, at_most(MAX_TRIPS_PER_DAY, "unscheduled trips a day per delegation")]
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
