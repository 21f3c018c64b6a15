"""Where things happen: cities, the sites in them, and road travel times between sites."""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from sim.scenario.types import Name, NonNegative, Positive, Strict

__all__ = ["City", "Site", "Travel", "TravelLeg", "haversine_km", "site_latlon"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def site_latlon(site: Site, cities: dict[str, City]) -> tuple[float, float]:
    """A site's coordinates, or its city's where the site gives none."""
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon
    city = cities[site.city]
    return city.lat, city.lon


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
