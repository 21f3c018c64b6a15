"""Which demands fall short at one level, worst first: the critical posts by P(short beyond the
critical-gap tolerance) and the air requirements by coverage, as horizontal bars with their 95%
intervals, from a results folder's `posts.csv` and `air.csv` (sim.results.demands).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.numbers import fmt_short
from sim.plots.common import new_figure, percent_axis, title

__all__ = ["MAX_BARS", "air_targets", "demands_at_level", "failing_air", "failing_posts"]

MAX_BARS = 20  # bars per panel: the worst ones
_COLORS = {"met": "tab:green", "not met": "tab:red", "undecided": "tab:orange", "": "tab:purple"}
_AIR = "air_coverage[requirement="  # the column of an air-coverage target on one requirement


def failing_posts(
    posts: pd.DataFrame, label: str, key: str = "troops", *, critical: bool = True, at_least: float = 0.0
) -> pd.DataFrame:
    """The critical posts (with `critical=False`: the other posts) at level `label` that were short
    beyond the critical-gap tolerance in some replication (in at least the share `at_least` of them),
    worst first: P(short beyond the tolerance), then person-hours short."""
    if posts.empty:
        return posts
    p = posts[(posts[key].astype(str) == str(label)) & (posts["critical"].astype(int) == int(critical))]
    share = p["p_over_tolerance_mean"].fillna(0)
    p = p[(share > 0) & (share >= at_least)]
    return p.sort_values(["p_over_tolerance_mean", "short_ph_mean"], ascending=False, kind="stable")


def failing_air(air: pd.DataFrame, label: str, key: str = "troops") -> pd.DataFrame:
    """The air requirements at level `label` (scope `requirement`) below full coverage, worst first."""
    if air.empty:
        return air
    a = air[(air[key].astype(str) == str(label)) & (air["scope"] == "requirement")]
    a = a[a["coverage_mean"].notna() & (a["coverage_mean"] < 1 - 1e-9)]
    return a.sort_values("coverage_mean", kind="stable")


def air_targets(checks: pd.DataFrame | None, level: str, key: str = "troops") -> pd.DataFrame:
    """The rows of `checks` (targets.csv) at `level` that check one air requirement's coverage, with
    that requirement in a column `requirement`."""
    if checks is None or checks.empty:
        return pd.DataFrame()
    metric = checks["metric"].astype(str)
    c = checks[(checks[key].astype(str) == str(level)) & metric.str.startswith(_AIR)]
    return c.assign(requirement=c["metric"].astype(str).str[len(_AIR) : -1])


def _bars(ax: Axes, names: list[str], mean: np.ndarray, low: np.ndarray, high: np.ndarray,
          colors: list[str], notes: list[str], marks: np.ndarray | None = None) -> None:  # fmt: skip
    """Bars of `mean` with their intervals, worst (first) at the top, each noted right of its bar, its
    interval and its mark (a target's limit)."""
    y = np.arange(len(names))
    err = np.clip(np.nan_to_num(np.vstack([mean - low, high - mean])), 0, None)
    ax.barh(y, mean, color=colors, alpha=0.75, height=0.65)
    ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="black", capsize=3, linewidth=0.9)
    ends = np.fmax(np.fmax(mean, np.nan_to_num(high)), np.nan_to_num(marks) if marks is not None else 0)
    for yi, end, note in zip(y, ends, notes, strict=True):
        ax.text(min(float(end), 1.0) + 0.012, float(yi), note, va="center", fontsize=7)
    if marks is not None:
        for yi, m in zip(y, marks, strict=True):
            if math.isfinite(m):
                ax.plot([m, m], [yi - 0.4, yi + 0.4], color="black", linewidth=2)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_ylim(len(names) - 0.4, -0.6)  # the worst at the top
    ax.set_xlim(0, 1.5)  # room for the notes
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    percent_axis(ax, axis="x")
    ax.grid(axis="x", alpha=0.3)


