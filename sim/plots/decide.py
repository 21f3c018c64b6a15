"""Figures of the planner's decision: the `size` search path, the `allocate` split against the fixed
shares, the `sensitivity` tornado of troops needed, and the Morris elementary effects.

Each takes the folder's tables as plain rows (dicts of strings, as csv.DictReader gives them), so the
report redraws them from the folder's files alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from sim.plots.common import new_figure

__all__ = ["allocation_figure", "morris_figure", "search_path_figure", "tornado_figure"]

_MEETS, _FAILS, _CLOSE = "#2e7d32", "#c62828", "#ef6c00"


def _f(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def search_path_figure(rows: Sequence[dict[str, str]], answer: float | None, what: str) -> Figure:
    """The levels `size` judged, in order (left), and P(every target met in a replication) with its 95%
    Wilson interval at each level judged (right); green meets every target, each with 95% confidence, red
    fails, orange close: undecided on the first round (a screened level, taken to meet on the way) or
    when the replications ran out."""
    fig = new_figure(10, 4)
    ax1, ax2 = fig.subplots(1, 2)
    colours = {"meets": _MEETS, "fails": _FAILS, "close": _CLOSE}
    steps = [int(r["step"]) for r in rows]
    levels = [_f(r["level"]) for r in rows]
    ax1.plot(steps, levels, color="0.6", lw=1, zorder=1)
    ax1.scatter(steps, levels, c=[colours.get(r["decision"], "0.3") for r in rows], zorder=2)
    if answer is not None:
        ax1.axhline(answer, ls=":", color=_MEETS, label=f"answer {answer:g}")
        ax1.legend(loc="best")
    ax1.set_xlabel("step of the search")
    ax1.set_ylabel(what)
    ax1.set_title("Levels judged, in order (green meets, orange close, red fails)")
    last: dict[float, dict[str, str]] = {}
    for r in rows:
        last[_f(r["level"])] = r
    xs = sorted(last)
    for x in xs:
        r = last[x]
        p, lo, hi = _f(r["p_all_met"]), _f(r["p_all_met_low"]), _f(r["p_all_met_high"])
        ax2.errorbar([x], [p], yerr=[[p - lo], [hi - p]], fmt="o", color=colours.get(r["decision"], "0.3"))
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel(what)
    ax2.set_ylabel("P(every target met in a replication)")
    ax2.set_title("Each level's last judgement, 95% interval")
    return fig


def allocation_figure(rows: Sequence[dict[str, str]]) -> Figure:
    """People per pool (city × role): the split found beside the scenario's fixed shares at the same
    total and at the total `size` needed with fixed shares."""
    fig = new_figure(10, 4)
    ax = fig.subplots()
    names = [r["pool"] for r in rows]
    series = [("fixed shares at the size answer", "fixed", "0.7"), ("split found", "split", _MEETS)]
    width = 0.38
    for i, (label, col, colour) in enumerate(series):
        xs = [k + (i - 0.5) * width for k in range(len(rows))]
        ax.bar(xs, [_f(r[col]) for r in rows], width, label=label, color=colour)
    ax.set_xticks(range(len(rows)), names, rotation=30, ha="right")
    ax.set_ylabel("people")
    ax.legend()
    ax.set_title("Where: people per pool")
    return fig


def tornado_figure(rows: Sequence[dict[str, str]], base: float | None, what: str) -> Figure:
    """Troops needed (`size`) with each input at the low and at the high end of its range, the others at
    their scenario values; the widest bar first. An end where no level meets is drawn at the search's
    upper bound with an arrow."""
    fig = new_figure(10, 0.6 * max(len(rows), 2) + 1.5)
    ax = fig.subplots()
    order = sorted(rows, key=lambda r: -_f(r["swing"]) if not math.isnan(_f(r["swing"])) else -math.inf)
    for i, r in enumerate(reversed(order)):
        lo, hi = _f(r["needed_low"]), _f(r["needed_high"])
        ends = [(lo, "#1565c0", "low end"), (hi, "#ef6c00", "high end")]
        if base is not None:  # the longer bar first, so that a shorter one on the same side shows
            for v, colour, _ in sorted(ends, key=lambda e: -abs(e[0] - base) if not math.isnan(e[0]) else 0):
                if not math.isnan(v):
                    ax.barh(i, v - base, left=base, color=colour, alpha=0.85)
        else:  # no level to start bars from: each end as a point
            for v, colour, _ in ends:
                if not math.isnan(v):
                    ax.plot([v], [i], "o", color=colour)
        right = max((v for v in (lo, hi) if not math.isnan(v)), default=base or 0.0)
        ax.text(right, i, f"  {r['low']} → {lo:g} | {r['high']} → {hi:g}", va="center", fontsize=8)
    if base is not None and order:
        from matplotlib.patches import Patch

        handles = [
            Patch(color="#1565c0", label="input at its low end"),
            Patch(color="#ef6c00", label="input at its high end"),
        ]
        ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.set_yticks(range(len(order)), [r["input"] for r in reversed(order)])
    if base is not None:
        ax.axvline(base, color="k", lw=1)
    ax.set_xlabel(f"{what} needed (95%)")
    ax.set_title("What the answer depends on: troops needed at each end of each input's range")
    return fig


def morris_figure(rows: Sequence[dict[str, str]], output: str) -> Figure:
    """Morris screening: mean absolute elementary effect (μ*) against their spread (σ) of each input on
    `output`; far right matters most, high σ means interactions or non-linearity."""
    fig = new_figure(7, 5)
    ax = fig.subplots()
    sel = [r for r in rows if r["output"] == output]
    points = [(r["input"], _f(r["mu_star"]), _f(r["sigma"])) for r in sel]
    title = f"Morris screening on {output}"
    if not any(x > 0 for _, x, _ in points):
        # the output does not move (a target missed at every point): each target's own P(met), summed
        # per input, as the ranking does (sim.experiment.sensitivity.MorrisResult.targets_ranking)
        summed: dict[str, list[float]] = {}
        for r in rows:
            if r["output"].startswith("met:"):
                acc = summed.setdefault(r["input"], [0.0, 0.0])
                acc[0] += _f(r["mu_star"])
                acc[1] += _f(r["sigma"])
        points = [(name, x, y) for name, (x, y) in summed.items()]
        title = f"Morris screening on each target's P(met), summed ({output} does not move)"
    for name, x, y in points:
        ax.scatter([x], [y], color="#1565c0")
        ax.annotate(name, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("μ* (mean |elementary effect|)")
    ax.set_ylabel("σ (spread of the effects)")
    ax.set_title(title, fontsize=10)
    return fig
