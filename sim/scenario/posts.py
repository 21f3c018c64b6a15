"""Standing requirements over time: posts (people at a site) and air stations (aircraft over a site).

Both are staffed during explicit `windows` and repeating `daily` windows, defined here.
"""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance; ruff cannot see across
# files that `Strict` is a pydantic model, so it would flag every `= []` and `= {}` default here.

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from sim.scenario.types import Clock, Headcount, LocalTime, Name, Priority, Strict

__all__ = ["AirStation", "DailyWindow", "Post", "Window"]


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
    Priority 1 is served first; critical posts count towards P(critical gap). With
    `travel.between_posts`, `roster: fixed` keeps the people a post is given at the start of a shift
    on it for their shift, and refills it only from its own site (or zone) and from people coming on shift.
    """

    site: Name
    required: Headcount
    forces: list[Name] = Field(min_length=1)
    role: Literal["security", "aviation", "logistics"] = "security"
    critical: bool = False
    priority: Priority = 5
    roster: Literal["pooled", "fixed"] = "pooled"
    windows: list[Window] = []
    daily: list[DailyWindow] = []
    note: str | None = None

    @model_validator(mode="after")
    def _has_time(self) -> Post:
        if not self.windows and not self.daily:
            raise ValueError("a post needs `windows` or `daily` (or both)")
        return self


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
