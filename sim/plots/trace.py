"""Timelines of one traced replication: air coverage (aircraft required vs on station), fuel stock at
each fuel point, and the posts' shortfalls, all against local time.

Inputs are the trace folder's tables as DataFrames: `air.csv`, `fuel.csv` and `gaps.csv`
(sim.results writes them from the replication's record).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure

from sim.plots.common import local_time_axis, new_figure, title

__all__ = ["air_coverage_timeline", "fuel_levels", "post_shortfall_timeline", "step_count"]

_FORMAT = "%Y-%m-%d %H:%M:%S"
_HOUR = dt.timedelta(hours=1)


def _times(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col, format=_FORMAT)


def step_count(starts: pd.Series, ends: pd.Series, grid: pd.DatetimeIndex) -> np.ndarray:
    """How many of the intervals [start, end) cover each instant of `grid` (a step function)."""
    s, e, g = (np.asarray(x, dtype="datetime64[ns]") for x in (starts, ends, grid))
    return np.searchsorted(np.sort(s), g, side="right") - np.searchsorted(np.sort(e), g, side="right")


def air_coverage_timeline(
    air: pd.DataFrame, *, scenario: str = "", note: str = "", timezone: str = "local"
) -> Figure:
    """One panel per air coverage requirement: aircraft required (dashed) and on station (filled), with
    the shortfall in red, over the span of its windows (plus an hour each side)."""
    names = list(dict.fromkeys(air["requirement"])) if not air.empty else []
    fig = new_figure(11, 2.3 * max(len(names), 1) + 1.0)
    axes = fig.subplots(max(len(names), 1), 1, squeeze=False)[:, 0]
    if not names:
        axes[0].text(0.5, 0.5, "no air coverage requirement", ha="center", va="center",
                     transform=axes[0].transAxes)  # fmt: skip
    for ax, name in zip(axes, names, strict=False):
        d = air[air["requirement"] == name]
        req, on = d[d["kind"] == "required"], d[d["kind"] == "on_station"]
        rs, re_, os_, oe = _times(req["start"]), _times(req["end"]), _times(on["start"]), _times(on["end"])
        lo, hi = rs.min() - _HOUR, re_.max() + _HOUR
        grid = pd.DatetimeIndex(sorted({lo, hi, *rs, *re_, *os_, *oe}))
        grid = grid[(grid >= lo) & (grid <= hi)]
        need, have = step_count(rs, re_, grid), step_count(os_, oe, grid)
        ax.fill_between(grid, 0, have, step="post", color="tab:blue", alpha=0.45, label="on station")
        ax.fill_between(grid, have, np.maximum(need, have), step="post", color="tab:red", alpha=0.5,
                        linewidth=0, label="short of the requirement")  # fmt: skip
        ax.step(grid, need, where="post", color="black", linestyle="--", linewidth=1.2, label="required")
        req_h = float((d[d["kind"] == "required"]["end_h"] - d[d["kind"] == "required"]["start_h"]).sum())
        on_h = float((on["end_h"] - on["start_h"]).sum())
        share = f" ({on_h / req_h:.0%})" if req_h > 0 else ""
        first = d.iloc[0]
        ax.set_title(f"{name}: {first['type']} over {first['site']} ({first['city']}) — {on_h:.1f} of "
                     f"{req_h:.1f} aircraft-hours on station{share}", fontsize=9, loc="left")  # fmt: skip
        top = int(max(need.max(initial=0), have.max(initial=0)))
        ax.set_ylim(0, top + 0.6)
        ax.set_yticks(range(top + 1))
        ax.set_ylabel("aircraft")
        local_time_axis(ax, timezone, lo.to_pydatetime(), hi.to_pydatetime())
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7, ncols=3)
    title(fig, "air coverage over time: required vs on station", scenario, 1, note=note)
    return fig


def fuel_levels(
    fuel: pd.DataFrame, *, start: dt.datetime, end: dt.datetime, scenario: str = "", note: str = "",
    timezone: str = "local",
) -> Figure:  # fmt: skip
    """One panel per fuel point: gallons in stock over time, its capacity (dashed), and the times it
    stood empty in red."""
    names = list(dict.fromkeys(fuel["fuel_point"])) if not fuel.empty else []
    fig = new_figure(11, 2.2 * max(len(names), 1) + 1.0)
    axes = fig.subplots(max(len(names), 1), 1, squeeze=False, sharex=True)[:, 0]
    if not names:
        axes[0].text(0.5, 0.5, "no fuel point", ha="center", va="center", transform=axes[0].transAxes)
    for ax, name in zip(axes, names, strict=False):
        d = fuel[fuel["fuel_point"] == name]
        t = pd.DatetimeIndex([*_times(d["datetime"]), pd.Timestamp(end)])
        gal = np.append(d["level_gal"].to_numpy(dtype=float), d["level_gal"].iloc[-1])
        cap = float(d["capacity_gal"].iloc[0])
        ax.fill_between(t, 0, gal, step="post", color="tab:orange", alpha=0.35)
        ax.step(t, gal, where="post", color="tab:orange", linewidth=1.2, label="stock")
        if (gal[:-1] <= 0).any():
            empty = np.where(gal <= 0, cap, 0.0)
            ax.fill_between(t, 0, empty, step="post", color="tab:red", alpha=0.3, linewidth=0, label="empty")
        ax.axhline(cap, color="black", linestyle="--", linewidth=1, label=f"capacity {cap:,.0f} gal")
        ax.set_ylim(0, cap * 1.08)
        ax.set_ylabel("stock (gal)")
        ax.yaxis.set_major_formatter("{x:,.0f}")
        lowest = float(np.min(gal))
        ax.set_title(f"{name} at {d['site'].iloc[0]} ({d['city'].iloc[0]}): lowest {lowest:,.0f} gal, "
                     f"at the end {gal[-1]:,.0f} gal", fontsize=9, loc="left")  # fmt: skip
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=7, ncols=3)
    for ax in axes:
        local_time_axis(ax, timezone, start, end)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    title(fig, "fuel stock at each fuel point", scenario, 1, note=note)
    return fig


def post_shortfall_timeline(
    gaps: pd.DataFrame, *, start: dt.datetime, end: dt.datetime, scenario: str = "", note: str = "",
    timezone: str = "local", demands: tuple[str, ...] = ("post",),
) -> Figure:  # fmt: skip
    """One row per post that was ever short: a bar for each shortfall, coloured by people short;
    critical posts are marked. Rows are grouped by city and site."""
    g = gaps[gaps["demand"].isin(demands)].copy() if not gaps.empty else gaps
    names = (
        g.assign(ph=g["hours"] * g["short"]).groupby(["city", "site", "name"], sort=True)["ph"].sum()
        if not g.empty
        else pd.Series(dtype=float)
    )
    fig = new_figure(12, 0.3 * max(len(names), 1) + 2.0)
    ax = fig.subplots()
    vmax = float(g["short"].max()) if not g.empty else 1.0
    norm = Normalize(vmin=0, vmax=vmax)
    cmap = ListedColormap(colormaps["plasma_r"](np.linspace(0.2, 1.0, 256)))  # no pale yellow end
    labels = []
    for row, (place, ph) in enumerate(names.items()):
        city, site, name = cast(tuple[str, str, str], place)  # the (city, site, name) groupby key
        d = g[g["name"] == name]
        s, e = _times(d["start"]), _times(d["end"])
        critical = bool(d["critical"].astype(int).max())
        for a, b, k in zip(s, e, d["short"], strict=True):
            color = cmap(norm(k))
            ax.broken_barh([(a, b - a)], (row - 0.4, 0.8), facecolors=color, edgecolors=color, linewidth=0.8)
        labels.append(f"{'◆ ' if critical else ''}{name} ({site}, {city}): {ph:,.1f} ph")
    if labels:
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        for tick, place in zip(ax.get_yticklabels(), names.index, strict=True):
            if g[g["name"] == place[2]]["critical"].astype(int).max():
                tick.set_color("tab:red")
        ax.set_ylim(len(labels) - 0.5, -0.5)
        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="people short", pad=0.01)
    else:
        ax.text(0.5, 0.5, "no post was short", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.xaxis_date()
    local_time_axis(ax, timezone, start, end)
    ax.grid(axis="x", alpha=0.3)
    title(fig, "post shortfalls over time (◆ red: critical post; ph: person-hours short)", scenario, 1,
          note=note)  # fmt: skip
    return fig
