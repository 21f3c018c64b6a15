"""Distributions pooled over replications: escort delay and incident response time, one empirical CDF
per troop level (or variant), from the histograms of `distributions.csv`
(sim.experiment.distributions: half-minute bins, exact at each bin's upper edge).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots.common import new_figure, title

__all__ = ["MAX_MARKS", "ShareTarget", "ecdf", "escort_delay_ecdf", "response_time_ecdf"]


def ecdf(dist: pd.DataFrame, quantity: str, key: str = "troops") -> dict[str, pd.DataFrame]:
    """Per level: the bins' upper edges (min), the share of events at or below each, and the count.

    Levels appear in the order of `dist`; a level without any event of `quantity` is left out.
    """
    out: dict[str, pd.DataFrame] = {}
    d = dist[dist["quantity"] == quantity]
    for label, g in d.groupby(d[key].astype(str), sort=False):
        g = g.sort_values("upper_min")
        total = int(g["count"].sum())
        if total == 0:
            continue
        out[str(label)] = pd.DataFrame({
            "upper_min": g["upper_min"].to_numpy(dtype=float),
            "share": np.cumsum(g["count"].to_numpy()) / total,
            "count": g["count"].to_numpy(),
        })  # fmt: skip
    return out


_TICKS = (0, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720)
_MARK_STYLES = ("--", "-.", ":", (0, (5, 1, 1, 1)))
MAX_MARKS = len(_MARK_STYLES)
ShareTarget = tuple[str, float, float]  # (label, bound in minutes, share that must be within it)


def _share_marks(
    share_targets: Sequence[ShareTarget], marks: list[tuple[str, float, float | None]]
) -> list[tuple[str, float, float | None]]:
    """`marks` plus each share target not already drawn at the same bound and share."""
    out = list(marks)
    for label, minutes, share in share_targets:
        if not any(m[1] == minutes and m[2] == share for m in out):
            out.append((label, float(minutes), float(share)))
    return out


def _xmax(curves: dict[str, pd.DataFrame], marks: list[float]) -> float:
    """The largest time recorded at any level (at most the histograms' last edge), and at least twice
    every target and 10 min."""
    edges = [float(c["upper_min"][c["count"] > 0].replace(math.inf, np.nan).max()) for c in curves.values()]
    finite = [x for x in edges if math.isfinite(x)]
    return float(max([10.0, *(2 * m for m in marks), *finite]))


def _time_axis(ax: Axes, xmin: float, xmax: float, log_from_zero: bool) -> None:
    """A log time axis from `xmin` to a little past `xmax` (symmetric-log from 0 when `log_from_zero`),
    with round minutes as ticks."""
    if log_from_zero:
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    else:
        ax.set_xscale("log")
    ticks = [v for v in _TICKS if ((xmin if not log_from_zero else -1) < v <= xmax * 1.1 and v > 0) or
             (v == 0 and log_from_zero)]  # fmt: skip
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_xlim(xmin, xmax * 1.1)


def _ecdf_figure(
    dist: pd.DataFrame, quantity: str, what: str, xlabel: str, ylabel: str,
    marks: Sequence[tuple[str, float, float | None]], scenario: str, replications: int | None, key: str,
    per: str, log_from_zero: bool,
) -> Figure:  # fmt: skip
    """ECDF per level on a log time axis (symmetric-log from 0 when `log_from_zero`, so that "no wait
    at all" shows), the y axis starting just below the lowest share worth seeing. At most
    `MAX_MARKS` target lines (the first ones); the title says how many more there are."""
    curves = ecdf(dist, quantity, key)
    left_out = max(0, len(marks) - MAX_MARKS)
    marks = list(marks)[:MAX_MARKS]
    fig = new_figure(9.5, 5.8)
    ax = fig.subplots()
    xmax = _xmax(curves, [x for _, x, _ in marks])
    cmap = colormaps["viridis"]
    first = [float(c["share"].iloc[0]) for c in curves.values()]
    lowest = min([math.inf, *(float(c["upper_min"].iloc[0]) for c in curves.values())])
    xmin = 0.0 if log_from_zero else (max(0.5, 0.8 * lowest) if math.isfinite(lowest) else 0.5)
    for i, (label, c) in enumerate(curves.items()):
        x = c["upper_min"].to_numpy()
        y = c["share"].to_numpy()
        keep = x <= xmax
        at_end = float(y[keep][-1]) if keep.any() else 0.0
        name = f"{label} troops" if key == "troops" else label
        n = int(c["count"].sum())
        tail = f"; {1 - at_end:.1%} > {xmax:g} min or never" if 1 - at_end > 0.0005 else ""
        color = cmap(i / max(len(curves) - 1, 1)) if len(curves) > 1 else "tab:blue"
        xs = np.concatenate([[xmin], x[keep], [xmax * 1.1]])
        ys = np.concatenate([[0.0 if not log_from_zero else y[0]], y[keep], [at_end]])
        ax.step(xs, ys, where="post", color=color, linewidth=1.6, label=f"{name} (n={n:,}{tail})")
    low = 0.0
    if curves:
        floor = min([*first, *(y for _, _, y in marks if y is not None)])
        if floor > 0.5:  # most events at the first step (no wait at all): show the rest
            low = max(0.0, math.floor((floor - 0.01) * 50) / 50)
    for k, (text, at, share) in enumerate(marks):
        style = _MARK_STYLES[k % len(_MARK_STYLES)]
        ax.axvline(at, color="black", linestyle=style, linewidth=1.1, label=text)
        if share is not None:
            ax.axhline(share, color="0.4", linestyle=style, linewidth=0.9)
    _time_axis(ax, xmin, xmax, log_from_zero)
    ax.set_ylim(low, 1.005)
    ax.set_xlabel(xlabel + (" (log scale)" if not log_from_zero else " (linear to 1 min, log beyond)"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if not curves:
        ax.text(0.5, 0.5, f"no {what} recorded", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.legend(loc="lower right", fontsize=7, title=key, title_fontsize=8)
    note = "pooled over replications" + (f"; y axis starts at {low:g}" if low > 0 else "")
    if left_out:
        note += f"; {left_out} more target{'s' if left_out > 1 else ''} not drawn (see targets.csv)"
    title(fig, f"{what}: empirical CDF", scenario, replications, per=per, note=note)
    return fig


def escort_delay_ecdf(
    dist: pd.DataFrame,
    *,
    target_p95_min: float | None = None,
    share_targets: Sequence[ShareTarget] = (),
    scenario: str = "",
    replications: int | None = None,
    key: str = "troops",
) -> Figure:
    """Share of delegation movements that waited at most x minutes for an escort (from the time they
    were due), per level; each target as a line at its bound x with a line at its share: the p95
    target (`target_p95_min`: 95% within it) and `share_targets`, (label, minutes, share) as
    targets.csv checks them (`escort_within_<B>min_frac` ≥ share). A target on one delegation or tier is
    drawn on the curve of every movement: its label names its scope."""
    marks: list[tuple[str, float, float | None]] = []
    if target_p95_min is not None:
        marks.append((f"p95 target {target_p95_min:g} min", target_p95_min, 0.95))
    marks = _share_marks(share_targets, marks)
    return _ecdf_figure(dist, "escort_wait_min", "escort delay", "minutes waited for an escort",
                        "share of movements waiting at most x", marks, scenario, replications, key,
                        "level" if key == "troops" else "variant", log_from_zero=True)  # fmt: skip


def response_time_ecdf(
    dist: pd.DataFrame,
    *,
    target_min: list[float] | tuple[float, ...] = (),
    target_p90_min: float | None = None,
    share_targets: Sequence[ShareTarget] = (),
    scenario: str = "",
    replications: int | None = None,
    key: str = "troops",
) -> Figure:
    """Share of incidents answered within x minutes (wait for a team plus travel), per level; incidents
    never answered count as later than any x. Lines: the p90 target (`target_p90_min`, with a line at
    0.9), `share_targets` as in `escort_delay_ecdf` (`response_within_<B>min_frac`), then each incident
    stream's response target not already drawn."""
    marks: list[tuple[str, float, float | None]] = []
    if target_p90_min is not None:
        marks.append((f"p90 target {target_p90_min:g} min", float(target_p90_min), 0.9))
    marks = _share_marks(share_targets, marks)
    for t in sorted(set(target_min)):
        if not any(m[1] == t for m in marks):
            marks.append((f"incident target {t:g} min", float(t), None))
    return _ecdf_figure(dist, "response_min", "incident response time", "minutes from incident to team on "
                        "scene", "share of incidents answered within x", marks, scenario, replications, key,
                        "level" if key == "troops" else "variant", log_from_zero=False)  # fmt: skip
