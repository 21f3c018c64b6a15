"""Where and when people fall short: shortfall person-hours by site (or city) and local hour, from the
shortfall intervals of `gaps.csv`, and the heatmap that shows them.

Each interval adds `short × (hours it overlaps the hour)` to its site's cell of every local wall-clock
hour it touches, so a cell holds the person-hours short in that hour; summed over the replications of
one level and divided by their number, it is the mean per replication. `ShortfallGrid` adds chunks of
`gaps.csv` one at a time, so a file of any size is read in bounded memory.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure

from sim.plots.common import local_time_axis, new_figure, title

__all__ = ["ShortfallGrid", "shortfall_by_hour", "shortfall_heatmap", "top_hours", "top_places"]

_FORMAT = "%Y-%m-%d %H:%M:%S"
PEOPLE_DEMANDS = ("post", "escort", "response", "aircrew", "fuel_truck")  # `short` counts people
# inferno reversed, without its near-white end: the smallest shortfall still stands out from a blank cell
_CMAP = ListedColormap(colormaps["inferno_r"](np.linspace(0.12, 1.0, 256)), name="shortfall")


class ShortfallGrid:
    """Person-hours short per place (site or city) and local hour over [start, end), added chunk by
    chunk of a gaps table (columns demand, city, site, start, end, short)."""

    def __init__(self, start: dt.datetime, end: dt.datetime, by: str = "site",
                 demands: tuple[str, ...] = ("post",)) -> None:  # fmt: skip
        self.hours = pd.date_range(start, end, freq="h", inclusive="left")
        self.by, self.demands = by, demands
        self._rows: dict[str, np.ndarray] = {}

    def add(self, gaps: pd.DataFrame) -> None:
        g = gaps[gaps["demand"].isin(self.demands) & gaps[self.by].notna()]
        if g.empty:
            return
        n = len(self.hours)
        t0 = self.hours[0]
        s = ((pd.to_datetime(g["start"], format=_FORMAT) - t0) / pd.Timedelta(hours=1)).to_numpy()
        e = ((pd.to_datetime(g["end"], format=_FORMAT) - t0) / pd.Timedelta(hours=1)).to_numpy()
        s, e = np.clip(s, 0, n), np.clip(e, 0, n)
        keep = e > s
        s, e = s[keep], e[keep]
        short = g["short"].to_numpy(dtype=float)[keep]
        codes, names = pd.factorize(g[self.by].to_numpy()[keep])
        partial = np.zeros((len(names), n + 1))
        steps = np.zeros((len(names), n + 2))
        i0, i1 = np.floor(s).astype(int), np.floor(e).astype(int)
        one = i0 == i1  # within one hour
        np.add.at(partial, (codes[one], i0[one]), short[one] * (e[one] - s[one]))
        c, a, b, k = codes[~one], i0[~one], i1[~one], short[~one]
        np.add.at(partial, (c, a), k * (a + 1 - s[~one]))  # the first, partial hour
        np.add.at(partial, (c, b), k * (e[~one] - b))  # the last, partial hour
        np.add.at(steps, (c, a + 1), k)  # the whole hours in between
        np.add.at(steps, (c, b), -k)
        cells = partial[:, :n] + np.cumsum(steps, axis=1)[:, :n]
        for i, name in enumerate(names):
            if name in self._rows:
                self._rows[name] += cells[i]
            else:
                self._rows[name] = cells[i].copy()

    def table(self, replications: int = 1) -> pd.DataFrame:
        """Places (rows, most person-hours first) × local hours (columns): person-hours per replication."""
        if not self._rows:
            return pd.DataFrame(columns=self.hours, dtype=float)
        df = pd.DataFrame.from_dict(self._rows, orient="index", columns=self.hours) / max(replications, 1)
        df.index.name = self.by
        order = df.sum(axis=1).sort_values(ascending=False, kind="stable").index
        return df.loc[order]


def shortfall_by_hour(
    gaps: pd.DataFrame, start: dt.datetime, end: dt.datetime, *, by: str = "site",
    demands: tuple[str, ...] = ("post",), replications: int = 1,
) -> pd.DataFrame:  # fmt: skip
    """Person-hours short per `by` (site or city) and local hour, mean per replication, from a gaps
    table (one level's rows of `gaps.csv`, or a trace's `gaps.csv`)."""
    grid = ShortfallGrid(start, end, by, demands)
    grid.add(gaps)
    return grid.table(replications)


def top_places(by_hour: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The `n` places with most person-hours short: total per replication, share, and worst hour."""
    total = by_hour.sum(axis=1)
    out = pd.DataFrame({
        "person_hours": total,
        "share": total / total.sum() if total.sum() > 0 else 0.0,
        "worst_hour": by_hour.idxmax(axis=1),
        "worst_hour_person_hours": by_hour.max(axis=1),
    })  # fmt: skip
    return out[out["person_hours"] > 0].head(n)


