"""Drawing a metric against the troop level (or the variant): a table's rows in level order, the mean
with its 95% band or error bars, the smallest level meeting every target, and readable ticks.
Infinite values (a failure counted as ∞) are never drawn: they become NaN here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.numbers import is_share

__all__ = [
    "MEET",
    "MISS",
    "SMALLEST",
    "UNDECIDED",
    "band",
    "by_level",
    "error_bars",
    "finite",
    "level_ticks",
    "lowest",
    "mark_smallest",
    "measured",
    "metric_rows",
    "op",
    "plain_numbers",
]

MEET, MISS, UNDECIDED, SMALLEST = "tab:green", "tab:red", "tab:orange", "tab:green"


def finite(values: pd.Series) -> pd.Series:
    """Infinite values (a failure: never reached, never escorted) as NaN, so nothing is drawn there."""
    return values.astype(float).replace([np.inf, -np.inf], np.nan)


def by_level(d: pd.DataFrame, key: str) -> pd.DataFrame:
    """Troop levels (or the levels of any varied number) as numbers (the tables hold them as text), in
    increasing order; labels that are not numbers (variants) keep their order."""
    try:
        d = d.assign(**{key: pd.to_numeric(d[key])})
    except (ValueError, TypeError):
        return d
    return d.sort_values(key)


def metric_rows(summary: pd.DataFrame, metric: str, key: str = "troops") -> pd.DataFrame:
    """The rows of one metric column of `summary.csv`, by level."""
    return by_level(summary[summary["metric"] == metric], key)


def measured(d: pd.DataFrame) -> bool:
    """True when some row has a finite mean: something to draw."""
    return not d.empty and bool(np.isfinite(d["mean"].to_numpy(dtype=float)).any())


def lowest(*columns: pd.Series) -> float | None:
    """The lowest finite value in `columns` (a band's lower bounds, and its means where a bound is NaN,
    as with one replication), or None when there is none: an axis limit is never NaN or infinite."""
    values = np.concatenate([c.to_numpy(dtype=float) for c in columns]) if columns else np.empty(0)
    values = values[np.isfinite(values)]
    return float(values.min()) if values.size else None


def band(ax: Axes, d: pd.DataFrame, key: str, color: str, label: str, ci_label: str,
         linestyle: str = "-") -> None:  # fmt: skip
    """The mean against the level with its 95% band; infinite values are left out (not drawn)."""
    ax.plot(d[key], finite(d["mean"]), marker="o", color=color, label=label, linestyle=linestyle)
    ax.fill_between(d[key], finite(d["ci_low"]), finite(d["ci_high"]), color=color, alpha=0.2,
                    label=ci_label)  # fmt: skip


def error_bars(d: pd.DataFrame, metric: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mean, error bar lengths below and above it) of each row; an infinite mean as NaN, and a bar
    never negative nor NaN. With the `metric` of a summary (not a difference), the bars stay within its
    natural range as the tables' intervals do: ≥ 0, and ≤ 100% for a share."""
    mean = finite(d["mean"]).to_numpy()
    low, high = finite(d["ci_low"]).to_numpy(), finite(d["ci_high"]).to_numpy()
    if metric is not None:
        low = np.maximum(low, 0.0)
        high = np.minimum(high, 1.0) if is_share(metric) else high
    err = np.vstack([mean - low, high - mean])
    return mean, np.clip(np.nan_to_num(err), 0, None)


def mark_smallest(axes: list[Axes], smallest: Any) -> None:
    """A dotted vertical line at the smallest level meeting every target, labelled on the first axes."""
    try:
        at = float(smallest) if smallest is not None else math.nan
    except (TypeError, ValueError):
        return
    if not math.isfinite(at):
        return
    for i, ax in enumerate(axes):
        ax.axvline(at, color=SMALLEST, linestyle=":", linewidth=2,
                   label=f"smallest level meeting every target: {smallest}" if i == 0 else None)  # fmt: skip


def level_ticks(ax: Axes, levels: pd.Series) -> None:
    """A tick at each level tried, when there are few enough to read."""
    values = sorted(set(levels.dropna()))
    if 1 < len(values) <= 16:
        ax.set_xticks(values, [f"{v:g}" for v in values], rotation=45 if len(values) > 10 else 0)


def plain_numbers(ax: Axes) -> None:
    """Tick labels like 0.05 and -30,000 rather than 1e4 offsets."""
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}")


def op(side: str) -> str:
    """≥ for a minimum (checked on the lower bound), ≤ for a maximum."""
    return "≥" if side in ("min", "ci_low") else "≤"
