"""Figures of a sweep (or a comparison) from its tables: metrics against troop level with 95% CI bands
and the targets, what each step of troops buys, and two variants side by side.

Inputs are the results folder's tables as DataFrames: `summary.csv` (level × metric: mean, ci_low,
ci_high, ...), `targets.csv` and `differences.csv`.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots.common import new_figure, target_of, title

__all__ = [
    "MARGINAL_METRICS",
    "METRIC_LABELS",
    "compare_variants",
    "coverage_vs_troops",
    "marginal_value",
    "targets_vs_troops",
]

# metric -> (short name, axis label with unit)
METRIC_LABELS = {
    "post_coverage": ("post coverage", "post coverage\n(share of required person-hours)"),
    "critical_gap": ("P(critical gap)", "P(critical gap)\n(share of replications)"),
    "air_coverage": ("air coverage", "air coverage\n(share of required aircraft-hours)"),
    "gap_person_hours": ("post shortfall", "post shortfall\n(person-hours per replication)"),
    "escort_delay_p95_min": ("escort delay p95", "escort delay, 95th percentile\n(min)"),
    "response_time_p90_min": ("response time p90", "incident response, 90th percentile\n(min)"),
    "escort_delay_mean_min": ("escort delay mean", "escort delay, mean (min)"),
    "response_time_mean_min": ("response time mean", "incident response, mean (min)"),
    "late_response_frac": ("late responses", "late responses\n(share of incidents)"),
    "fuel_outage_h": ("fuel outage", "fuel outage (h)"),
}
MARGINAL_METRICS = ("post_coverage", "critical_gap", "gap_person_hours", "air_coverage")
_TARGET_TEXT = {
    "post_coverage_min": ("post_coverage", "≥", "lower"),
    "p_critical_gap_max": ("critical_gap", "≤", "upper"),
    "escort_delay_p95_max_min": ("escort_delay_p95_min", "≤", "upper"),
    "response_time_p90_max_min": ("response_time_p90_min", "≤", "upper"),
}
_MEET, _MISS, _SMALLEST = "tab:green", "tab:red", "tab:green"


def _levels(d: pd.DataFrame, key: str) -> pd.DataFrame:
    """Troop levels as numbers (the tables may hold them as text), in increasing order."""
    if key == "troops":
        d = d.assign(**{key: pd.to_numeric(d[key])})
    return d.sort_values(key)


def _metric(summary: pd.DataFrame, metric: str, key: str = "troops") -> pd.DataFrame:
    return _levels(summary[summary["metric"] == metric], key)


def _measured(d: pd.DataFrame) -> bool:
    return not d.empty and not d["mean"].isna().all()


def _band(ax: Axes, d: pd.DataFrame, key: str, color: str, label: str, ci_label: str) -> None:
    ax.plot(d[key], d["mean"], marker="o", color=color, label=label)
    ax.fill_between(d[key], d["ci_low"], d["ci_high"], color=color, alpha=0.25, label=ci_label)


def _mark_smallest(axes: list[Axes], smallest: Any) -> None:
    if smallest is None:
        return
    for i, ax in enumerate(axes):
        ax.axvline(float(smallest), color=_SMALLEST, linestyle=":", linewidth=2,
                   label=f"smallest level meeting every target: {smallest}" if i == 0 else None)  # fmt: skip


def _level_ticks(ax: Axes, levels: pd.Series) -> None:
    """A tick at each level tried, when there are few enough to read."""
    values = sorted(set(levels.dropna()))
    if 1 < len(values) <= 16:
        ax.set_xticks(values, [f"{v:g}" for v in values], rotation=45 if len(values) > 10 else 0)


def _plain_numbers(ax: Axes) -> None:
    """Tick labels like 0.05 and -30,000 rather than 1e4 offsets."""
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}")


def coverage_vs_troops(
    summary: pd.DataFrame,
    targets: Any = None,
    *,
    scenario: str = "",
    replications: int | None = None,
    smallest: Any = None,
    key: str = "troops",
) -> Figure:
    """Post coverage, P(critical gap) and (when measured) air coverage against troop level, each with
    its 95% CI band (Student-t; Wilson for P(critical gap)), the targets as dashed lines, and the
    smallest level meeting every target as a dotted vertical line.

    `summary` is a sweep's `summary.csv`; `targets` the scenario's `Targets` (or its dict).
    """
    air = _metric(summary, "air_coverage", key)
    panels = ["post_coverage", "critical_gap"] + (["air_coverage"] if _measured(air) else [])
    fig = new_figure(9, 3.0 * len(panels) + 0.8)
    axes = list(fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0])
    colors = {"post_coverage": "tab:blue", "critical_gap": "tab:red", "air_coverage": "tab:purple"}
    limits = {"post_coverage": "post_coverage_min", "critical_gap": "p_critical_gap_max"}
    for ax, metric in zip(axes, panels, strict=True):
        d = _metric(summary, metric, key)
        ci = "95% Wilson CI" if metric == "critical_gap" else "95% CI"
        if _measured(d):
            _band(ax, d, key, colors[metric], f"mean {METRIC_LABELS[metric][0]}", ci)
        limit = target_of(targets, limits[metric]) if metric in limits else None
        if limit is not None:
            ax.axhline(limit, color="black", linestyle="--", linewidth=1, label=f"target {limit:g}")
        ax.set_ylabel(METRIC_LABELS[metric][1])
        ax.grid(alpha=0.3)
    axes[1].set_ylim(-0.03, 1.03)
    if "air_coverage" in panels:
        axes[2].set_ylim(-0.03, 1.03)
    cov = _metric(summary, "post_coverage", key)
    if _measured(cov):
        low = float(np.nanmin(cov["ci_low"]))
        axes[0].set_ylim(max(0.0, low - 0.05 * (1 - low) - 0.005), 1.0 + 0.05 * (1 - low) + 0.002)
    _mark_smallest(axes, smallest)
    for ax in axes:
        ax.legend(loc="best", fontsize=8)
    _level_ticks(axes[-1], cov[key] if _measured(cov) else _metric(summary, "critical_gap", key)[key])
    axes[-1].set_xlabel(f"{key} (headcount of the swept force)")
    title(fig, "coverage and P(critical gap) against troop level", scenario, replications,
          note="mean and 95% confidence interval over replications")  # fmt: skip
    return fig


def targets_vs_troops(
    summary: pd.DataFrame,
    checks: pd.DataFrame,
    *,
    scenario: str = "",
    replications: int | None = None,
    smallest: Any = None,
    key: str = "troops",
) -> Figure:
    """One panel per target of the scenario: the metric's mean and 95% CI band against troop level, the
    target's limit, and the interval bound that is checked, green where the level meets that target
    and red where it does not. `checks` is `targets.csv`."""
    names = [t for t in _TARGET_TEXT if t in set(checks["target"])]
    cols = 2 if len(names) > 1 else 1
    rows = max(1, math.ceil(len(names) / cols))
    fig = new_figure(5.2 * cols, 3.3 * rows + 0.9)
    grid = fig.subplots(rows, cols, sharex=True, squeeze=False)
    for i, ax in enumerate(grid.flat):
        if i >= len(names):
            ax.set_visible(False)
            continue
        target = names[i]
        metric, op, side = _TARGET_TEXT[target]
        d = _metric(summary, metric, key)
        c = _levels(checks[checks["target"] == target], key)
        if _measured(d):
            _band(ax, d, key, "tab:blue", "mean", "95% CI")
        limit = float(c["limit"].iloc[0])
        unit = " min" if target.endswith("_max_min") else ""
        ax.axhline(limit, color="black", linestyle="--", linewidth=1, label=f"target {op} {limit:g}{unit}")
        met = c["met"].astype(bool)
        ax.scatter(c[key][met], c["value"][met], color=_MEET, zorder=3, s=30, label=f"{side} bound: met")
        ax.scatter(c[key][~met], c["value"][~met], color=_MISS, zorder=3, s=30, marker="X",
                   label=f"{side} bound: missed")  # fmt: skip
        ax.set_title(f"{METRIC_LABELS[metric][0]} {op} {limit:g}{unit} ({side} 95% bound)", fontsize=10)
        ax.set_ylabel(METRIC_LABELS[metric][1])
        ax.grid(alpha=0.3)
        if smallest is not None:
            ax.axvline(float(smallest), color=_SMALLEST, linestyle=":", linewidth=2)
        ax.legend(loc="best", fontsize=7)
    bottom = [grid[-1][c] if grid[-1][c].get_visible() else grid[-2][c] for c in range(cols)]
    for ax in bottom:
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xlabel(f"{key} (headcount of the swept force)")
        _level_ticks(ax, _levels(checks, key)[key])
    note = "dotted line: smallest level meeting every target" if smallest is not None else ""
    title(fig, "each target against troop level", scenario, replications, note=note)
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
    numbers) of each metric with its 95% CI; filled markers where the interval excludes 0.

    `differences` is `differences.csv` (columns `<key>_from`, `<key>_to`, metric, mean, ci_low, ...).
    """
    shown = [m for m in metrics if _measured(differences[differences["metric"] == m])]
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
        err = np.vstack([d["mean"] - d["ci_low"], d["ci_high"] - d["mean"]])
        err = np.nan_to_num(err)
        sig = d["significant"].astype(bool).to_numpy()
        ax.errorbar(x, d["mean"], yerr=err, fmt="none", ecolor="tab:blue", capsize=4)
        ax.scatter(x[sig], d["mean"][sig], color="tab:blue", zorder=3, label="CI excludes 0")
        ax.scatter(x[~sig], d["mean"][~sig], facecolor="white", edgecolor="tab:blue", zorder=3,
                   label="CI includes 0")  # fmt: skip
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, [f"{a}→{b}" for a, b in zip(d[f"{key}_from"], d[f"{key}_to"], strict=True)],
                      rotation=45 if len(d) > 4 else 0, ha="right" if len(d) > 4 else "center",
                      fontsize=8)  # fmt: skip
        ax.set_ylabel("Δ " + METRIC_LABELS[metric][1])
        _plain_numbers(ax)
        ax.set_xlabel(f"step ({key})")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=7)
    title(fig, "marginal value of each step of troops", scenario, replications,
          note="paired difference with the level below, 95% CI")  # fmt: skip
    return fig


