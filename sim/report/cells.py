"""The cells of `report.html`'s tables: an interval read from a table's row, a level's name, a
target's status and limit, person-hours and timestamps for people. Numbers themselves are printed by
sim.numbers.
"""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd

from sim.numbers import fmt_interval, fmt_value, is_share
from sim.plots.files import ResultsTables
from sim.stats import Interval

__all__ = [
    "STATUS_CLASS",
    "count",
    "demand_interval",
    "difference",
    "interval",
    "level_name",
    "limit_text",
    "needed",
    "ph",
    "row",
    "rows_at",
    "status",
    "when",
]

STATUS_CLASS = {"met": "yes", "not met": "no", "undecided": "undecided"}


def ph(x: Any) -> str:
    """Person-hours for people: `6,797`, `12.5`, `0.25`, `< 0.01`."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    if abs(x) >= 0.01:
        return f"{x:.3g}" if abs(x) >= 1 else f"{x:.2f}"
    return "< 0.01"


def limit_text(metric: str, x: float) -> str:
    """A target's limit as the scenario gives it: `95%`, `99.5%`, `15 min`."""
    if is_share(metric) and math.isfinite(x):
        return f"{100 * x:.4g}%"
    return fmt_value(metric, x)


def when(text: Any) -> str:
    """`2024-11-29 14:21:06 +00:00` from an ISO timestamp; `2024-11-04 00:00` without zero seconds."""
    if not text:
        return "?"
    out = str(text).replace("T", " ").replace("+", " +")
    return out[:-3] if len(out) == 19 and out.endswith(":00") else out


def interval(r: pd.Series | dict[str, Any]) -> Interval:
    """The interval of a row of summary.csv or differences.csv."""
    n = r.get("n")
    n = 0 if n is None or (isinstance(n, float) and math.isnan(n)) else int(n)
    return Interval(float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]), float(r["std"]), n)


def demand_interval(r: Any, prefix: str, n: int) -> Interval:
    """The interval of `prefix` in a row of a demand table (`prefix_mean`, `prefix_ci_low`, ...)."""
    get = (lambda c: float(getattr(r, c))) if not isinstance(r, pd.Series) else (lambda c: float(r[c]))
    return Interval(get(f"{prefix}_mean"), get(f"{prefix}_ci_low"), get(f"{prefix}_ci_high"), math.nan, n)


def row(d: pd.DataFrame, label: str) -> pd.Series:
    """The row of `label` in `d`, whose index holds each label once (one row per level, or per metric)."""
    return cast(pd.Series, d.loc[label])  # .loc of a unique label is that row, not a frame


def rows_at(table: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    """The rows of a demand table at one level (all of an empty or level-less table)."""
    if table.empty or key not in table:
        return table
    return table[table[key].astype(str) == label]


def level_name(t: ResultsTables, label: str) -> str:
    """`40 troops`, `aircraft.mh60_ag8.count = 2` (a sweep of another input), a variant's name or a grid
    point, or "the scenario's staffing" for a run without a swept force."""
    if t.key == "troops" and label:
        return f"{label} troops"
    if t.key not in ("troops", "variant", "levels") and label:
        return f"{t.key} = {label}"
    return label or "the scenario's staffing"


def count(k: int, one: str, many: str) -> str:
    """`1 city`, `2 cities`."""
    return f"{k:,} {one if k == 1 else many}"


def status(r: pd.Series) -> str:
    """A row of targets.csv: met, not met or undecided (from `met` in a table without a status)."""
    value = r.get("status")
    if isinstance(value, str) and value:
        return value
    return "met" if int(r["met"]) else "not met"


def needed(r: pd.Series) -> int | None:
    """A row of targets.csv: about how many replications would show the target, if it says."""
    x = r.get("replications_needed")
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x == "" else int(float(x))


def difference(t: ResultsTables, metric: str, r: pd.Series) -> str:
    """B − A with its interval; when it is not finite (a failure counted as ∞ in one variant), the two
    variants' means instead: `∞ → 24.4 min`."""
    iv = interval(r)
    if math.isfinite(iv.mean) or iv.n == 0:
        return fmt_interval(metric, iv, difference=True)
    s = t.summary[t.summary["metric"] == metric].set_index(t.key)
    pair = [str(r[f"{t.key}_from"]), str(r[f"{t.key}_to"])]  # this difference's two, not every variant
    means = [fmt_value(metric, float(row(s, label)["mean"])) if label in s.index else "n/a" for label in pair]
    return " → ".join(means)
