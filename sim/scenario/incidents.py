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

__all__ = ["AirAlert", "IncidentStream", "StagedTeams"]


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


class StagedTeams(Strict):
    """`teams` reaction teams staged at `site`: a standing post there of `teams` x the stream's `team`
    people from its `forces`, staffed by the duty board around the clock."""

    site: Name
    teams: Annotated[int, Field(ge=1, le=100, strict=True)] = 1


class IncidentStream(Strict):
    """Incidents in a city: Poisson at `rate_per_day`, shaped over the day by `hourly_profile`, answered
    by a ground team, an aircraft on alert (`air_alert`), or both.

    The answering team (`team` people from `forces`, in order) is held for travel plus time on scene (or
    for the time on scene alone with `busy_includes_travel: false`, when `on_scene_min` already counts
    from dispatch); the response time is the wait for a team plus travel.

    With `staged`, dedicated teams staged at sites answer instead: each incident arises at a site
    (`site`, or one of `sites` drawn by weight) and the free staged team with the shortest road time
    to it goes; the response time is the wait for a free team, `dispatch_min` and the road time, and the
    team is busy for that and the time on scene and the road time back to its site.
    """

    city: Name
    rate_per_day: Annotated[NonNegative, at_most(MAX_INCIDENTS_PER_DAY, "incidents a day in one stream")]
    hourly_profile: list[NonNegative] | None = Field(default=None, min_length=24, max_length=24)
    team: TeamSize | None = None
    forces: list[Name] = []
    travel_min: Dist | None = None
    on_scene_min: Dist
    air_alert: AirAlert | None = None
    staged: list[StagedTeams] = []
    site: Name | None = None
    sites: dict[Name, Positive] | None = Field(default=None, min_length=1)
    dispatch_min: Dist | None = None
    target_min: Positive = 15.0
    busy_includes_travel: bool = True
    priority: Priority = 3
    first: LocalTime | None = None
    last: LocalTime | None = None

    @model_validator(mode="after")
    def _answered(self) -> IncidentStream:
        if self.staged:
            return self._staged_ok()
        for key in ("site", "sites", "dispatch_min"):
            if getattr(self, key) is not None:
                raise ValueError(f"`{key}` is only used with `staged` teams")
        ground = {"team": self.team, "forces": self.forces or None, "travel_min": self.travel_min}
        given = [k for k, v in ground.items() if v is not None]
        if not given and self.air_alert is None:
            raise ValueError("give a ground team (team, forces, travel_min), an air_alert, or both")
        if given and len(given) < len(ground):
            missing = ", ".join(k for k in ground if k not in given)
            raise ValueError(f"a ground team needs team, forces and travel_min: {missing} missing")
        return self

    def _staged_ok(self) -> IncidentStream:
        """Staged teams need a team size, forces and where incidents arise; their travel is the road
        time between sites, so `travel_min` and `busy_includes_travel: false` do not apply."""
        missing = [k for k, v in (("team", self.team), ("forces", self.forces or None)) if v is None]
        if missing:
            raise ValueError(f"staged teams need team and forces: {', '.join(missing)} missing")
        if (self.site is None) == (self.sites is None):
            raise ValueError("staged teams need where incidents arise: give `site` or `sites` (not both)")
        if self.travel_min is not None:
            raise ValueError("staged teams travel the road time between sites: drop `travel_min`")
        if not self.busy_includes_travel:
            raise ValueError("staged teams are busy for their travel: drop `busy_includes_travel: false`")
        where = [t.site for t in self.staged]
        if len(set(where)) < len(where):
            raise ValueError(f"a site is staged twice: {where}; give its `teams` once")
        return self

    @property
    def incident_sites(self) -> dict[str, float]:
        """Where incidents arise, with weights (empty without staged teams)."""
        if self.sites is not None:
            return dict(self.sites)
        return {self.site: 1.0} if self.site is not None else {}

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