def top_hours(by_hour: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The `n` (place, local hour) cells with most person-hours short."""
    stacked = cast(pd.Series, by_hour.stack())  # one level of columns (hours): stack() gives a Series
    stacked = stacked[stacked > 0].sort_values(ascending=False, kind="stable").head(n)
    out = stacked.rename("person_hours").reset_index()
    out.columns = [by_hour.index.name or "place", "hour", "person_hours"]
    return out


def _ph(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.2g}"


def shortfall_heatmap(
    by_site: pd.DataFrame,
    by_city: pd.DataFrame | None = None,
    *,
    level: str = "",
    scenario: str = "",
    replications: int | None = None,
    timezone: str = "local",
    what: str = "post shortfall",
) -> Figure:
    """Heatmaps of person-hours short by site (and city) and local hour, mean per replication; blank
    where nobody was short. Rows are labelled with their total person-hours per replication."""
    panels = [("site", by_site)] + ([("city", by_city)] if by_city is not None else [])
    heights = [max(1.0, 0.32 * max(len(t), 1) + 0.6) for _, t in panels]
    fig = new_figure(13, sum(heights) + 1.6)
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True, height_ratios=heights)[:, 0]
    hours = cast(pd.DatetimeIndex, by_site.columns)  # the hour grid's columns are its local hours
    start = hours[0].to_pydatetime() if len(hours) else dt.datetime(2000, 1, 1)
    end = (hours[-1] + pd.Timedelta(hours=1)).to_pydatetime() if len(hours) else start
    vmax = max((float(t.to_numpy().max()) for _, t in panels if t.size), default=0.0)
    norm = Normalize(vmin=0, vmax=vmax if vmax > 0 else 1)
    image = None
    for ax, (by, t) in zip(axes, panels, strict=True):
        if t.empty:
            ax.text(0.5, 0.5, f"no shortfall at any {by}", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        else:
            cells = np.ma.masked_less_equal(t.to_numpy(dtype=float), 0.0)
            image = ax.imshow(cells, aspect="auto", interpolation="nearest", cmap=_CMAP, norm=norm,
                              extent=(mdates.date2num(start), mdates.date2num(end), len(t), 0))  # fmt: skip
            ax.set_yticks(np.arange(len(t)) + 0.5,
                          [f"{name}  ({_ph(total)} ph)" for name, total in t.sum(axis=1).items()],
                          fontsize=8)  # fmt: skip
            ax.set_facecolor("white")
        ax.set_ylabel(by)
        ax.xaxis_date()
        local_time_axis(ax, timezone, start, end)
        ax.grid(axis="x", color="0.85", linewidth=0.5)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    if image is not None:
        fig.colorbar(image, ax=list(axes), label="person-hours short in the hour\n(mean per replication)",
                     shrink=0.9, pad=0.01)  # fmt: skip
    at = f" at {level} troops" if level and level.lstrip("-").isdigit() else (f" ({level})" if level else "")
    title(fig, f"where and when: {what}{at}", scenario, replications,
          note="row labels: total person-hours short per replication")  # fmt: skip
    return fig
