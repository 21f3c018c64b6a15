"""`report.html` of a results folder: one self-contained page (figures embedded as PNG) that answers the
folder's question, with the tables per level, the figures, where the worst gaps are, and how it was
computed, in the spirit of the STRESS-DES reporting guideline for discrete-event simulation studies.

The page is rendered from `templates/report.html.j2` (Jinja2, autoescaped) and depends only on the
folder's files, so `summit-sim plot` redraws it byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
from pathlib import Path
from typing import Any, cast

import jinja2
import pandas as pd

from sim.plots.files import ResultsTables, read_results, save_figures
from sim.plots.gaps import top_hours, top_places
from sim.plots.sweep import METRIC_LABELS
from sim.report.console import KEY_METRICS, MARGINAL_METRICS, fmt_interval
from sim.scenario import load_scenario
from sim.scenario.summary import describe_scenario
from sim.stats import Interval

__all__ = ["FIGURE_CAPTIONS", "render_folder", "write_report"]

FIGURE_CAPTIONS = {
    "coverage_vs_troops": "Post coverage, P(critical gap) and air coverage against troop level: mean over "
    "replications with its 95% confidence band (Wilson for P(critical gap)), the targets dashed, and the "
    "smallest level meeting every target dotted.",
    "targets_vs_troops": "Each target against troop level: the metric's mean and 95% band, the target, and "
    "the interval bound that is checked (green: met, red: missed).",
    "marginal_value": "What each step of troops buys: the paired difference with the level below on common "
    "random numbers, with its 95% CI (filled: the interval excludes 0).",
    "compare_variants": "The two variants side by side: each variant's mean and 95% CI per metric; the "
    "paired difference B − A is in each panel's title.",
    "escort_delay_ecdf": "Escort delay: the share of delegation movements that waited at most x minutes "
    "for their escort, pooled over replications, per level.",
    "response_time_ecdf": "Incident response time (wait for a team plus travel): the share of incidents "
    "answered within x minutes, pooled over replications, per level; never answered counts as late.",
}
_SHORTFALL_CAPTION = ("Where and when posts were short at {level}: person-hours short per site (top) and "
                      "city (bottom) in each local hour, mean per replication; blank where nobody was "
                      "short.")  # fmt: skip
_METHODS = [
    ("Means", "Student-t 95% interval over replications: mean ± t(0.975; n−1)·s/√n."),
    ("P(critical gap)", "Wilson score 95% interval on the share of replications with a critical gap."),
    ("Differences", "paired on common random numbers (the same replication at each level or variant): "
     "Student-t 95% interval on the replication-by-replication differences."),
    ("Targets", "a level meets a target with 95% confidence when the far bound of the metric's interval "
     "clears it (lower bound for coverage, upper bound for the others); each target on its own."),
]  # fmt: skip


def _env() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(Path(__file__).parent / "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)  # fmt: skip
    env.filters["num"] = _num
    return env


def _num(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.1e}"
    return f"{x:,.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _metric_name(metric: str) -> str:
    return METRIC_LABELS.get(metric, (metric,))[0]


def _when(text: Any) -> str:
    """`2024-11-29 14:21:06 +00:00` from an ISO timestamp; `2024-11-04 00:00` without zero seconds."""
    if not text:
        return "?"
    out = str(text).replace("T", " ").replace("+", " +")
    return out[:-3] if len(out) == 19 and out.endswith(":00") else out


def _interval(row: pd.Series) -> Interval:
    n = row.get("n")
    n = 0 if n is None or (isinstance(n, float) and math.isnan(n)) else int(n)
    return Interval(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), float(row["std"]), n)


def _row(d: pd.DataFrame, label: str) -> pd.Series:
    """The row of `label` in `d`, whose index holds each label once (one row per level, or per metric)."""
    return cast(pd.Series, d.loc[label])  # .loc of a unique label is that row, not a frame


def _level_name(t: ResultsTables, label: str) -> str:
    return f"{label} troops" if t.key == "troops" and label else (label or "the scenario's staffing")


def _targets_text(targets: dict[str, Any]) -> list[str]:
    out = []
    if targets.get("post_coverage_min") is not None:
        out.append(f"post coverage ≥ {targets['post_coverage_min']:g}")
    if targets.get("p_critical_gap_max") is not None:
        tol = targets.get("critical_gap_tolerance_min", 30)
        out.append(f"P(a critical post short for more than {tol:g} min) ≤ {targets['p_critical_gap_max']:g}")
    if targets.get("escort_delay_p95_max_min") is not None:
        out.append(f"escort delay p95 ≤ {targets['escort_delay_p95_max_min']:g} min")
    if targets.get("response_time_p90_max_min") is not None:
        out.append(f"incident response time p90 ≤ {targets['response_time_p90_max_min']:g} min")
    return out


def _question(t: ResultsTables, targets: list[str]) -> str:
    goals = "; ".join(targets) if targets else "(the scenario sets no targets)"
    if t.command == "sweep":
        force = next((k for k, f in t.resolved()["forces"].items() if f.get("swept")), "the swept force")
        levels = f"{t.labels[0]} to {t.labels[-1]}" if len(t.labels) > 1 else t.labels[0]
        return (f"What is the smallest headcount of the force “{force}” (tried: {levels}) that meets every "
                f"target with 95% confidence: {goals}?")  # fmt: skip
    if t.command == "compare":
        a, b = t.labels
        return (
            f"What does variant B ({b}) change against variant A ({a}), metric by metric? Targets: {goals}."
        )
    level = _level_name(t, t.labels[0])
    return f"Does {t.scenario_name} at {level} meet every target with 95% confidence: {goals}?"


def _checks(t: ResultsTables, label: str) -> list[dict[str, Any]]:
    c = t.checks
    if c.empty:
        return []
    rows = c[c[t.key] == label]
    out = []
    for _, r in rows.iterrows():
        op, side = ("≥", "lower") if r["bound"] == "ci_low" else ("≤", "upper")
        unit = " min" if str(r["target"]).endswith("_max_min") else ""
        out.append({"target": r["target"], "metric": _metric_name(r["metric"]),
                    "text": f"{side} 95% bound {_num(r['value'])}{unit} {op} {r['limit']:g}{unit}",
                    "met": bool(r["met"])})  # fmt: skip
    return out


def _too_wide(t: ResultsTables, label: str) -> list[str]:
    """Missed targets whose mean clears the limit: only the interval is too wide (more replications)."""
    s = t.summary[t.summary[t.key] == label].set_index("metric")
    out: list[str] = []
    if t.checks.empty:
        return out
    for _, c in t.checks[(t.checks[t.key] == label) & (t.checks["met"] == 0)].iterrows():
        if c["metric"] in s.index:
            mean = float(s.loc[c["metric"], "mean"])
            ok = mean >= c["limit"] if c["bound"] == "ci_low" else mean <= c["limit"]
            if ok:
                out.append(_metric_name(c["metric"]))
    return out


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def _facts(r: dict[str, Any]) -> list[tuple[str, str]]:
    """The scenario's key facts, from its resolved form in the manifest."""

    def count(section: str) -> int:
        return len(r.get(section) or {})

    forces = "; ".join(
        f"{f.get('name') or k} ({k}): {f['headcount']:,} people" + (" — swept" if f.get("swept") else "")
        for k, f in (r.get("forces") or {}).items()
    )
    posts = r.get("posts") or {}
    critical = sum(1 for p in posts.values() if p.get("critical"))
    delegations = sum(int(d.get("count", 1)) for d in (r.get("delegations") or {}).values())
    aircraft = ", ".join(
        f"{g['count']} × {g['type']} at {g['base']}" for g in (r.get("aircraft") or {}).values()
    )
    fuel = ", ".join(f"{k} {p['capacity_gal']:,} gal" for k, p in (r.get("fuel_points") or {}).items())
    peak = r.get("peak")
    facts = [
        ("window", f"{_when(r.get('start'))} to {_when(r.get('end'))} ({r.get('timezone')})"
         + (f"; peak {_when(peak['start'])} to {_when(peak['end'])}" if peak else "")),
        ("cities and sites",
         f"{_n(count('cities'), 'city', 'cities')} ({', '.join(r.get('cities') or {})}), "
         f"{_n(count('sites'), 'site', 'sites')}"),
        ("forces", forces),
        ("posts", f"{len(posts)} ({critical} critical)"),
        ("delegations", f"{delegations}"),
        ("incident streams", f"{count('incidents')}"),
        ("aircraft", aircraft or "none"),
        ("air coverage requirements", f"{count('air_coverage')}"),
        ("fuel points", fuel or "none"),
    ]  # fmt: skip
    return facts


