"""Scenario time: local datetimes <-> model hours since the scenario's start, and post schedules.

The model's clock is in hours from `scenario.start`. Conversions go through UTC so that a timezone
with daylight saving still gives true elapsed hours. A city with its own `timezone` reads its times on
`clock.in_zone(...)`: the same instants, another wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sim.scenario.schema import AirStation, Post, Scenario

__all__ = ["Clock", "requirement_steps"]

_UTC = dt.UTC
Scheduled = Post | AirStation


@dataclass(frozen=True)
class Clock:
    """Converts between local wall-clock datetimes and model hours."""

    start: dt.datetime
    tz: ZoneInfo
    horizon_h: float

    @classmethod
    def of(cls, s: Scenario) -> Clock:
        start = s.start.replace(tzinfo=s.tz)
        end = s.end.replace(tzinfo=s.tz)
        # through UTC: subtracting two datetimes of the same zone would ignore a daylight-saving change
        return cls(start, s.tz, (end.astimezone(_UTC) - start.astimezone(_UTC)).total_seconds() / 3600)

    def in_zone(self, tz: ZoneInfo) -> Clock:
        """The same instants read on another zone's wall clock (a city's own time zone)."""
        if tz == self.tz:
            return self
        return Clock(self.start.astimezone(tz), tz, self.horizon_h)

    def hours(self, t: dt.datetime) -> float:
        """Model hours of a local naive datetime."""
        aware = t.replace(tzinfo=self.tz).astimezone(_UTC)
        return (aware - self.start.astimezone(_UTC)).total_seconds() / 3600

    def local(self, h: float) -> dt.datetime:
        """Local naive datetime of model hours `h` (to the second)."""
        t = self.start.astimezone(_UTC) + dt.timedelta(seconds=round(h * 3600))
        return t.astimezone(self.tz).replace(tzinfo=None)

    def hour_of_day(self, h: float) -> float:
        """Local hour of day (0-24) at model hours `h`."""
        t = self.local(h)
        return t.hour + t.minute / 60 + t.second / 3600


def _windows(post: Scheduled, default: int, s: Scenario, clock: Clock) -> list[tuple[float, float, int]]:
    """Every (start_h, end_h, required) interval of a post, clipped to the scenario window."""
    out: list[tuple[float, float, int]] = []
    for w in post.windows:
        out.append((clock.hours(w.start), clock.hours(w.end), default if w.required is None else w.required))
    for d in post.daily:
        first = d.first_date or clock.start.date()
        last = d.last_date or clock.local(clock.horizon_h).date()
        day = first - dt.timedelta(days=1)  # a window crossing midnight may start the day before
        while day <= last:
            begin = dt.datetime.combine(day, d.from_)
            finish = dt.datetime.combine(day, d.to)
            if finish <= begin:
                finish += dt.timedelta(days=1)
            if day >= first:
                out.append(
                    (clock.hours(begin), clock.hours(finish), default if d.required is None else d.required)
                )
            day += dt.timedelta(days=1)
    return [
        (max(a, 0.0), min(b, clock.horizon_h), r)
        for a, b, r in out
        if b > 0 and a < clock.horizon_h and min(b, clock.horizon_h) > max(a, 0.0)
    ]


def requirement_steps(
    post: Scheduled, s: Scenario, clock: Clock, default: int | None = None
) -> list[tuple[float, int]]:
    """A post's (or air station's) requirement as a step function: (time_h, required) at each change.

    `default` is the requirement where a window gives none (a post's `required` unless stated).
    Overlapping windows take the larger requirement; adjacent ones do not close in between.
    """
    if default is None:
        if not isinstance(post, Post):
            raise TypeError("an air station's requirement needs its `default` count")
        default = post.required
    windows = _windows(post, default, s, clock)
    cuts = sorted({t for a, b, _ in windows for t in (a, b)})
    steps: list[tuple[float, int]] = []
    level = 0
    for t in cuts:
        new = max((r for a, b, r in windows if a <= t < b), default=0)
        if new != level:
            steps.append((t, new))
            level = new
    return steps
