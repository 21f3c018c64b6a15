"""The people: forces with their headcount, split by city and role, shift pattern and absences."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from sim.scenario.types import Clock, Headcount, Name, NonNegative, Probability, Strict

Role = Literal["security", "aviation", "logistics"]

__all__ = ["Force", "ShiftPattern"]


class ShiftPattern(Strict):
    """How a force's people rotate: `crews` crews of `shift_h` hours each, starting at `first_start`.

    `12on12off` is two 12-hour crews; `8h3crew` three 8-hour crews; `continuous` one crew always on
    (for analytic cases). The incoming crew arrives `handover_min` before the outgoing one leaves.
    """

    pattern: Literal["12on12off", "8h3crew", "continuous"] = "12on12off"
    first_start: Clock = dt.time(7, 0)
    handover_min: NonNegative = 0.0

    @property
    def crews(self) -> int:
        return {"12on12off": 2, "8h3crew": 3, "continuous": 1}[self.pattern]

    @property
    def shift_h(self) -> float:
        return {"12on12off": 12.0, "8h3crew": 8.0, "continuous": float("inf")}[self.pattern]


def _all_security() -> dict[Role, float]:
    return {"security": 1.0}


class Force(Strict):
    """A body of people: its headcount, split by city and by role, shift pattern and absences."""

    name: str | None = None
    headcount: Headcount
    swept: bool = False
    cities: dict[Name, Probability] = Field(min_length=1)
    roles: dict[Role, Probability] = Field(default_factory=lambda: _all_security())
    shift: ShiftPattern = ShiftPattern()
    absence_prob: Probability = 0.0

    @field_validator("cities", "roles")
    @classmethod
    def _sums_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return v
