"""Figures of a sweep (or a comparison) from its tables: coverage against troop level with 95% CI bands
and the targets, what each step of troops buys, and two variants side by side. Each target on its own
panel is in sim.plots.targets; names, units and better directions of metrics in sim.plots.labels.

Inputs are the results folder's tables as DataFrames: `summary.csv` (level × metric column, whole-event
`post_coverage` or scoped `post_coverage[force=us]`: mean, ci_low, ci_high, ...), `targets.csv` (level ×
target: its name, the column checked, the bound, the limit, the status met / not met / undecided) and
`differences.csv`. Infinite values (a failure counted as ∞) are never drawn as points: they are left out
and written where they matter.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.numbers import fmt_short, is_share
from sim.plots.common import new_figure, percent_axis, scoped_targets, target_of, title
from sim.plots.labels import BETTER, METRIC_LABELS, better, metric_label
from sim.plots.levels import (
    MISS,
    band,
    error_bars,
    level_ticks,
    lowest,
    mark_smallest,
    measured,
    metric_rows,
    op,
    plain_numbers,
)
from sim.plots.targets import MAX_TARGET_PANELS, binding_order, targets_vs_troops

__all__ = [
    "BETTER",
    "MARGINAL_METRICS",
    "MAX_TARGET_PANELS",
    "METRIC_LABELS",
    "better",
    "binding_order",
    "compare_variants",
    "coverage_vs_troops",
    "marginal_value",
    "metric_label",
    "targets_vs_troops",
]

MARGINAL_METRICS = ("post_coverage", "critical_gap", "gap_person_hours", "air_coverage")
_COLORS = {"post_coverage": "tab:blue", "critical_gap": "tab:red", "air_coverage": "tab:purple"}
_LIMITS = {"post_coverage": "post_coverage_min", "critical_gap": "p_critical_gap_max"}


def _coverage_panel(ax: Axes, summary: pd.DataFrame, metric: str, targets: Any, key: str,
                    force: str | None) -> tuple[list[float], list[str]]:  # fmt: skip
    """One panel of `coverage_vs_troops`: the whole event's band and target, then each force's with a
    target on `metric` (`force`, or any); returns the lowest finite lower bound (or mean, where the
    bound is NaN as with one replication) of each band drawn, and the forces drawn."""
    lows: list[float] = []
    forces: list[str] = []
    d = metric_rows(summary, metric, key)
    ci = "95% Wilson CI" if metric == "critical_gap" else "95% CI"
    scoped = [t for t in scoped_targets(targets, metric) if t[0] == "force" and force in (None, t[1])]
    whole = " (whole event)" if scoped else ""
    if measured(d):
        band(ax, d, key, _COLORS[metric], f"mean {METRIC_LABELS[metric][0]}{whole}", ci)
        low = lowest(d["ci_low"], d["mean"])
        lows += [] if low is None else [low]
    limit = target_of(targets, _LIMITS[metric]) if metric in _LIMITS else None
    if limit is not None:
        text = f"target {op('min' if metric == 'post_coverage' else 'max')} {fmt_short(metric, limit)}"
        ax.axhline(limit, color="black", linestyle="--", linewidth=1, label=text + whole)
    for _k, value, side, lim in scoped:
        f = metric_rows(summary, f"{metric}[force={value}]", key)
        if measured(f):
            band(ax, f, key, "tab:orange", f"mean {METRIC_LABELS[metric][0]}, force {value}",
                 f"{ci}, force {value}", linestyle="-.")  # fmt: skip
            low = lowest(f["ci_low"], f["mean"])
            lows += [] if low is None else [low]
            forces.append(value)
        ax.axhline(lim, color="tab:orange", linestyle="--", linewidth=1,
                   label=f"target {op(side)} {fmt_short(metric, lim)}, force {value}")  # fmt: skip
    ax.set_ylabel(METRIC_LABELS[metric][1])
    percent_axis(ax)
    ax.grid(alpha=0.3)
    return lows, forces


def coverage_vs_troops(
    summary: pd.DataFrame,
    targets: Any = None,
    *,
    scenario: str = "",
    replications: int | None = None,
    smallest: Any = None,
    key: str = "troops",
    force: str | None = None,
) -> Figure:
    """Post coverage, P(critical gap) and (when measured) air coverage against troop level, each with
    its 95% CI band (Student-t; Wilson for P(critical gap)), the targets as dashed lines, and the
    smallest level meeting every target as a dotted vertical line.

    When the scenario has a target on post coverage or P(critical gap) of a force (`force`, default any
    force with such a target), that force's own posts are drawn too, with their target: a pooled
    whole-event line can pass while the swept force's posts fall short.

    `summary` is a sweep's `summary.csv`; `targets` the scenario's `Targets` (or its dict).
    """
    air = metric_rows(summary, "air_coverage", key)
    panels = ["post_coverage", "critical_gap"] + (["air_coverage"] if measured(air) else [])
    fig = new_figure(9, 3.0 * len(panels) + 0.8)
    axes = list(fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0])
    cov_lows: list[float] = []
    forces_shown: list[str] = []
    for ax, metric in zip(axes, panels, strict=True):
        lows, forces = _coverage_panel(ax, summary, metric, targets, key, force)
        cov_lows += lows if metric == "post_coverage" else []
        forces_shown += forces
    for ax in axes[1:]:  # P(critical gap) and air coverage: the whole range
        ax.set_ylim(-0.03, 1.03)
    if cov_lows:
        low = min(cov_lows)
        axes[0].set_ylim(max(0.0, low - 0.05 * (1 - low) - 0.005), 1.0 + 0.05 * (1 - low) + 0.002)
    mark_smallest(axes, smallest)
    for ax in axes:
        ax.legend(loc="best", fontsize=8)
    cov = metric_rows(summary, "post_coverage", key)
    level_ticks(axes[-1], cov[key] if measured(cov) else metric_rows(summary, "critical_gap", key)[key])
    axes[-1].set_xlabel(f"{key} (headcount of the swept force)" if key == "troops" else key)
    shown = ", ".join(dict.fromkeys(forces_shown))
    note = "mean and 95% CI over replications" + (f"; dash-dot: the posts of force {shown}" if shown else "")
    against = "troop level" if key == "troops" else key
    title(fig, f"coverage and P(critical gap) against {against}", scenario, replications, note=note)
    return fig


def marginal_value(
    differences: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = MARGINAL_METRICS,
    scenario: str = "",
    replications: int | None = None,
    key: str = "troops",
) -> Figure:
    """What each step of troops buys: the paired difference (level − the level below, on common random
    numbers) of each metric with its 95% CI; filled markers where the interval excludes 0. Each axis
    says which direction is better; a step whose difference is not finite (∞ − ∞) is not drawn.

    `differences` is `differences.csv` (columns `<key>_from`, `<key>_to`, metric, mean, ci_low, ...).
    """
    shown = [m for m in metrics if measured(differences[differences["metric"] == m])]
    cols = 2 if len(shown) > 1 else 1
    rows = max(1, math.ceil(len(shown) / cols))
    fig = new_figure(5.4 * cols, 3.2 * rows + 0.9)
    grid = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(grid.flat):
        if i >= len(shown):
            ax.set_visible(False)
            continue
        metric = shown[i]
        d = differences[differences["metric"] == metric].reset_index(drop=True)
        x = np.arange(len(d))
        mean, err = error_bars(d)
        sig = d["significant"].astype(bool).to_numpy()
        ok = np.isfinite(mean)
        ax.errorbar(x[ok], mean[ok], yerr=err[:, ok], fmt="none", ecolor="tab:blue", capsize=4)
        ax.scatter(x[sig & ok], mean[sig & ok], color="tab:blue", zorder=3, label="CI excludes 0")
        ax.scatter(x[~sig & ok], mean[~sig & ok], facecolor="white", edgecolor="tab:blue", zorder=3,
                   label="CI includes 0")  # fmt: skip
        for j in x[~ok]:
            ax.text(j, 0, "not finite", ha="center", va="bottom", fontsize=7, rotation=90, color="0.4")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, [f"{a}→{b}" for a, b in zip(d[f"{key}_from"], d[f"{key}_to"], strict=True)],
                      rotation=45 if len(d) > 4 else 0, ha="right" if len(d) > 4 else "center",
                      fontsize=8)  # fmt: skip
        head, _, unit = metric_label(metric)[1].partition("\n")
        direction = {1: "  (↑ better)", -1: "  (↓ better)"}.get(better(metric), "")
        if is_share(metric):
            unit = "(percentage points)"
            percent_axis(ax, points=True)
        else:
            plain_numbers(ax)
        ax.set_ylabel(f"Δ {head}{direction}" + (f"\n{unit}" if unit else ""))
        ax.set_xlabel(f"step ({key})")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=7)
    step = "troops" if key == "troops" else key
    title(fig, f"marginal value of each step of {step}", scenario, replications,
          note="paired difference with the level below, 95% CI")  # fmt: skip
    return fig


def _difference_text(metric: str, r: pd.Series, what: str = "B − A") -> str:
    """`B − A = +1.2 pp [0.4, 2]` (a share, in percentage points) or `B − A = -3.5 min [...]`, with * when
    the interval excludes 0 (and H when it stays significant after Holm's correction, with 3 or more
    variants); `r` is the metric's row of differences.csv."""
    star = " *" if int(r["significant"]) else ""
    if "significant_holm" in r and what != "B − A" and int(r["significant_holm"]):
        star += "H"
    if is_share(metric):
        pp = [f"{100 * float(r[c]):+.3g}" if math.isfinite(float(r[c])) else "n/a"
              for c in ("mean", "ci_low", "ci_high")]  # fmt: skip
        return f"{what} = {pp[0]} pp [{pp[1]}, {pp[2]}]{star}"
    v = [fmt_short(metric, float(r[c])) for c in ("mean", "ci_low", "ci_high")]
    return f"{what} = {v[0]} [{v[1]}, {v[2]}]{star}"


