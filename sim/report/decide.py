"""`report.html` of a decision folder (`size`, `allocate`, `sensitivity`): first what a decision-maker
reads (needed: N (95%); where: the split; what it depends on: the top five inputs), then the evidence
(the search path, the targets at the answer and one step below, the split, the tornado, the Morris
effects), the figures and the request that reproduces it. Built from the folder's files alone.
"""

from __future__ import annotations

import base64
import csv
import json
import os
from pathlib import Path
from typing import Any

from sim.numbers import fmt_value
from sim.plots.decide import allocation_figure, morris_figure, search_path_figure, tornado_figure
from sim.report.html import _env

__all__ = ["decision_lines", "render_decision"]

_CAPTIONS = {
    "search_path": "The size search: each level judged in order (green meets every target, each with 95% "
    "confidence, red fails, orange still undecided), and at each level P(every target met in one "
    "replication) with its 95% Wilson interval.",
    "allocation": "People per pool: the split found next to the scenario's fixed shares at the troops "
    "`size` needs with them.",
    "tornado": "Troops needed (size, 95%) with one input at the low (blue) or high (orange) end of its "
    "range, the others at their scenario values; the black line is the answer at the scenario's values.",
    "morris": "Morris elementary effects at a fixed level: μ* (mean absolute effect of moving the input "
    "across its range) against σ (their spread: interactions or non-linearity).",
}


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _n(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:.4g}"


def decision_lines(answer: dict[str, Any]) -> dict[str, str]:
    """The three lines a decision-maker reads first, from a folder's answer.json: `needed`, and, when
    the folder has them, `where` and `depends`."""
    what = "troops" if answer.get("path", "troops") == "troops" else answer.get("path", "")
    out: dict[str, str] = {}
    needed = answer.get("answer") if answer["command"] == "size" else answer.get("needed")
    if needed is None and str(answer.get("status", "")).startswith("no size run"):
        out["needed"] = f"not computed (Morris only, at {answer.get('morris_troops')} troops)"
    elif needed is None and (answer.get("reachable") or {}).get("answer") is not None:
        out["needed"] = (
            f"no level of {what} meets every target, each with 95% confidence; "
            f"{_n(answer['reachable']['answer'])} {what} meet every target that {what} can move "
            "(not met at any level: "
            f"{'; '.join(f for f in answer.get('flat', []) if f.endswith('not met'))})"
        )
    elif needed is not None and answer.get("out_of_reach"):
        out["needed"] = (
            f"{_n(needed)} {what} meet every target that {what} can move, with 95% confidence (not met "
            f"by any number of {what}, left out: {'; '.join(answer['out_of_reach'])})"
        )
    elif needed is None:
        out["needed"] = f"no level of {what} searched meets every target, each with 95% confidence"
    else:
        out["needed"] = f"{_n(needed)} {what} (every target met, each with 95% confidence)"
    if answer["command"] == "allocate" and answer.get("split"):
        split = ", ".join(f"{k} {v}" for k, v in answer["split"].items() if v)
        saved = answer.get("saved")
        out["where"] = split + (f" ({_n(saved)} fewer than with the fixed shares)" if saved else "")
    if answer["command"] == "sensitivity" and answer.get("top"):
        out["depends"] = ", ".join(answer["top"][:5])
    return out


def _figure(folder: Path, stem: str, fig: Any) -> dict[str, str]:
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    path = figures / f"{stem}.png"
    fig.savefig(path, dpi=110)
    return {
        "name": f"figures/{path.name}",
        "caption": _CAPTIONS[stem],
        "data": base64.b64encode(path.read_bytes()).decode("ascii"),
    }


_TEXT = {"phase", "decision", "failing_target", "target", "metric", "status", "which", "input", "output",
         "pool", "low", "high"}  # fmt: skip
_IN_METRIC = ("limit", "value", "estimate")  # numbers in the unit of the row's `metric`
_SHARE = ("p_all_met", "p_all_met_low", "p_all_met_high")
_HEADERS = {
    "p_all_met": "P(all met)",
    "p_all_met_low": "95% low",
    "p_all_met_high": "95% high",
    "failing_target": "first target missed",
    "replications_needed": "replications needed",
    "n": "replications",
    "bound": "bound checked",
    "value": "bound's value",
    "which": "",
    "mu_star": "μ*",
    "mu": "μ",
    "sigma": "σ",
}
_BOUNDS = {"ci_low": "lower 95%", "ci_high": "upper 95%"}


def _cell(row: dict[str, str], column: str) -> str:
    """A table cell for people: a bound by its name, shares in percent, a target's numbers in its metric's
    unit, other numbers as `_n`."""
    v = row.get(column, "")
    if column in _TEXT:
        return v
    if column == "bound":
        return _BOUNDS.get(v, v)
    if v == "":
        return ""
    if column in _IN_METRIC and row.get("metric"):
        return fmt_value(row["metric"], float(v))
    if column in _SHARE:
        return fmt_value("post_coverage", float(v))  # a probability, shown as a share
    return _n(v)