def _headline(t: ResultsTables) -> dict[str, Any]:
    """The answer in one sentence, with the target checks behind it (`ok`: met, not met, or None)."""
    return {"level": None, "checks": [], "wide": [], "note": "", **_answer(t)}


def _answer(t: ResultsTables) -> dict[str, Any]:
    meets = t.manifest.get("answer", {}).get("meets_targets", {})
    if t.command == "sweep":
        smallest = t.smallest
        if smallest is not None:
            label = str(smallest)
            return {"ok": True, "text": f"Smallest troop level meeting every target with 95% confidence: "
                    f"{label}", "level": label, "checks": _checks(t, label)}  # fmt: skip
        top = t.labels[-1]
        return {"ok": False, "text": f"No troop level from {t.labels[0]} to {top} meets every target with "
                f"95% confidence.", "level": top, "checks": _checks(t, top),
                "wide": _too_wide(t, top)}  # fmt: skip
    if t.command == "compare":
        d = t.differences
        sig = d[d["significant"].astype(bool)] if not d.empty else d
        shown = [m for m in KEY_METRICS if m in set(sig.get("metric", []))]
        parts = []
        for m in shown:
            r = sig[sig["metric"] == m].iloc[0]
            parts.append(f"{KEY_METRICS[m]} {fmt_interval(_interval(r))}")
        text = (
            ("B − A, significant at 95%: " + "; ".join(parts))
            if parts
            else (
                "No key metric differs significantly between the variants (95% paired intervals include 0)."
            )
        )
        met = ", ".join(f"{'AB'[i]} ({label}) {'meets' if meets.get(label) else 'does not meet'} the targets"
                        for i, label in enumerate(t.labels))  # fmt: skip
        return {"ok": None, "text": text, "note": met}
    label = t.labels[0]
    ok = bool(meets.get(label))
    verdict = "meets every target" if ok else "does NOT meet every target"
    return {"ok": ok, "text": f"{_level_name(t, label)} {verdict} with 95% confidence.", "level": label,
            "checks": _checks(t, label), "wide": _too_wide(t, label)}  # fmt: skip


