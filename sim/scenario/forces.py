"""The people: forces with their headcount over time, split by city and role, shift pattern and absences."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.types import Clock, Headcount, LocalTime, Name, NonNegative, Positive, Probability, Strict

Role = Literal["security", "aviation", "logistics"]

__all__ = ["BUILTIN_ROTATIONS", "Force", "Outbreak", "ShiftPattern", "StrengthStep"]

# Built-in patterns as rotations: one string per crew, one character per day of the cycle, the digit
# naming which of the day's shifts the crew works (1 starts at `first_start`), `-` a rest day.
# `12on12off` and `8h3crew` number their crews from the first shift of the run (as they always have).
BUILTIN_ROTATIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "12on12off": (12.0, ("1", "2")),
    "8h3crew": (8.0, ("1", "2", "3")),
    "panama": (12.0, ("11--111--11---", "--11---11--111", "22--222--22---", "--22---22--222")),
    "4on4off": (12.0, ("1111----", "----1111", "2222----", "----2222")),
}
PatternName = Literal["12on12off", "8h3crew", "continuous", "panama", "4on4off"]


class ShiftPattern(Strict):
    """How a force's people rotate: crews working shifts of `shift_h` hours on the days of a rotation.

    Give a built-in `pattern` name, or `shift_h` and a `rotation` (one string per crew, one character
    per day of a repeating cycle: `1`..`9` the shift of that day it works, shift 1 starting at
    `first_start` and the others following every `shift_h`; `-` a rest day). `continuous` is one crew
    always on (for analytic cases). The incoming crew arrives `handover_min` before the outgoing one
    leaves. People held by a task at their shift end stay with it on overtime; `max_holdover_h` caps
    that hold-over (then the task swaps them for people on shift). `teams_from` says which crew a team
    formed during an overlap comes from: the one leaving first (default) or the fresh one.
    `max_consecutive_days` and `max_hours_week` are the planner's limits: a rotation breaking them is
    refused.
    """

    pattern: PatternName = "12on12off"  # ignored when a `rotation` is given
    shift_h: Positive | None = None
    rotation: list[str] | None = Field(default=None, min_length=1, max_length=100)
    cycle_start: dt.date | None = None
    first_start: Clock = dt.time(7, 0)
    handover_min: NonNegative = 0.0
    max_holdover_h: NonNegative | None = None
    teams_from: Literal["leaving_first", "fresh_first"] = "leaving_first"
    max_consecutive_days: int | None = Field(default=None, ge=1, le=366, strict=True)
    max_hours_week: Positive | None = None

    @field_validator("rotation")
    @classmethod
    def _days(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        for i, crew in enumerate(v):
            if not crew or len(crew) > 366 or any(ch not in "-123456789" for ch in crew):
                raise ValueError(
                    f"crew {i + 1}: {crew!r} must be 1 to 366 characters, each a shift number 1-9 or '-' "
                    "for a rest day"
                )
            if len(crew) != len(v[0]):
                raise ValueError(f"crew {i + 1} has a {len(crew)}-day cycle, crew 1 a {len(v[0])}-day one")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ShiftPattern:
        if "pattern" in self.model_fields_set and (self.rotation is not None or self.shift_h is not None):
            raise ValueError(f"give either `pattern` ({self.pattern}) or `shift_h` and `rotation`, not both")
        if (self.rotation is None) != (self.shift_h is None):
            raise ValueError("`shift_h` and `rotation` go together: give both (or a built-in `pattern`)")
        if self.shift_h is not None:
            per_day = 24 / self.shift_h
            if abs(per_day - round(per_day)) > 1e-9:
                raise ValueError(f"shift_h {self.shift_h:g} must divide the 24-hour day (24, 12, 8, 6, ...)")
            top = max((int(ch) for crew in self.days for ch in crew if ch != "-"), default=0)
            if top > round(per_day):
                raise ValueError(
                    f"shift {top} does not exist: {self.shift_h:g}-hour shifts make {per_day:g} a day"
                )
        if self.max_consecutive_days is not None and self.consecutive_days > self.max_consecutive_days:
            worst = "every day" if math.isinf(self.consecutive_days) else f"{self.consecutive_days:g} days"
            raise ValueError(
                f"the rotation works {worst} in a row, more than max_consecutive_days "
                f"{self.max_consecutive_days}"
            )
        if self.max_hours_week is not None and self.hours_week > self.max_hours_week + 1e-9:
            raise ValueError(
                f"the rotation works up to {self.hours_week:g} h in 7 days, more than max_hours_week "
                f"{self.max_hours_week:g}"
            )
        return self

    @property
    def name(self) -> str:
        """The built-in name, or `rotation` for one given as data."""
        return "rotation" if self.rotation is not None else self.pattern

    @property
    def continuous(self) -> bool:
        return self.rotation is None and self.pattern == "continuous"

    @property
    def days(self) -> tuple[str, ...]:
        """The rotation: one string per crew, a character per day of the cycle."""
        if self.rotation is not None:
            return tuple(self.rotation)
        if self.continuous:
            return ("1",)
        return BUILTIN_ROTATIONS[self.name][1]

    @property
    def crews(self) -> int:
        return len(self.days)

    @property
    def length_h(self) -> float:
        """Hours of one shift (infinite for `continuous`)."""
        if self.continuous:
            return math.inf
        if self.shift_h is not None:
            return self.shift_h
        return BUILTIN_ROTATIONS[self.name][0]

    @property
    def on_share(self) -> float:
        """Share of a crew's hours spent on shift, averaged over crews (equal crews): 1/2 for
        `12on12off`, 5/7 x 1/2 for 12-hour shifts worked 5 days on, 2 off."""
        if self.continuous:
            return 1.0
        days = self.days
        on = sum(ch != "-" for crew in days for ch in crew)
        return on * self.length_h / (len(days) * len(days[0]) * 24)

    @property
    def consecutive_days(self) -> float:
        """The longest run of working days of any crew around its cycle (infinite: no rest day)."""
        if self.continuous:
            return math.inf
        worst = 0.0
        for crew in self.days:
            if "-" not in crew:
                return math.inf
            i = crew.index("-")
            turned = crew[i:] + crew[:i]  # start on a rest day so no run wraps around
            worst = max(worst, *(len(run) for run in turned.split("-")))
        return worst

    @property
    def hours_week(self) -> float:
        """The most hours on shift of any crew in any 7 days running of its cycle."""
        if self.continuous:
            return 7 * 24.0
        worst = 0
        for crew in self.days:
            week = (crew * (7 // len(crew) + 2))[: len(crew) + 7]
            worst = max(worst, *(sum(ch != "-" for ch in week[i : i + 7]) for i in range(len(crew))))
        return worst * self.length_h


class StrengthStep(Strict):
    """From `from` (local time) on, the force has `headcount` people."""

    from_: LocalTime = Field(alias="from")
    headcount: Headcount

    model_config = Strict.model_config | {"populate_by_name": True}


class Outbreak(Strict):
    """Correlated absence: each day an outbreak starts with `prob_per_day` (independently in each city)
    and lasts `days` days; shifts starting in it lose each person with `absence_prob` more."""

    prob_per_day: Probability
    absence_prob: Probability
    days: int = Field(default=1, ge=1, le=366, strict=True)


def _all_security() -> dict[Role, float]:
    return {"security": 1.0}


class Force(Strict):
    """A body of people: its headcount (over time), split by city and role, shift pattern and absences.

    The split is by shares (`cities`, then `roles`, or `city_roles` for a city with its own split) or by
    exact numbers (`pools`: city -> role -> people, summing to `headcount`). `strength` changes the
    headcount on dates; every step is split the same way.
    """

    name: str | None = None
    headcount: Headcount
    swept: bool = False
    cities: dict[Name, Probability] | None = Field(default=None, min_length=1)
    roles: dict[Role, Probability] = Field(default_factory=lambda: _all_security())
    city_roles: dict[Name, dict[Role, Probability]] = Field(default_factory=dict)
    pools: dict[Name, dict[Role, Headcount]] | None = Field(default=None, min_length=1)
    strength: list[StrengthStep] = Field(default_factory=list, max_length=1000)
    shift: ShiftPattern = ShiftPattern()
    absence_prob: Probability = 0.0
    outbreak: Outbreak | None = None

    @field_validator("cities", "roles")
    @classmethod
    def _sums_to_one(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            _check_shares(v)
        return v

    @field_validator("city_roles")
    @classmethod
    def _each_sums_to_one(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for city, shares in v.items():
            try:
                _check_shares(shares)
            except ValueError as e:
                raise ValueError(f"{city}: {e}") from None
        return v

    @field_validator("strength")
    @classmethod
    def _ordered(cls, v: list[StrengthStep]) -> list[StrengthStep]:
        for a, b in itertools.pairwise(v):
            if b.from_ <= a.from_:
                raise ValueError(f"steps must be in time order: {b.from_} is not after {a.from_}")
        return v

    @model_validator(mode="after")
    def _split(self) -> Force:
        if (self.cities is None) == (self.pools is None):
            raise ValueError("give either `cities` (shares) or `pools` (people per city and role)")
        if self.pools is not None:
            if "roles" in self.model_fields_set or self.city_roles:
                raise ValueError("`pools` gives people per city and role: leave out `roles` and `city_roles`")
            total = sum(n for roles in self.pools.values() for n in roles.values())
            if total != self.headcount:
                raise ValueError(f"`pools` add up to {total} people but headcount is {self.headcount}")
        elif self.cities is not None:
            for city in self.city_roles:
                if city not in self.cities:
                    raise ValueError(f"city_roles: {city} is not one of the force's cities")
        return self

    @property
    def city_names(self) -> list[str]:
        """The cities the force serves in."""
        return list(self.pools if self.pools is not None else self.cities or {})

    @property
    def peak(self) -> int:
        """The most people the force has at any time."""
        return max([self.headcount, *(s.headcount for s in self.strength)])

    def scaled(self, troops: int) -> Force:
        """The force with `troops` as its headcount, every strength step scaled alike (rounded)."""
        update: dict[str, object] = {"headcount": troops}
        if self.strength:
            f = troops / self.headcount if self.headcount else 0.0
            update["strength"] = [
                s.model_copy(update={"headcount": round(s.headcount * f)}) for s in self.strength
            ]
        return self.model_copy(update=update)


def _check_shares(v: dict[str, float]) -> None:
    total = sum(v.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1, got {total:g}")
