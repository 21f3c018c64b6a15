"""The scenario's shared field types, each defined once: names, bounded numbers, times and the base model.

Every scenario model (`schema`, `places`, `forces`, `posts`, `delegations`, `incidents`, `air`,
`distributions`) takes its constrained fields from here, so a bound means the same thing everywhere.
The distribution-valued field type `Dist` lives in `sim.scenario.distributions`, beside the parser it
uses, because the distributions themselves are built from these types.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "MAX_AIRCRAFT",
    "MAX_DELEGATIONS",
    "MAX_INCIDENTS_PER_DAY",
    "MAX_TRIPS_PER_DAY",
    "MAX_WINDOW_DAYS",
    "MIN_TRUCK_EVERY_H",
    "Clock",
    "Count",
    "CrewSize",
    "Gallons",
    "Headcount",
    "LocalTime",
    "Name",
    "NonNegative",
    "Positive",
    "Priority",
    "Probability",
    "Strict",
    "TeamSize",
    "at_most",
    "safe_weights",
]

# The schema's sanity bounds (scenarios/README.md, "Limits"). Far beyond any real event, they stop a
# typing slip (a rate of 1e9 a day, a window of 9,000 years) before any work is estimated; the estimate
# (`sim.experiment.feasibility`) then bounds what a scenario within them may cost.
MAX_WINDOW_DAYS = 400  # from start to end
MAX_INCIDENTS_PER_DAY = 10_000  # one incident stream
MAX_TRIPS_PER_DAY = 1_000  # one delegation's unscheduled trips
MIN_TRUCK_EVERY_H = 0.1  # a fuel truck's delivery interval (`every_h`): six minutes
MAX_DELEGATIONS = 10_000  # every delegation's `count`, added up
MAX_AIRCRAFT = 10_000  # every aircraft group's `count`, added up
# An aircraft must be able to hold a station at least this long, after the flights out and back within its
# endurance (less the reserve) and its crew's duty, for the station to count as within reach: less would
# be flown for nothing (a transit of 0.2499999 h against a duty of exactly two quarter hours).
MIN_ON_STATION_H = 1 / 60

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$", max_length=64)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Headcount = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
Priority = Annotated[int, Field(ge=1, le=99, strict=True)]
Gallons = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]
Count = Annotated[int, Field(ge=0, le=10_000, strict=True)]

# Two kinds of group, two bounds. A ground team (an escort team, an incident response team) is drawn
# from a force whose headcount may run to millions, so it may be large. A crew is the people aboard one
# aircraft or driving one fuel truck on one trip: a thousand is already far beyond any real vehicle.
TeamSize = Annotated[int, Field(ge=1, le=100_000, strict=True)]
CrewSize = Annotated[int, Field(ge=1, le=1000, strict=True)]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: object) -> object:
    """Accept "HH:MM" (a YAML sexagesimal like 06:00 arrives as a string, quoted or not)."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if not m:
            raise ValueError(f"expected a time of day as HH:MM, got {value!r}")
        return dt.time(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"expected a time of day as HH:MM, got {value!r}")


def _local(value: object) -> object:
    """Scenario datetimes are local wall-clock times; an explicit UTC offset is refused."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("give local times without a UTC offset; the scenario's timezone applies")
    if isinstance(value, str) and re.search(r"([+-]\d\d:?\d\d|Z)$", value.strip()):
        raise ValueError("give local times without a UTC offset; the scenario's timezone applies")
    return value


def _naive(value: dt.datetime) -> dt.datetime:
    """A plain number parses as a Unix timestamp, which is UTC: not a local time of the scenario."""
    if value.tzinfo is not None:
        raise ValueError("expected a local date and time such as 2024-11-14T08:00, not a number")
    return value


def at_most(limit: float, what: str) -> AfterValidator:
    """A bound with a message in the file's terms: "at most 10,000 incidents a day (got 1e+09)"."""

    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"at most {limit:,g} {what} (got {value:g})")
        return value

    return AfterValidator(check)


def safe_weights(weights: list[float], what: str) -> list[float]:
    """Relative weights that the model can divide by their sum or mean without harm.

    Weights are only ever used relative to each other, but very large ones overflow when summed (24 x
    1e308 has an infinite mean: every weight divided by it is 0, so no incident would ever happen) and
    very small ones underflow (one weight of 5e-324 has a mean of 0: every weight divided by it is NaN).
    Such weights are divided by the largest first, which changes none of their ratios; ordinary weights
    are kept exactly as given. All zeros is an error: there is nothing to share out.
    """
    if not weights:
        return weights  # the list's length is checked where it is known
    top = max(weights)
    if not top > 0:
        raise ValueError(f"{what} must not be all zeros")
    total = sum(weights)
    if math.isfinite(total) and total / len(weights) >= sys.float_info.min:
        return weights
    scaled = [w / top for w in weights]
    if not math.isfinite(sum(scaled)):  # cannot happen (each is at most 1); kept as the guard
        raise ValueError(f"{what} do not add up to a finite number")
    return scaled


Clock = Annotated[dt.time, BeforeValidator(_clock)]
LocalTime = Annotated[dt.datetime, BeforeValidator(_local), AfterValidator(_naive)]


class Strict(BaseModel):
    """Base for every scenario model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