def compare_variants(
    summary: pd.DataFrame,
    differences: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = ("post_coverage", "critical_gap", "air_coverage", "gap_person_hours",
                                "escort_delay_p95_min", "response_time_p90_min"),
    scenario: str = "",
    replications: int | None = None,
) -> Figure:  # fmt: skip
    """Two variants side by side, one panel per metric: each variant's mean with its 95% CI, and the
    paired difference B − A with its CI in the panel's title (* when it excludes 0)."""
    labels = list(dict.fromkeys(summary["variant"]))
    shown = [m for m in metrics if _measured(summary[summary["metric"] == m])]
    cols = 3 if len(shown) > 4 else 2 if len(shown) > 1 else 1
    rows = max(1, math.ceil(len(shown) / cols))
    fig = new_figure(4.2 * cols, 3.0 * rows + 0.9)
    grid = fig.subplots(rows, cols, squeeze=False)
    diff = differences.set_index("metric") if not differences.empty else None
    for i, ax in enumerate(grid.flat):
        if i >= len(shown):
            ax.set_visible(False)
            continue
        metric = shown[i]
        d = summary[summary["metric"] == metric].set_index("variant").loc[labels]
        x = np.arange(len(labels))
        err = np.nan_to_num(np.vstack([d["mean"] - d["ci_low"], d["ci_high"] - d["mean"]]))
        ax.errorbar(x, d["mean"], yerr=err, fmt="o", color="tab:blue", capsize=5)
        ax.set_xticks(x, [f"{'AB'[k]}: {label}" for k, label in enumerate(labels)], fontsize=8)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_ylabel(METRIC_LABELS.get(metric, (metric, metric))[1], fontsize=8)
        head = METRIC_LABELS.get(metric, (metric,))[0]
        if diff is not None and metric in diff.index:
            r = cast(pd.Series, diff.loc[metric])  # one row per metric: .loc gives that row
            star = " *" if int(r["significant"]) else ""
            head += f"\nB − A = {r['mean']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]{star}"
        ax.set_title(head, fontsize=9)
        ax.grid(alpha=0.3)
    title(fig, "variant B against variant A", scenario, replications, per="variant",
          note="mean and 95% CI; * = paired difference excludes 0")  # fmt: skip
    return fig
