"""Numbers for people: shares as percentages, person-hours with thousands separators, minutes and hours
with their unit, infinity as ∞, and an interval in the same style as its estimate.

A foundation module (it imports only sim.stats), so that figures, terminal summaries and `report.html`
print a number the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from sim.stats import Interval

__all__ = [
    "WITHIN_WHAT",
    "fmt_interval",
    "fmt_short",
    "fmt_value",
    "is_share",
    "metric_base",
    "metric_name",
    "scope_of",
    "unit_of",
    "within_bound",
]

_SHARES = (
    "post_coverage",
    "worst_post_coverage",
    "air_coverage",
    "critical_gap",
    "utilization",
    "aircraft_availability",
)
_NAMES = {
    "post_coverage": "post coverage",
    "worst_post_coverage": "worst post's coverage",
    "critical_gap": "P(critical gap)",
    "gap_person_hours": "person-hours short",
    "critical_gap_person_hours": "critical person-hours short",
    "longest_gap_h": "longest gap",
    "escort_delay_mean_min": "escort delay mean",
    "escort_delay_p95_min": "escort delay p95",
    "escort_delay_max_min": "escort delay max",
    "movements_delayed_frac": "movements delayed",
    "movements_unescorted": "movements never escorted",
    "response_time_mean_min": "response mean",
    "response_time_p50_min": "response p50",
    "response_time_p90_min": "response p90",
    "reached_within_target_frac": "incidents reached within target",
    "unanswered_incidents": "incidents never reached",
    "air_response_time_p90_min": "air-alert response p90",
    "air_reached_within_target_frac": "air alerts overhead within target",
    "unanswered_air_alerts": "air alerts never answered",
    "utilization": "utilisation",
    "overtime_person_hours": "overtime person-hours",
    "air_coverage": "air coverage",
    "fuel_outage_h": "fuel outage",
    "aircraft_availability": "aircraft availability",
    "flight_hours": "flight hours",
    "crew_duty_hours": "crew duty person-hours",
}
_PERSON_HOURS = {"crew_duty_hours"}  # person-hours (docs/metrics.md) whose name does not say so


_WITHIN = re.compile(r"^(escort|air_response|response)_within_(.+)min_frac$")
# what each share-within family counts, for people
WITHIN_WHAT = {"escort": ("movements escorted", "movements"), "response": ("incidents reached", "incidents"),
               "air_response": ("air alerts overhead", "air-alert incidents")}  # fmt: skip


def metric_base(column: str) -> str:
    """The metric of a column: `post_coverage[force=us]` → `post_coverage`."""
    return column.split("[", 1)[0]


def scope_of(column: str) -> str:
    """A column's scope for people: `post_coverage[force=us,city=lima]` → `force us, city lima`."""
    return column[len(metric_base(column)) :].strip("[]").replace("=", " ").replace(",", ", ")


def within_bound(column: str) -> tuple[str, float] | None:
    """(family, minutes) of a share-within column: `escort_within_15min_frac[...]` → ("escort", 15.0)."""
    m = _WITHIN.match(metric_base(column))
    return (m.group(1), float(m.group(2))) if m else None


def is_share(column: str) -> bool:
    """True for a share or probability (shown as a percentage)."""
    base = metric_base(column)
    return base in _SHARES or base.endswith("_frac")


def unit_of(column: str) -> str:
    """The unit a column's numbers are printed with: "%", "min", "h", "person-h" or ""."""
    base = metric_base(column)
    if is_share(column):
        return "%"
    if base.endswith("_min"):
        return "min"
    if base.endswith(("_person_hours", "_hours")):
        return "person-h" if "person" in base or base in _PERSON_HOURS else "h"
    if base.endswith("_h"):
        return "h"
    return ""


def metric_name(column: str) -> str:
    """A column's name for people: `post coverage [force us]`, `movements escorted within 15 min`."""
    base, scope, within = metric_base(column), scope_of(column), within_bound(column)
    if within is not None:
        name = f"{WITHIN_WHAT[within[0]][0]} within {within[1]:g} min"
    else:
        name = _NAMES.get(base, base.replace("_", " "))
    return f"{name} [{scope}]" if scope else name


def _places(shown: Iterable[float], digits: int) -> int:
    """Decimals to print numbers with (as shown: a share in percent): `digits`, or more where a nonzero
    one would print as 0 (two significant digits, at most 6 decimals; smaller ones print as 0)."""
    places = digits
    for x in shown:
        a = abs(x)
        if 0.5e-6 <= a < 0.5 * 10**-digits:
            places = max(places, min(6, 1 - math.floor(math.log10(a))))
    return places