def _per_level(t: ResultsTables) -> dict[str, Any]:
    s = t.summary
    measured = set(s[s["n"] > 0]["metric"]) if not s.empty else set()
    shown = [m for m in KEY_METRICS if m in measured]
    meets = t.manifest.get("answer", {}).get("meets_targets", {})
    rows = []
    for label in t.labels:
        d = s[s[t.key] == label].set_index("metric")
        missed = [c["metric"] for c in _checks(t, label) if not c["met"]]
        rows.append({"label": label, "cells": [fmt_interval(_interval(_row(d, m))) for m in shown],
                     "meets": bool(meets.get(label)), "missed": ", ".join(missed)})  # fmt: skip
    every = []
    for metric in dict.fromkeys(s["metric"]):
        d = s[s["metric"] == metric].set_index(t.key)
        every.append({"metric": metric, "cells": [fmt_interval(_interval(_row(d, lab))) for lab in t.labels]})
    steps = []
    marg = [m for m in MARGINAL_METRICS if m in measured]
    if not t.differences.empty and t.command == "sweep":
        for (a, b), d in t.differences.groupby([f"{t.key}_from", f"{t.key}_to"], sort=False):
            d = d.set_index("metric")
            steps.append({"step": f"{a} → {b}", "cells": [
                fmt_interval(_interval(_row(d, m))) + (" *" if int(_row(d, m)["significant"]) else "")
                for m in marg]})  # fmt: skip
    diffs = []
    if t.command == "compare" and not t.differences.empty:
        for _, r in t.differences.iterrows():
            diffs.append({"metric": r["metric"], "diff": fmt_interval(_interval(r)),
                          "significant": bool(r["significant"])})  # fmt: skip
    return {
        "key_headers": [KEY_METRICS[m] for m in shown],
        "rows": rows,
        "every": every,
        "marginal_headers": [MARGINAL_METRICS[m] for m in marg],
        "steps": steps,
        "differences": diffs,
    }


def _worst(t: ResultsTables) -> list[dict[str, Any]]:
    out = []
    for label in t.focus:
        by_site, by_city = t.shortfall[label]
        places = top_places(by_site)
        hours = top_hours(by_site)
        total = float(by_site.to_numpy().sum()) if by_site.size else 0.0
        out.append({
            "level": _level_name(t, label),
            "total": total,
            "cities": [{"name": k, "ph": float(v)} for k, v in by_city.sum(axis=1).items()],
            "places": [{"name": name, "ph": r["person_hours"], "share": r["share"],
                        "worst": f"{r['worst_hour']:%a %d %b %H:00}",
                        "worst_ph": r["worst_hour_person_hours"]}
                       for name, r in places.iterrows()],
            "hours": [{"name": r.iloc[0], "ph": r["person_hours"],
                       "hour": f"{r['hour']:%a %d %b %H:00}–{(r['hour'].hour + 1) % 24:02d}:00"}
                      for _, r in hours.iterrows()],
        })  # fmt: skip
    return out


