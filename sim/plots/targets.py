"""Each target of a sweep against troop level, one panel per target, the most binding first: the
checked column's mean and 95% band (from `summary.csv`), the target's limit, and the interval bound
that is checked at each level, coloured by its verdict (from `targets.csv`).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.numbers import is_share, metric_base
from sim.plots.common import new_figure, percent_axis, title
from sim.plots.labels import metric_label
from sim.plots.levels import (
    MEET,
    MISS,
    SMALLEST,
    UNDECIDED,
    band,
    by_level,
    finite,
    level_ticks,
    measured,
    metric_rows,
)

__all__ = ["MAX_TARGET_PANELS", "binding_order", "targets_vs_troops"]

MAX_TARGET_PANELS = 12
_MARKERS = {"met": (MEET, "o"), "not met": (MISS, "X"), "undecided": (UNDECIDED, "D")}


def _status(checks: pd.DataFrame) -> pd.Series:
    """Each check's status: met, not met or undecided (from `met` for tables without a status)."""
    met = checks["met"].astype(bool)
    if "status" in checks:
        status = checks["status"].fillna("").astype(str)
        undecided = status == "undecided"
    else:
        undecided = pd.Series(False, index=checks.index)
    return pd.Series(np.where(met, "met", np.where(undecided, "undecided", "not met")), index=checks.index)


def _target_legend(smallest: Any) -> list[Artist]:
    """One legend for every panel of `targets_vs_troops`."""
    handles: list[Artist] = [
        Line2D([], [], color="tab:blue", marker="o", label="mean"),
        Patch(color="tab:blue", alpha=0.2, label="95% CI"),
        Line2D([], [], color="black", linestyle="--", label="target"),
    ]
    for state, (color, marker) in _MARKERS.items():
        what = {"undecided": "undecided (more replications would show it)"}.get(state, state)
        handles.append(
            Line2D([], [], color=color, marker=marker, linestyle="", label=f"checked bound: {what}")
        )
    if smallest is not None:
        handles.append(Line2D([], [], color=SMALLEST, linestyle=":", linewidth=2,
                              label=f"smallest level meeting every target: {smallest}"))  # fmt: skip
    return handles


def binding_order(checks: pd.DataFrame, key: str = "troops") -> list[str]:
    """The targets of `checks` (targets.csv), most binding first: those not met at the highest level,
    then those undecided there, then by the level from which they are met (later first); ties in the
    scenario's order."""
    c = by_level(checks.assign(_status=_status(checks)), key)
    names = list(dict.fromkeys(checks["target"]))
    rank = {"not met": 0, "undecided": 1, "met": 2}

    def score(name: str) -> tuple[int, int, int]:
        rows = c[c["target"] == name]
        statuses = rows["_status"].tolist()
        last = rank[statuses[-1]] if statuses else 2
        unmet_from = max((i for i, s in enumerate(statuses) if s != "met"), default=-1)
        return last, -unmet_from, names.index(name)

    return sorted(names, key=score)


def _target_panel(ax: Axes, name: str, c: pd.DataFrame, summary: pd.DataFrame, key: str,
                  smallest: Any) -> None:  # fmt: skip
    """One target's panel: `c` is its rows of targets.csv by level, with their status in `_status`."""
    col = str(c["metric"].iloc[0])
    d = metric_rows(summary, col, key)
    if measured(d):
        band(ax, d, key, "tab:blue", "mean", "95% CI")
    limit = float(c["limit"].iloc[0])
    ax.axhline(limit, color="black", linestyle="--", linewidth=1, label="target")
    value = finite(c["value"])
    for state, (color, marker) in _MARKERS.items():
        sel = (c["_status"] == state).to_numpy()
        if sel.any():
            ax.scatter(c[key][sel], value[sel], color=color, marker=marker, zorder=3, s=34)
    infinite = c[key][np.isinf(c["value"].to_numpy(dtype=float))]
    if len(infinite):
        ax.text(0.02, 0.04, "∞ at " + ", ".join(f"{v:g}" for v in infinite), transform=ax.transAxes,
                fontsize=7, color=MISS)  # fmt: skip
    ax.set_title(textwrap.fill(name, 44), fontsize=9)
    ax.set_ylabel(metric_label(metric_base(col))[1], fontsize=8)
    if is_share(col):
        percent_axis(ax)
    ax.grid(alpha=0.3)
    if smallest is not None:
        ax.axvline(float(smallest), color=SMALLEST, linestyle=":", linewidth=2)


def _label_bottom_panels(grid: np.ndarray, checks: pd.DataFrame, key: str) -> None:
    """The level axis under the lowest visible panel of each column."""
    rows, cols = grid.shape
    for c_ in range(cols):
        visible = [grid[r][c_] for r in range(rows) if grid[r][c_].get_visible()]
        if visible:
            ax = visible[-1]
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(f"{key} (headcount of the swept force)")
            level_ticks(ax, by_level(checks, key)[key])


def targets_vs_troops(
    summary: pd.DataFrame,
    checks: pd.DataFrame,
    *,
    scenario: str = "",
    replications: int | None = None,
    smallest: Any = None,
    key: str = "troops",
    max_panels: int = MAX_TARGET_PANELS,
) -> Figure:
    """One panel per target (`checks` is `targets.csv`): the checked column's mean and 95% CI band
    against troop level (from `summary`), the target's limit, and the interval bound that is checked:
    green where the level meets the target, red where it misses, orange where it is undecided (the
    estimate meets the limit but the replications cannot show it yet).

    At most `max_panels` panels, the most binding targets first (`binding_order`); the title says how
    many are not shown. A percentile target is drawn as the share it is checked on (escort delay p95
    ≤ 15 min: the share of movements escorted within 15 min, at least 95%)."""
    order = binding_order(checks, key) if not checks.empty else []
    names = order[:max_panels]
    cols = 3 if len(names) > 4 else 2 if len(names) > 1 else 1
    rows = max(1, math.ceil(len(names) / cols))
    fig = new_figure(4.6 * cols, 3.1 * rows + 1.4)
    grid = fig.subplots(rows, cols, sharex=True, squeeze=False)
    status = _status(checks) if not checks.empty else pd.Series(dtype=str)
    for i, ax in enumerate(grid.flat):
        if i >= len(names):
            ax.set_visible(False)
            continue
        c = by_level(checks[checks["target"] == names[i]].assign(_status=status), key)
        _target_panel(ax, names[i], c, summary, key, smallest)
    _label_bottom_panels(grid, checks, key)
    if names:
        fig.legend(handles=_target_legend(smallest), loc="outside lower center",
                   ncols=4, fontsize=8, frameon=False)  # fmt: skip
    notes = ["markers: the checked 95% bound (lower for ≥, upper for ≤)"]
    if len(order) > len(names):
        notes.append(f"{len(names)} of {len(order)} targets shown, most binding first; "
                     f"{len(order) - len(names)} not shown (see targets.csv)")  # fmt: skip
    against = "troop level" if key == "troops" else key
    title(fig, f"each target against {against}", scenario, replications, note="; ".join(notes))
    return fig