def _fixed(x: float, places: int) -> str:
    """`x` to `places` decimals with thousands separators, never `-0` (`-0.00`)."""
    text = f"{x:,.{places}f}"
    return text[1:] if text.startswith("-") and not round(x, places) else text


def _plain(x: float, unit: str, digits: int, places: int | None = None) -> str:
    """`x` in `unit` without the unit's name, to `places` decimals (default: `_places`); a share in
    percent, person-hours and numbers of 1,000 or more in whole numbers where they are not small."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if places is not None:
        return _fixed(100 * x, places) + "%" if unit == "%" else _fixed(x, places)
    if unit == "%":
        return _fixed(100 * x, _places([100 * x], digits)) + "%"
    if unit == "person-h" or abs(x) >= 1000:
        return _fixed(x, _places([x], 0))
    if x != 0 and abs(x) < 0.01:
        return _fixed(x, _places([x], digits))
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if "." in f"{x:.{digits}f}" else f"{x:,.{digits}f}"


def fmt_value(column: str, x: float, digits: int = 2, with_unit: bool = True) -> str:
    """One number of `column`: `98.58%`, `6,797 person-h`, `22.4 min`, `∞` (to two significant digits
    where its usual decimals would show 0)."""
    unit = unit_of(column)
    text = _plain(x, unit, digits)
    if with_unit and unit not in ("", "%") and text not in ("n/a", "∞", "−∞"):
        text += f" {unit}"
    return text


def fmt_short(column: str, x: float) -> str:
    """A number of `column` for a figure's label, shorter than `fmt_value`: `99%`, `97.3%`, `15 min`,
    `6,797 person-h`, `∞` (shares to at most two decimals, other numbers to four significant digits)."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if is_share(column):
        return f"{100 * x:.2f}".rstrip("0").rstrip(".") + "%"
    unit = unit_of(column)  # min, h or person-h
    return (f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}") + (f" {unit}" if unit else "")


def _interval_places(unit: str, digits: int, mean: float, low: float, high: float) -> int:
    """Decimals for an estimate and its bounds, the same for all three: `digits` (none for person-hours
    and numbers of 1,000 or more), or more where a nonzero one would print as 0 (one significant digit)
    or the bounds would print alike (two of the interval's width); at most 6."""
    shown = [100 * x if unit == "%" else x for x in (mean, low, high)]
    places = 0 if unit == "person-h" or max(abs(x) for x in shown) >= 1000 else digits
    for x in shown:
        if abs(x) >= 0.5e-6 and not round(x, places):
            places = max(places, min(6, -math.floor(math.log10(abs(x)))))
    width = shown[2] - shown[1]
    if width > 0 and _fixed(shown[1], places) == _fixed(shown[2], places):
        places = max(places, min(6, 1 - math.floor(math.log10(width))))
    return places


def fmt_interval(column: str, iv: Interval, digits: int = 2, *, difference: bool = False) -> str:
    """An estimate and its 95% interval in the estimate's style: `98.58% (98.57–98.60%)`,
    `6,797 person-h (6,778–6,816)`; just the estimate when the interval is too narrow to show or absent.

    The interval shown stays within the metric's natural range: [0, 100%] for a share, ≥ 0 for every
    other metric; a `difference` (B − A, a marginal value) is shown as computed, in percentage points
    (`pp`) for a share."""
    if iv.n == 0:
        return "n/a"
    unit = unit_of(column)
    if math.isnan(iv.ci_low) or math.isinf(iv.mean):
        mean = fmt_value(column, iv.mean, digits)
        return mean if iv.n > 1 or math.isinf(iv.mean) else f"{mean} (n=1)"
    ci_low, ci_high = iv.ci_low, iv.ci_high
    if not difference:  # a Student-t interval can run past 0 or 100%: shown cut at the natural bound
        ci_low, ci_high = max(ci_low, 0.0), (min(ci_high, 1.0) if unit == "%" else ci_high)
    places = _interval_places(unit, digits, iv.mean, ci_low, ci_high)
    mean = _plain(iv.mean, unit, digits, places)
    low, high = _plain(ci_low, unit, digits, places), _plain(ci_high, unit, digits, places)
    if low == high == mean:  # too narrow to show
        low = high = ""
    if difference and unit == "%":  # a difference of shares is in percentage points, not percent
        mean, low, high = (x.replace("%", " pp") for x in (mean, low, high))
    if unit not in ("", "%") and mean not in ("n/a", "∞", "−∞"):
        mean += f" {unit}"
    return f"{mean} ({low.removesuffix('%').removesuffix(' pp')}–{high})" if low else mean
