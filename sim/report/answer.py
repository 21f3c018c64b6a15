"""The answer at the top of `report.html`: the folder's question, the answer in one sentence, and the
target checks behind it (each target's estimate, the checked 95% bound against its limit, the verdict),
saying when replications rather than troops are missing and how many would show it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.numbers import fmt_value, metric_base, metric_name
from sim.plots.files import ResultsTables
from sim.report.cells import STATUS_CLASS, count, difference, level_name, limit_text, needed, status
from sim.report.console import KEY_METRICS
from sim.scenario.targets import PERCENTILES

__all__ = ["checks", "headline", "question", "short_of_replications", "target_names"]


def target_names(t: ResultsTables) -> list[str]:
    """Every target of the folder by its name in targets.csv, in the scenario's order."""
    return [] if t.checks.empty else [str(x) for x in dict.fromkeys(t.checks["target"])]


def question(t: ResultsTables, targets: list[str]) -> str:
    """The question the folder answers, in the words of its command."""
    goals = f"every one of its {count(len(targets), 'target', 'targets')}" if targets else "its targets"
    inputs = t.manifest.get("inputs") or []
    if t.command == "sweep" and len(inputs) > 1:
        return (f"Over the grid of {inputs[0]} × {inputs[1]} ({len(t.labels)} points), which points meet "
                f"{goals} with 95% confidence: where is the frontier?")  # fmt: skip
    if t.command == "sweep" and t.key != "troops":
        levels = f"{t.labels[0]} to {t.labels[-1]}" if len(t.labels) > 1 else t.labels[0]
        return (f"Which levels of {t.key} (tried: {levels}) meet {goals} with 95% confidence, and what "
                f"does each step change?")  # fmt: skip
    if t.command == "sweep":
        force = next((k for k, f in t.resolved()["forces"].items() if f.get("swept")), "the swept force")
        levels = f"{t.labels[0]} to {t.labels[-1]}" if len(t.labels) > 1 else t.labels[0]
        return (f"What is the smallest headcount of the force “{force}” (tried: {levels}) that meets "
                f"{goals} with 95% confidence?")  # fmt: skip
    if t.command == "compare" and len(t.labels) == 2:
        a, b = t.labels
        return (f"What does variant B ({b}) change against variant A ({a}), metric by metric, and does each "
                f"meet {goals} with 95% confidence?")  # fmt: skip
    if t.command == "compare":
        others = ", ".join(t.labels[1:])
        return (f"What does each variant ({others}) change against the base ({t.labels[0]}), metric by "
                f"metric, and does each meet {goals} with 95% confidence?")  # fmt: skip
    level = level_name(t, t.labels[0])
    return f"Does {t.scenario_name} at {level} meet {goals} with 95% confidence?"


def _verdict(t: ResultsTables, r: pd.Series) -> str:
    state = status(r)
    if state != "undecided":
        return state
    need = needed(r)
    what = "replications, not troops, are missing" if t.key == "troops" else "replications are missing"
    return f"undecided: {what}: about {need:,} would show it" if need else f"undecided: {what}"


def _percentile_note(t: ResultsTables, label: str, r: pd.Series) -> str:
    """For a percentile target checked as a share (escort delay p95 ≤ 15 min: at least 95% of movements
    within 15 min), the percentile itself on the target's scope when the folder has it: `p95 585 min`.
    The metric the target was written on and its scope are targets.csv's `target_metric` and `scope`."""
    written, scope = r.get("target_metric"), r.get("scope")
    if not isinstance(written, str) or written not in PERCENTILES or metric_base(str(r["metric"])) == written:
        return ""
    q = PERCENTILES[written]
    col = written + (f"[{scope}]" if isinstance(scope, str) and scope else "")
    s = t.summary[(t.summary[t.key] == label) & (t.summary["metric"] == col)]
    if s.empty or int(s["n"].iloc[0]) == 0:
        return ""
    return f"p{q:g} {fmt_value(col, float(s['mean'].iloc[0]))}"


def checks(t: ResultsTables, label: str, failing_first: bool = True) -> list[dict[str, Any]]:
    """The targets at one level: name, estimate, the checked bound against the limit, and the verdict;
    missed ones first, then undecided, then met (each group in the scenario's order)."""
    c = t.checks
    if c.empty:
        return []
    out: list[dict[str, Any]] = []
    for _, r in c[c[t.key] == label].iterrows():
        metric, state = str(r["metric"]), status(r)
        op, side = ("≥", "lower") if r["bound"] == "ci_low" else ("≤", "upper")
        estimate = fmt_value(metric, float(r["estimate"])) if "estimate" in r else "n/a"
        note = _percentile_note(t, label, r)
        out.append({
            "target": str(r["target"]), "metric": metric_name(metric), "status": state,
            "estimate": estimate + (f" ({note})" if note else ""),
            "bound": f"{side} 95% bound {fmt_value(metric, float(r['value']))} {op} "
                     f"{limit_text(metric, float(r['limit']))}",
            "verdict": _verdict(t, r), "met": bool(int(r["met"])),
            "cls": STATUS_CLASS.get(state, "yes" if int(r["met"]) else "no"),
        })  # fmt: skip
    if failing_first:
        rank = {"no": 0, "undecided": 1, "yes": 2}
        out.sort(key=lambda x: rank[x["cls"]])
    return out