def _posts_panel(ax: Axes, p: pd.DataFrame) -> None:
    """The critical posts short beyond the tolerance (`failing_posts`), the worst `MAX_BARS` of them."""
    rows = min(len(p), MAX_BARS)
    if rows:
        shown = p.head(MAX_BARS)
        mean, low, high = (
            shown[f"p_over_tolerance_{c}"].to_numpy(float) for c in ("mean", "ci_low", "ci_high")
        )
        coverage, longest = shown["coverage_mean"].to_numpy(float), shown["longest_gap_h_p90"].to_numpy(float)
        notes = [
            f"{fmt_short('critical_gap', x)}; coverage {fmt_short('post_coverage', cov)}; longest gap p90 "
            f"{_hours(g)}"
            for x, cov, g in zip(mean, coverage, longest, strict=True)
        ]
        names = [f"{post} ({site})" for post, site in zip(shown["post"], shown["site"], strict=True)]
        _bars(ax, names, mean, low, high, ["tab:red"] * rows, notes)
    else:
        ax.text(0.5, 0.5, "no critical post short beyond the tolerance in any replication", ha="center",
                va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_yticks([])
        percent_axis(ax, axis="x")
    more = f" (the worst {rows} of {len(p)})" if len(p) > rows else ""
    ax.set_title(f"critical posts short beyond the tolerance{more}", fontsize=10, loc="left")
    ax.set_xlabel("P(short beyond the critical-gap tolerance) (share of replications, 95% Wilson CI)")


def _air_panel(ax: Axes, a: pd.DataFrame, air: pd.DataFrame,
               limits: dict[str, tuple[float, str]]) -> None:  # fmt: skip
    """The air requirements below full coverage (`failing_air` of `air`), the worst `MAX_BARS` of them,
    coloured by the verdict of their target (`limits`: requirement → (limit, status))."""
    rows = min(len(a), MAX_BARS)
    if rows:
        shown = a.head(MAX_BARS)
        colors, notes, marks = [], [], []
        for value, cov in zip(
            shown["value"].astype(str), shown["coverage_mean"].to_numpy(float), strict=True
        ):
            limit, status = limits.get(value, (math.nan, ""))
            colors.append(_COLORS.get(status, _COLORS[""]))
            target = f"; target ≥ {fmt_short('air_coverage', limit)}: {status}" if status else ""
            notes.append(f"{fmt_short('air_coverage', float(cov))}{target}")
            marks.append(limit)
        _bars(ax, [str(v) for v in shown["value"]], shown["coverage_mean"].to_numpy(float),
              shown["coverage_ci_low"].to_numpy(float), shown["coverage_ci_high"].to_numpy(float), colors,
              notes, np.array(marks, dtype=float))  # fmt: skip
    else:
        text = "no air requirement" if air.empty else "every air requirement fully covered"
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        percent_axis(ax, axis="x")
    more = f" (the worst {rows} of {len(a)})" if len(a) > rows else ""
    ax.set_title(f"air requirements below full coverage{more}", fontsize=10, loc="left")
    ax.set_xlabel("air coverage (share of required aircraft-hours on station, 95% CI); black tick: target")


def demands_at_level(
    posts: pd.DataFrame,
    air: pd.DataFrame,
    checks: pd.DataFrame | None = None,
    *,
    level: str,
    key: str = "troops",
    scenario: str = "",
    replications: int | None = None,
) -> Figure:
    """Horizontal bars at one level, worst first: each critical post short beyond the tolerance in some
    replication, by P(short beyond the tolerance) with its Wilson interval (noted with its coverage and
    the 90th percentile of its longest gap); each air requirement below full coverage, by coverage with
    its 95% interval, coloured by its target's verdict when it has one (`checks`, targets.csv), the
    target's limit marked. At most `MAX_BARS` bars per panel; the titles say how many are left out."""
    p = failing_posts(posts, level, key)
    a = failing_air(air, level, key)
    rows_p, rows_a = min(len(p), MAX_BARS), min(len(a), MAX_BARS)
    heights = [0.32 * rows_p + 0.9 if rows_p else 1.0, 0.32 * rows_a + 0.9 if rows_a else 1.0]
    fig = new_figure(11, sum(heights) + 1.2)
    ax_p, ax_a = fig.subplots(2, 1, height_ratios=heights)
    _posts_panel(ax_p, p)
    _air_panel(ax_a, a, air, _air_limits(checks, level, key))
    at = f"{level} troops" if key == "troops" and level.lstrip("-").isdigit() else (level or "the level run")
    title(fig, f"what falls short at {at}, worst first", scenario, replications,
          note="red: missed, orange: undecided, green: met, purple: no target")  # fmt: skip
    return fig


def _hours(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3g} h"


def _air_limits(checks: pd.DataFrame | None, level: str, key: str) -> dict[str, tuple[float, str]]:
    """requirement → (limit, status) of the air-coverage targets on one requirement at `level`."""
    c = air_targets(checks, level, key)
    if c.empty:
        return {}
    out = {}
    statuses = c["status"].fillna("").astype(str) if "status" in c else pd.Series("", index=c.index)
    for req, limit, met, status in zip(c["requirement"], c["limit"].to_numpy(float), c["met"], statuses,
                                       strict=True):  # fmt: skip
        status = status or ("met" if int(met) else "not met")
        out[str(req)] = (float(limit), "met" if status.startswith("met") else status)
    return out
