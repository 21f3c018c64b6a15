"""What every figure shares: titles that name the scenario and the replications, local time axes,
percentage axes, and small helpers to read targets whether they come as a `Targets` object or as a
manifest's dict. Numbers and metric columns (`post_coverage[force=us]`) are read and printed by
sim.numbers, as in the terminal and the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.scenario.targets import SCOPE_KEYS

__all__ = [
    "DPI",
    "local_time_axis",
    "new_figure",
    "percent_axis",
    "replications_text",
    "scoped_targets",
    "target_of",
    "title",
]

DPI = 120  # pixels per inch of saved figures: a 10-inch figure is 1200 px wide


def new_figure(width: float, height: float) -> Figure:
    """A figure without pyplot (no global state, no display needed), laid out without overlaps."""
    return Figure(figsize=(width, height), layout="constrained")


def replications_text(replications: int | None, per: str = "level") -> str:
    """`100 replications per level`, `1 replication`, or nothing when unknown."""
    if replications is None:
        return ""
    noun = "replication" if replications == 1 else "replications"
    return f"{replications:,} {noun}" + (f" per {per}" if per and replications != 1 else "")


def title(fig: Figure, what: str, scenario: str, replications: int | None, per: str = "level",
          note: str = "") -> None:  # fmt: skip
    """`scenario: what` in bold, and below it how many replications (and `note`)."""
    second = "; ".join(x for x in (replications_text(replications, per), note) if x)
    head = f"{scenario}: {what}" if scenario else what
    fig.suptitle(head + (f"\n{second}" if second else ""), fontsize=12)


def local_time_axis(ax: Axes, timezone: str, start: dt.datetime, end: dt.datetime) -> None:
    """An x axis of local wall-clock datetimes: a tick per day (or per hour on short spans), labelled
    with the timezone."""
    span_h = (end - start).total_seconds() / 3600
    if span_h <= 36:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 3)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))
    else:
        step = max(1, round(span_h / 24 / 12))  # at most about a dozen date labels
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d %b"))
        if step == 1 and span_h <= 24 * 4:  # a few days: label the hours between the dates too
            ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=(6, 12, 18)))
            ax.xaxis.set_minor_formatter(mdates.DateFormatter("%H:%M"))
            ax.tick_params(axis="x", which="minor", labelsize=7, labelcolor="0.35")
        elif step == 1 and span_h <= 24 * 8:
            ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=(6, 12, 18)))
    # matplotlib's stubs type limits as floats; at run time the axis's date converter takes datetimes
    ax.set_xlim(start, end)  # type: ignore[arg-type]
    ax.set_xlabel(f"local time ({timezone})")


def target_of(targets: Any, name: str) -> float | None:
    """A target's limit from a `Targets` object or a dict (a manifest's resolved scenario); None if unset."""
    if targets is None:
        return None
    value = targets.get(name) if isinstance(targets, dict) else getattr(targets, name, None)
    return None if value is None else float(value)


def scoped_targets(targets: Any, metric: str) -> list[tuple[str, str, str, float]]:
    """The scoped targets on `metric` as (scope key, scope value, "min" or "max", limit), from a
    `Targets` object or a manifest's dict (its `checks`); whole-event ones are left out."""
    if targets is None:
        return []
    checks = targets.get("checks") if isinstance(targets, dict) else getattr(targets, "checks", None)
    out = []
    for t in checks or []:
        get = t.get if isinstance(t, dict) else (lambda name, t=t: getattr(t, name, None))
        if get("metric") != metric:
            continue
        scope = next(((k, v) for k in SCOPE_KEYS if (v := get(k)) is not None), None)
        side = "min" if get("min") is not None else "max"
        limit = get(side)
        if scope is not None and limit is not None:
            out.append((scope[0], str(scope[1]), side, float(limit)))
    return out


def percent_axis(ax: Axes, axis: str = "y", points: bool = False) -> None:
    """Tick labels of a share axis as percentages (percentage points for differences of shares)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    # decimals from the axis's range, the same on every tick (".3g" made evenly spaced ticks read
    # "99.5%, 99.2%, 99%, 98.8%")
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None, symbol=" pp" if points else "%"))
