"""Figures from results tables. Each function takes tables and returns a matplotlib `Figure`.

Figures are built without pyplot (no global state, no display needed), so they render the same in a
terminal, a notebook or a worker; the caller saves or shows them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["coverage_vs_troops"]

_COVERAGE = {"post_coverage": "post coverage", "air_coverage": "air coverage"}


def _metric(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    return summary[summary["metric"] == metric].sort_values("troops")


def coverage_vs_troops(summary: pd.DataFrame, targets: Any = None) -> Figure:
    """Coverage (post, and air when measured) and P(critical gap) against troop level, with 95% CI bands.

    `summary` is a sweep's `summary.csv` (columns troops, metric, mean, ci_low, ci_high, ...);
    `targets`, if given, draws the scenario's target lines.
    """
    fig = Figure(figsize=(8, 6.5), layout="constrained")
    cov, gap = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for metric, label in _COVERAGE.items():
        d = _metric(summary, metric)
        if d.empty or d["mean"].isna().all():
            continue
        line = cov.plot(d["troops"], d["mean"], marker="o", label=label)[0]
        cov.fill_between(d["troops"], d["ci_low"], d["ci_high"], color=line.get_color(), alpha=0.25,
                         label=f"{label}, 95% CI")  # fmt: skip
    target = getattr(targets, "post_coverage_min", None)
    if target is not None:
        cov.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    cov.set_ylabel("share of required hours staffed")
    cov.set_title("Coverage against troop level (mean and 95% CI over replications)")
    cov.grid(alpha=0.3)
    cov.legend(loc="lower right")

    d = _metric(summary, "critical_gap")
    if not d.empty:
        line = gap.plot(d["troops"], d["mean"], marker="o", color="tab:red", label="P(critical gap)")[0]
        gap.fill_between(d["troops"], d["ci_low"], d["ci_high"], color=line.get_color(), alpha=0.2,
                         label="95% Wilson CI")  # fmt: skip
    target = getattr(targets, "p_critical_gap_max", None)
    if target is not None:
        gap.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    gap.set_ylim(-0.02, 1.02)
    gap.set_ylabel("P(critical gap)")
    gap.set_xlabel("troops (swept force headcount)")
    gap.grid(alpha=0.3)
    gap.legend(loc="upper right")
    return fig
