"""Random incidents: where and how often they arise, and the team that answers them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.scenario.distributions import Dist
from sim.scenario.types import (
    MAX_INCIDENTS_PER_DAY,
    LocalTime,
    Name,
    NonNegative,
    Positive,
    Priority,
    Strict,
    TeamSize,
    at_most,
    safe_weights,
)

__all__ = ["IncidentStream"]


class IncidentStream(Strict):
    """Incidents in a city: Poisson at `rate_per_day`, shaped over the day by `hourly_profile`.

    The answering team (from `forces`, in order) is held for travel plus time on scene (or for the time
    on scene alone with `busy_includes_travel: false`, when `on_scene_min` already counts from dispatch);
    the response time is the wait for a team plus travel.
    """

    city: Name
    rate_per_day: Annotated[NonNegative, at_most(MAX_INCIDENTS_PER_DAY, "incidents a day in one stream")]
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
        """Relative weights: not all zero, and rescaled if they would overflow or underflow (see
        `safe_weights`: 24 x 1e308 must not mean no incident at all)."""
        return None if v is None else safe_weights(v, "hourly_profile")
