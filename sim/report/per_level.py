"""The tables of `report.html` per level (or variant): every target at every level, the key metrics,
every metric (whole event, then scoped), what each step of troops buys, and a comparison's differences.
"""

from __future__ import annotations

from typing import Any

from sim.metrics import METRICS
from sim.numbers import fmt_interval, fmt_value, metric_name
from sim.plots.files import ResultsTables
from sim.report.answer import checks, target_names
from sim.report.cells import STATUS_CLASS, difference, interval, needed, row, status
from sim.report.console import KEY_METRICS, MARGINAL_METRICS
from sim.stats import Interval

__all__ = ["per_level", "target_grid"]


def target_grid(t: ResultsTables) -> list[dict[str, Any]]:
    """Every target (rows, the scenario's order) at every level (cells: estimate and verdict)."""
    out = []
    for name in target_names(t):
        rows = t.checks[t.checks["target"] == name].set_index(t.key)
        cells = []
        for label in t.labels:
            if label not in rows.index:
                cells.append({"text": "", "verdict": "", "cls": ""})
                continue
            r = row(rows, label)
            state = status(r)
            need = needed(r)
            verdict = state
            if state == "undecided" and need:
                verdict = f"undecided (~{need:,} reps)"
            cells.append({"text": fmt_value(str(r["metric"]), float(r["estimate"])), "verdict": verdict,
                          "cls": STATUS_CLASS.get(state, "yes" if int(r["met"]) else "no")})  # fmt: skip
        out.append({"target": name, "cells": cells})
    return out


def _key_rows(t: ResultsTables, shown: list[str]) -> list[dict[str, Any]]:
    """Per level: the key metrics, whether it meets every target, and how many it misses."""
    s = t.summary
    meets = t.manifest.get("answer", {}).get("meets_targets", {})
    rows = []
    for label in t.labels:
        d = s[s[t.key] == label].set_index("metric")
        at = checks(t, label)
        missed = [c for c in at if not c["met"]]
        undecided = sum(c["cls"] == "undecided" for c in missed)
        text = f"{len(missed)} of {len(at)} missed" + (f" ({undecided} undecided)" if undecided else "")
        rows.append({"label": label, "cells": [fmt_interval(m, interval(row(d, m))) for m in shown],
                     "meets": bool(meets.get(label)), "missed": text if missed else ""})  # fmt: skip
    return rows


def _every(t: ResultsTables) -> dict[str, list[dict[str, Any]]]:
    """Every metric column at every level: the whole-event ones, then the scoped ones."""
    s = t.summary
    # One pass over summary.csv's columns (hundreds of metrics: a frame filtered per metric took a second)
    n = s["n"] if "n" in s else [None] * len(s)
    at: dict[str, dict[str, Interval]] = {}
    for label, metric, *cells in zip(s[t.key], s["metric"], s["mean"], s["ci_low"], s["ci_high"], s["std"],
                                     n, strict=True):  # fmt: skip
        at.setdefault(metric, {})[label] = interval(dict(zip(_INTERVAL, cells, strict=True)))
    every: dict[str, list[dict[str, Any]]] = {"whole": [], "scoped": []}
    for metric, ivs in at.items():
        cells = [fmt_interval(metric, ivs[lab]) if lab in ivs else "" for lab in t.labels]
        every["whole" if metric in METRICS else "scoped"].append(
            {"metric": metric_name(metric), "column": metric, "cells": cells}
        )
    return every


_INTERVAL = ("mean", "ci_low", "ci_high", "std", "n")


def _steps(t: ResultsTables, marg: list[str]) -> list[dict[str, Any]]:
    """A sweep's steps: the paired difference of each marginal metric, * where it excludes 0."""
    steps: list[dict[str, Any]] = []
    if t.differences.empty or t.command != "sweep":
        return steps
    for (a, b), d in t.differences.groupby([f"{t.key}_from", f"{t.key}_to"], sort=False):
        d = d.set_index("metric")
        cells = [fmt_interval(m, interval(row(d, m)), difference=True)
                 + (" *" if int(row(d, m)["significant"]) else "") for m in marg]  # fmt: skip
        steps.append({"step": f"{a} → {b}", "cells": cells})
    return steps


def _differences(t: ResultsTables) -> dict[str, list[dict[str, Any]]]:
    """A comparison's difference B − A of every metric: the whole-event ones, then the scoped ones."""
    diffs: dict[str, list[dict[str, Any]]] = {"whole": [], "scoped": []}
    if t.command == "compare" and not t.differences.empty:
        holm = len(t.labels) > 2 and "significant_holm" in t.differences
        for _, r in t.differences.iterrows():
            metric = str(r["metric"])
            significant = "yes" if bool(r["significant"]) else ""
            if holm and significant:  # several variants against the first: Holm's correction said too
                significant += " (Holm)" if bool(r["significant_holm"]) else " (not after Holm)"
            diffs["whole" if metric in METRICS else "scoped"].append({
                "metric": metric_name(metric), "pair": f"{r[f'{t.key}_to']} − {r[f'{t.key}_from']}",
                "diff": difference(t, metric, r), "significant": significant})  # fmt: skip
    return diffs


def per_level(t: ResultsTables) -> dict[str, Any]:
    """The tables per level: key metrics, every metric, the marginal steps and the differences."""
    s = t.summary
    measured = set(s[s["n"] > 0]["metric"]) if not s.empty else set()
    shown = [m for m in KEY_METRICS if m in measured]
    marg = [m for m in MARGINAL_METRICS if m in measured]
    return {
        "key_headers": [KEY_METRICS[m] for m in shown],
        "rows": _key_rows(t, shown),
        "every": _every(t),
        "marginal_headers": [MARGINAL_METRICS[m][0] for m in marg],
        "steps": _steps(t, marg),
        "differences": _differences(t),
    }
