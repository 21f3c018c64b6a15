"""The air and fuel part of a scenario: aircraft types and where they are based, aerial tankers,
fuel points and the fuel trucks that resupply them (air coverage windows live in `posts`).

Units are in field names: `_kt` knots, `_gal` U.S. gallons, `_gal_per_h` burn, `_h` and `_min` time.
"""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.distributions import Dist, Fixed
from sim.scenario.types import (
    MIN_TRUCK_EVERY_H,
    Count,
    CrewSize,
    Gallons,
    Name,
    NonNegative,
    Positive,
    Priority,
    Strict,
)

__all__ = [
    "AircraftGroup",
    "AircraftType",
    "Aircrew",
    "DelegationOverwatch",
    "FuelPoint",
    "FuelTrucks",
]


class Aircrew(Strict):
    """Dedicated crews of one aircraft type and the duty rules they fly under.

    A crew's duty period runs from its report (`preflight_h` before launch) to its release
    (`postflight_h` after landing) and may not exceed `max_duty_h`; once released it rests at least
    `min_rest_h` before it can report again. The crews are units of their own, outside the operator's
    ground shift pools, and any of them may fly any aircraft of the type.
    """

    crews: Annotated[int, Field(ge=1, le=10_000, strict=True)]
    max_duty_h: Positive
    min_rest_h: NonNegative
    preflight_h: NonNegative = 0.0
    postflight_h: NonNegative = 0.0

    @model_validator(mode="after")
    def _room_to_fly(self) -> Aircrew:
        ground = self.preflight_h + self.postflight_h
        if ground >= self.max_duty_h:
            raise ValueError(
                f"preflight_h + postflight_h ({self.preflight_h:g} + {self.postflight_h:g} = {ground:g} h) "
                f"leave no flight time within max_duty_h ({self.max_duty_h:g} h)"
            )
        return self


class AircraftType(Strict):
    """What an aircraft of this type can do and what it needs.

    Endurance is fuel / burn; an aircraft leaves its station with enough fuel to fly home plus
    `reserve_min` of flight. `turnaround_min` is the ground time to refuel and ready it between
    sorties. With `aircrew`, its dedicated crews fly it under duty and rest rules; without, crews come
    from the `operator` force's aviation role in the base's city and may not stay airborne longer than
    `crew_duty_h` on one sortie.
    """

    kind: Literal["helicopter", "surveillance", "tanker"] = "helicopter"
    name: str | None = None
    operator: Name
    cruise_kt: Positive
    fuel_capacity_gal: Positive
    burn_gal_per_h: Positive
    reserve_min: NonNegative = 20.0
    air_refuelable: bool = False
    crew: CrewSize
    crew_duty_h: Positive = 12.0
    aircrew: Aircrew | None = None
    turnaround_min: Dist = Fixed(value=20)
    failure_per_flight_h: NonNegative = 0.0
    repair_h: Dist = Fixed(value=4)
    maintenance_every_flight_h: Positive | None = None
    maintenance_h: Dist = Fixed(value=8)
    offload_gal: NonNegative = 0.0
    transfer_min: Dist = Fixed(value=15)
    receivers: list[Name] = []

    @model_validator(mode="after")
    def _tanker(self) -> AircraftType:
        if self.kind == "tanker" and (self.offload_gal <= 0 or not self.receivers):
            raise ValueError("a tanker needs offload_gal > 0 and a list of receivers")
        if self.kind != "tanker" and self.receivers:
            raise ValueError("only a `kind: tanker` aircraft type has receivers")
        if self.reserve_min / 60 >= self.fuel_capacity_gal / self.burn_gal_per_h:
            raise ValueError("reserve_min is longer than the aircraft's whole endurance")
        if self.aircrew is not None and "crew_duty_h" in self.model_fields_set:
            raise ValueError(
                "give either crew_duty_h or aircrew (its max_duty_h replaces crew_duty_h), not both"
            )
        return self

    @property
    def endurance_h(self) -> float:
        return self.fuel_capacity_gal / self.burn_gal_per_h


class AircraftGroup(Strict):
    """`count` aircraft of one type based at a site (an airport or base)."""

    type: Name
    base: Name
    count: Count = 1


class DelegationOverwatch(Strict):
    """Aircraft kept over every escorted movement of a delegation with `air_overwatch: true`."""

    type: Name
    count: Annotated[int, Field(ge=1, le=10, strict=True)] = 1
    priority: Priority = 1


class FuelPoint(Strict):
    """Aviation fuel stored at a site; aircraft based there refuel from it."""

    site: Name
    capacity_gal: Annotated[int, Field(ge=1, le=100_000_000, strict=True)]  # an empty tank is no fuel point
    initial_gal: Gallons

    @model_validator(mode="after")
    def _fits(self) -> FuelPoint:
        if self.initial_gal > self.capacity_gal:
            raise ValueError(f"initial_gal ({self.initial_gal}) exceeds capacity_gal ({self.capacity_gal})")
        return self


class FuelTrucks(Strict):
    """Trucks that load at a depot and deliver to fuel points.

    Policy: with `reorder_point_gal`, a truck is sent when a served fuel point's stock plus what is
    already on its way falls to that level; with `every_h`, each served point gets a delivery every
    `every_h` hours from `first_h` after the start. Each trip needs `drivers` people from the
    operator's logistics role in the depot's city.
    """

    count: Annotated[int, Field(ge=1, le=1000, strict=True)]
    depot: Name
    serves: list[Name] = Field(min_length=1)
    operator: Name
    drivers: CrewSize = 1
    capacity_gal: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]
    road_speed_kmh: Positive = 50.0
    load_min: Dist = Fixed(value=45)
    unload_gal_per_min: Positive = 600.0
    reorder_point_gal: Gallons | None = None
    every_h: Annotated[float, Field(ge=MIN_TRUCK_EVERY_H, allow_inf_nan=False)] | None = None
    first_h: NonNegative = 0.0

    @model_validator(mode="after")
    def _policy(self) -> FuelTrucks:
        if (self.reorder_point_gal is None) == (self.every_h is None):
            raise ValueError("give exactly one policy: reorder_point_gal or every_h")
        return self