def short_of_replications(t: ResultsTables) -> dict[str, int]:
    """Levels that miss targets only because the replications cannot show them, with about how many
    replications would show every one (the manifest's answer; from targets.csv for older folders)."""
    short = t.manifest.get("answer", {}).get("replications_short")
    if short is not None:
        return {str(k): int(v) for k, v in short.items()}
    out: dict[str, int] = {}
    for label in t.labels:
        rows = [r for _, r in t.checks[t.checks[t.key] == label].iterrows()] if not t.checks.empty else []
        missed = [r for r in rows if not int(r["met"])]
        if missed and all(status(r) == "undecided" for r in missed):
            out[label] = max(needed(r) or 0 for r in missed)
    return out


def _levels_checked(t: ResultsTables, labels: list[str]) -> list[dict[str, Any]]:
    return [{"level": level_name(t, label), "checks": checks(t, label)} for label in labels]


def _short_text(t: ResultsTables, labels: list[str]) -> list[str]:
    short = short_of_replications(t)
    out = []
    for label in labels:
        if label in short:
            per = " per level" if t.command == "sweep" else ""
            out.append(f"At {level_name(t, label)} every estimate meets its target: replications, not "
                       f"{'troops' if t.key == 'troops' else 'staffing'}, are missing. About "
                       f"{short[label]:,} replications{per} would show it (--replications {short[label]}, "
                       f"or --precision).")  # fmt: skip
    return out


def _sweep_answer(t: ResultsTables) -> dict[str, Any]:
    if t.key != "troops":
        meets = t.manifest.get("answer", {}).get("meets_targets", {})
        ok = [label for label in t.labels if meets.get(label)]
        text = (f"Levels meeting every target, each with 95% confidence: {', '.join(ok)}" if ok
                else "No level tried meets every target, each with 95% confidence.")  # fmt: skip
        return {"ok": bool(ok), "text": text, "levels": _levels_checked(t, ok[:1] or t.labels[-1:]),
                "short": _short_text(t, t.labels)}  # fmt: skip
    smallest = t.smallest
    if smallest is not None:
        label = str(smallest)
        i = t.labels.index(label)
        shown = t.labels[max(0, i - 1) : i + 1]
        return {"ok": True, "text": f"Smallest troop level meeting every target, each with 95% confidence: "
                f"{label}", "levels": _levels_checked(t, shown),
                "short": _short_text(t, t.labels[:i])}  # fmt: skip
    top = t.labels[-1]
    return {"ok": False, "text": f"No troop level from {t.labels[0]} to {top} meets every target, each with "
            f"95% confidence.", "levels": _levels_checked(t, [top]),
            "short": _short_text(t, t.labels)}  # fmt: skip


def _compare_answer(t: ResultsTables, meets: dict[str, Any]) -> dict[str, Any]:
    d = t.differences
    two = len(t.labels) == 2
    column = "significant" if two or d.empty or "significant_holm" not in d else "significant_holm"
    sig = d[d[column].astype(bool)] if not d.empty else d
    texts = []
    for label in t.labels[1:]:
        mine = sig[sig["variant_to"] == label] if not sig.empty else sig
        shown = [m for m in KEY_METRICS if m in set(mine.get("metric", []))]
        parts = [f"{metric_name(m)} {difference(t, m, mine[mine['metric'] == m].iloc[0])}" for m in shown]
        what = "B − A" if two else f"{label} − {t.labels[0]}"
        if parts:
            texts.append(f"{what}, significant at 95%: " + "; ".join(parts))
        else:
            texts.append(f"{what}: no key metric differs significantly (95% paired intervals include 0)")
    text = ". ".join(texts) + ("" if two else " (Holm's correction over the comparisons with the base)")
    names = [f"{'AB'[i]} ({label})" for i, label in enumerate(t.labels)] if two else list(t.labels)
    met = ", ".join(f"{name} {'meets' if meets.get(label) else 'does not meet'} every target"
                    for name, label in zip(names, t.labels, strict=True))  # fmt: skip
    return {"ok": None, "text": text, "note": met, "levels": _levels_checked(t, t.labels),
            "short": _short_text(t, t.labels)}  # fmt: skip


def headline(t: ResultsTables) -> dict[str, Any]:
    """The answer in one sentence, the target checks behind it at the levels that decide it, and what
    more replications (not troops) would settle."""
    meets = t.manifest.get("answer", {}).get("meets_targets", {})
    if t.command == "sweep":
        answer = _sweep_answer(t)
    elif t.command == "compare":
        answer = _compare_answer(t, meets)
    else:
        label = t.labels[0]
        ok = bool(meets.get(label))
        verdict = "meets every target" if ok else "does NOT meet every target"
        answer = {"ok": ok, "text": f"{level_name(t, label)} {verdict} with 95% confidence.",
                  "levels": _levels_checked(t, [label]), "short": _short_text(t, [label])}  # fmt: skip
    return {"levels": [], "note": "", "short": [], **answer}