def _scenario_summary(entry: dict[str, Any]) -> str:
    """The scenario as `summit-sim validate` describes it: kept in the manifest by the run; for a
    folder written before that, read again from the scenario file if it is unchanged."""
    if entry.get("summary"):
        return str(entry["summary"])
    path = entry.get("path")
    if (
        path
        and Path(path).is_file()
        and (hashlib.sha256(Path(path).read_bytes()).hexdigest() == entry.get("sha256"))
    ):
        return describe_scenario(load_scenario(path))
    r = entry.get("resolved", {})
    counts = ", ".join(f"{len(r.get(k) or {})} {k.replace('_', ' ')}" for k in
                       ("cities", "sites", "forces", "posts", "delegations", "incidents",
                        "aircraft"))  # fmt: skip
    return f"scenario {entry.get('name')}: {r.get('start')} to {r.get('end')} {r.get('timezone')}; {counts}"


def _reproducibility(t: ResultsTables) -> dict[str, Any]:
    m = t.manifest
    plan = m.get("plan", {})
    if plan.get("precision") is not None:
        how = (f"added in rounds until every target metric's 95% CI half-width was within --precision "
               f"{plan['precision']:g} (cap {plan.get('max_replications')}); precision "
               f"{'reached' if m.get('answer', {}).get('precision_met') else 'NOT reached'}")  # fmt: skip
    else:
        how = "fixed in advance (--replications, or the scenario's replications field)"
    return {
        "version": m.get("version"),
        "environment": m.get("environment") or {},
        "command_line": m.get("command_line"),
        "runs": [
            {**r, "started": _when(r.get("started")), "ended": _when(r.get("ended"))}
            for r in m.get("runs", [])
        ],
        "seed": m.get("seed"),
        "replications": t.replications,
        "replications_how": how,
        "scenarios": [
            {
                "name": s["name"],
                "path": s.get("path") or "(a scenario object, not a file)",
                "sha256": s["sha256"],
            }
            for s in m["scenarios"]
        ],
        "levels": ", ".join(t.labels),
        "key": t.key,
        "started": _when(m.get("started")),
        "ended": _when(m.get("ended")),
        "workers": m.get("workers"),
        "methods": _METHODS,
    }


def _figures(paths: dict[str, Path], t: ResultsTables) -> list[dict[str, str]]:
    out = []
    for stem, path in paths.items():
        if stem.startswith("shortfall_at_"):
            label = next((lab for lab in t.focus if stem.endswith(lab)), stem[len("shortfall_at_") :])
            caption = _SHORTFALL_CAPTION.format(level=_level_name(t, label))
        else:
            caption = FIGURE_CAPTIONS.get(stem, stem)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append({"name": f"figures/{path.name}", "caption": caption, "data": data})
    return out


def write_report(tables: ResultsTables, figures: dict[str, Path]) -> Path:
    """Write `report.html` into the tables' folder (by way of a temporary file); return its path."""
    t = tables
    resolved = t.resolved()
    targets = _targets_text(resolved.get("targets") or {})
    context = {
        "scenario": t.scenario_name,
        "description": resolved.get("description"),
        "command": t.command,
        "key": t.key,
        "question": _question(t, targets),
        "targets": targets,
        "headline": _headline(t),
        "per_level": _per_level(t),
        "labels": t.labels,
        "level_names": {label: _level_name(t, label) for label in t.labels},
        "summary_text": _scenario_summary(t.manifest["scenarios"][0]),
        "facts": _facts(resolved),
        "figures": _figures(figures, t),
        "worst": _worst(t),
        "repro": _reproducibility(t),
        "replications": t.replications,
    }
    html = _env().get_template("report.html.j2").render(**context)
    path = t.folder / "report.html"
    tmp = t.folder / ".report.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path


def render_folder(folder: str | os.PathLike[str], manifest: dict[str, Any] | None = None) -> Path:
    """Draw a results folder's figures into `figures/` and write its `report.html`; return the report.

    `manifest` (default: the folder's manifest.json) lets the runner render a folder it is finishing.
    """
    tables = read_results(folder, manifest)
    figures = save_figures(folder, tables=tables)
    return write_report(tables, figures)