def compare_variants(
    summary: pd.DataFrame,
    differences: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = ("post_coverage", "critical_gap", "air_coverage", "gap_person_hours",
                                "escort_delay_p95_min", "response_time_p90_min"),
    scenario: str = "",
    replications: int | None = None,
) -> Figure:  # fmt: skip
    """The variants side by side, one panel per metric: each variant's mean with its 95% CI, and the
    paired difference against the first (B − A for two) with its CI in the panel's title (* when it
    excludes 0, H when significant after Holm's correction). An infinite mean (a failure counted as ∞)
    is written, not drawn."""
    labels = list(dict.fromkeys(summary["variant"]))
    two = len(labels) == 2
    shown = [m for m in metrics if not summary[(summary["metric"] == m) & (summary["n"] > 0)].empty]
    cols = 3 if len(shown) > 4 else 2 if len(shown) > 1 else 1
    rows = max(1, math.ceil(len(shown) / cols))
    fig = new_figure(4.2 * cols, 3.0 * rows + 0.9)
    grid = fig.subplots(rows, cols, squeeze=False)
    if "variant_to" not in differences:  # one row per metric: B − A of two variants
        differences = differences.assign(variant_to=labels[-1] if labels else "")
    diff = differences.set_index(["variant_to", "metric"]) if not differences.empty else None
    for i, ax in enumerate(grid.flat):
        if i >= len(shown):
            ax.set_visible(False)
            continue
        metric = shown[i]
        d = summary[summary["metric"] == metric].set_index("variant").loc[labels]
        x = np.arange(len(labels))
        mean, err = error_bars(d, metric)
        ok = np.isfinite(mean)
        ax.errorbar(x[ok], mean[ok], yerr=err[:, ok], fmt="o", color="tab:blue", capsize=5)
        for j in x[~ok]:
            if np.isinf(float(d["mean"].iloc[j])):
                ax.text(j, 0.5, "∞", ha="center", va="center", fontsize=14, color=MISS,
                        transform=ax.get_xaxis_transform())  # fmt: skip
        names = (
            [f"{'AB'[k]}: {label}" for k, label in enumerate(labels)]
            if two
            else [f"base: {labels[0]}", *labels[1:]]
        )
        ax.set_xticks(x, names, fontsize=8)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_ylabel(metric_label(metric)[1], fontsize=8)
        if is_share(metric):
            percent_axis(ax)
        head = metric_label(metric)[0]
        for label in (labels[1:] or labels) if diff is not None else []:
            if (label, metric) in diff.index:  # type: ignore[union-attr]
                row = cast(pd.Series, diff.loc[(label, metric)])  # type: ignore[union-attr]
                head += "\n" + _difference_text(metric, row, "B − A" if two else f"{label} − base")
        ax.set_title(head, fontsize=9)
        ax.grid(alpha=0.3)
    what = "variant B against variant A" if two else f"{len(labels) - 1} variants against {labels[0]}"
    note = "mean and 95% CI; * = paired difference excludes 0" + (
        "" if two else "; H = after Holm's correction"
    )
    title(fig, what, scenario, replications, per="variant", note=note)
    return fig
