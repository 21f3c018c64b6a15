"""Where things happen: cities, the sites in them, and road travel times between sites."""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

import math
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

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


def check_zone(v: str) -> str:
    """An IANA time zone name, or a clear error."""
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {v!r} (for example America/Lima)") from None
    return v


class City(Strict):
    """A city with coordinates (decimal degrees), used for distances and labels.

    `timezone` (default: the scenario's) is the clock the city's own times are read in: its posts'
    windows, its delegations' flights and programmes, its incident streams, its crews' shifts.
    `reserve_site` is where people on duty wait when no post needs them, with `travel.between_posts`
    (default: the city's centre, `lat`/`lon`).
    """

    name: str | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    timezone: str | None = None
    reserve_site: Name | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)


class Site(Strict):
    """A place in a city where demands arise: venue, airport, hotel, base, palace."""

    city: Name
    kind: Literal["venue", "airport", "hotel", "base", "palace", "port", "embassy", "other"] = "other"
    name: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    zone: Name | None = None  # with `travel.between_posts`: people move between sites of a zone at once


class TravelLeg(Strict):
    """A given road travel time between two sites (both directions)."""

    between: tuple[Name, Name]
    minutes: NonNegative


class Travel(Strict):
    """Road travel: given legs first, else straight-line distance x detour / speed.

    `between_posts` (default off: each city is one instant pool) makes the duty board place people at
    sites: a person moved to a post at another site is on the road for the road time between them.
    """

    road_speed_kmh: Positive = 30.0
    detour_factor: Annotated[float, Field(ge=1, le=5)] = 1.3
    default_min: NonNegative = 30.0
    legs: list[TravelLeg] = []
    between_posts: bool = False