def _table(title: str, rows: list[dict[str, str]], columns: list[str], text: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "text": text,
        "header": [_HEADERS.get(c, c.replace("_", " ")) for c in columns],
        "rows": [[_cell(r, c) for c in columns] for r in rows],
    }


def render_decision(folder: str | os.PathLike[str], answer: dict[str, Any] | None = None) -> Path:
    """Draw the folder's figures and write its report.html; return the report's path."""
    folder = Path(folder)
    answer = answer or json.loads((folder / "answer.json").read_text())
    request = json.loads((folder / "decide.json").read_text())
    lines = decision_lines(answer)
    what = "troops" if answer.get("path", "troops") == "troops" else str(answer.get("path"))
    sections: list[dict[str, Any]] = []
    figures: list[dict[str, str]] = []
    notes: list[str] = []
    command = answer["command"]
    search = _read(folder / "search.csv")
    if command in ("size", "allocate", "sensitivity") and search:
        figures.append(
            _figure(
                folder,
                "search_path",
                search_path_figure(search, _maybe(answer, "answer") or _maybe(answer, "fixed_needed"), what),
            )
        )
    if command == "size":
        notes.append(
            f"{answer['replications_spent']:,} replications over {answer['levels_judged']} levels "
            f"({answer['status']}); resolution {_n(answer['resolution'])}."
        )
        if answer.get("below") and answer["below"].get("failing"):
            notes.append(f"One step below ({_n(answer['below']['level'])}): {answer['below']['failing']}.")
        for a, b in answer.get("inversions", []):
            notes.append(f"Not monotone: {a} meets but {b} does not; run a sweep over {a}:{b} to check.")
    if command == "allocate":
        notes += answer.get("notes", [])
        alloc = _read(folder / "allocation.csv")
        sections.append(_table("Where: the split", alloc, ["pool", "fixed", "split", "change"]))
        figures.append(_figure(folder, "allocation", allocation_figure(alloc)))
    if command == "sensitivity":
        notes += answer.get("notes", [])
        tornado = _read(folder / "tornado.csv")
        sections.append(
            _table(
                "What it depends on: one input at a time",
                tornado,
                ["input", "low", "high", "needed_low", "needed_high", "swing"],
            )
        )
        if tornado:
            figures.append(_figure(folder, "tornado", tornado_figure(tornado, _tornado_base(answer), what)))
        morris = _read(folder / "morris.csv")
        if morris:
            sections.append(
                _table(
                    "Global screening (Morris)",
                    morris,
                    ["output", "input", "mu_star", "mu", "sigma", "rank"],
                    answer.get("morris_text", ""),
                )
            )
            figures.append(_figure(folder, "morris", morris_figure(morris, answer.get("morris_output", ""))))
    if search:
        sections.append(
            _table(
                "The search path",
                search,
                [
                    "step",
                    "phase",
                    "level",
                    "replications",
                    "p_all_met",
                    "p_all_met_low",
                    "p_all_met_high",
                    "decision",
                    "failing_target",
                ],
            )
        )
    evidence = _read(folder / "evidence.csv")
    if evidence:
        sections.append(
            _table(
                "Every target at the split found"
                if command == "allocate"
                else "Every target at the answer and one step below",
                evidence,
                [
                    "which",
                    "level",
                    "target",
                    "bound",
                    "limit",
                    "value",
                    "estimate",
                    "status",
                    "n",
                    "replications_needed",
                ],
            )
        )
    context = {
        "scenario": request.get("scenario") or "scenario object",
        "command": command,
        "meta": f"seed {request.get('seed')}; {request.get('command_line') or ''}",
        "ok": lines["needed"][0].isdigit(),
        "needed": lines["needed"],
        "where": lines.get("where", ""),
        "depends": lines.get("depends", ""),
        "notes": notes,
        "sections": sections,
        "figures": figures,
        # what reproduces the decision; not the folder's status, which is written after this report
        "request": json.dumps(
            {k: v for k, v in request.items() if k != "status"}, indent=2, ensure_ascii=False
        ),
    }
    html = _env().get_template("decide.html.j2").render(**context)
    path = folder / "report.html"
    tmp = folder / ".report.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _tornado_base(answer: dict[str, Any]) -> float | None:
    """The level the tornado's bars start from: the answer at the file's values or, when a target is out
    of the troops' reach there, what the troops can meet (the level each end's search also reports)."""
    needed = _maybe(answer, "needed")
    if needed is None and answer.get("reachable"):
        return _maybe(answer["reachable"], "answer")
    return needed


def _maybe(answer: dict[str, Any], key: str) -> float | None:
    value = answer.get(key)
    return None if value is None else float(value)
