"""Random incidents: where and how often they arise, and the team that answers them."""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance (see sim.scenario.posts)

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.scenario.distributions import Dist, Fixed
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

__all__ = ["AirAlert", "IncidentStream"]


class AirAlert(Strict):
    """An aircraft of `type` on ground alert answers each incident: the nearest ready aircraft of the
    type that can reach `site` and a crew are called, it takes off `scramble_min` later, flies to `site`,
    stays the incident's time on scene (less if its fuel or crew duty runs short) and flies home. Its
    response time is the time to overhead: the wait for an aircraft and crew, the scramble and the
    transit."""

    type: Name
    site: Name
    scramble_min: Dist = Fixed(value=15)
    target_min: Positive = 30.0
    priority: Priority = 1


class IncidentStream(Strict):
    """Incidents in a city: Poisson at `rate_per_day`, shaped over the day by `hourly_profile`, answered
    by a ground team, an aircraft on alert (`air_alert`), or both.

    The answering team (`team` people from `forces`, in order) is held for travel plus time on scene (or
    for the time on scene alone with `busy_includes_travel: false`, when `on_scene_min` already counts
    from dispatch); the response time is the wait for a team plus travel.
    """

    city: Name
    rate_per_day: Annotated[NonNegative, at_most(MAX_INCIDENTS_PER_DAY, "incidents a day in one stream")]
    hourly_profile: list[NonNegative] | None = Field(default=None, min_length=24, max_length=24)
    team: TeamSize | None = None
    forces: list[Name] = []
    travel_min: Dist | None = None
    on_scene_min: Dist
    air_alert: AirAlert | None = None
    target_min: Positive = 15.0
    busy_includes_travel: bool = True
    priority: Priority = 3
    first: LocalTime | None = None
    last: LocalTime | None = None

    @model_validator(mode="after")
    def _answered(self) -> IncidentStream:
        ground = {"team": self.team, "forces": self.forces or None, "travel_min": self.travel_min}
        given = [k for k, v in ground.items() if v is not None]
        if not given and self.air_alert is None:
            raise ValueError("give a ground team (team, forces, travel_min), an air_alert, or both")
        if given and len(given) < len(ground):
            missing = ", ".join(k for k in ground if k not in given)
            raise ValueError(f"a ground team needs team, forces and travel_min: {missing} missing")
        return self

    @property
    def ground(self) -> bool:
        """Whether a ground team answers the incidents (else only the air alert does)."""
        return self.team is not None

    @field_validator("hourly_profile")
    @classmethod
    def _some_weight(cls, v: list[float] | None) -> list[float] | None:
        """Relative weights: not all zero, and rescaled if they would overflow or underflow (see
        `safe_weights`: 24 x 1e308 must not mean no incident at all)."""
        return None if v is None else safe_weights(v, "hourly_profile")
