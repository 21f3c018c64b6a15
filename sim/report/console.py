"""Readable terminal summaries (rich tables) of a finished experiment: run, sweep or compare.

Every number comes with its 95% confidence interval. The key metrics shown per level are those of
`KEY_METRICS` that the model measures, so a metric added to `sim.metrics.METRICS` (air coverage, say)
shows up here by itself.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.report.text import make_console
from sim.results.experiment import Outcome
from sim.stats import Interval, TargetCheck

__all__ = ["KEY_METRICS", "print_outcome"]

KEY_METRICS = {
    "post_coverage": "post coverage",
    "critical_gap": "P(critical gap)",
    "escort_delay_p95_min": "escort delay p95 (min)",
    "air_coverage": "air coverage",
    "response_time_p90_min": "response p90 (min)",
}
MARGINAL_METRICS = {
    "post_coverage": "Δ post coverage",
    "critical_gap": "Δ P(critical gap)",
    "gap_person_hours": "Δ gap person-h",
    "air_coverage": "Δ air coverage",
}


def _num(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.1e}"
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def fmt_interval(iv: Interval) -> str:
    """`mean ± half-width` for a symmetric (Student-t) interval, `mean [low, high]` for a Wilson one,
    just the mean when the interval is too narrow to show, `n/a` when nothing was measured."""
    if iv.n == 0:
        return "n/a"
    if math.isnan(iv.ci_low):
        return f"{_num(iv.mean)} (n={iv.n})"
    mean, low, high = _num(iv.mean), _num(iv.ci_low), _num(iv.ci_high)
    if low == mean == high:
        return mean
    scale = max(abs(iv.ci_low), abs(iv.ci_high), 1e-300)
    if abs((iv.ci_high - iv.mean) - (iv.mean - iv.ci_low)) <= 1e-9 * scale:
        return f"{mean} ± {iv.half_width:.2g}"
    return f"{mean} [{low}, {high}]"


SHORT = {"post_coverage": "coverage", "critical_gap": "P(gap)", "escort_delay_p95_min": "escort",
         "response_time_p90_min": "response", "air_coverage": "air"}  # fmt: skip


def _failed(checks: list[TargetCheck]) -> str:
    missed = [c for c in checks if not c.met]
    return "yes" if not missed else "no: " + ", ".join(SHORT.get(c.metric, c.metric) for c in missed)


def _replications_line(o: Outcome) -> str:
    n = o.answer.replications
    per = " per level" if o.command == "sweep" else (" per variant" if o.command == "compare" else "")
    line = f"{n:,} replications{per}, 95% confidence intervals"
    if o.plan.precision is not None:
        if o.precision_met:
            line += f"; precision {o.plan.precision:g} reached"
        else:
            line += f"; precision {o.plan.precision:g} NOT reached: stopped at --max-replications"
            w = o.precision_widest
            if w:
                at = f" at {w['level']}" if w["level"] else ""
                line += (f" (widest: {w['metric']}{at}, half-width {_num(w['half_width'])} > "
                         f"{_num(w['allowance'])})")  # fmt: skip
    return line


def print_outcome(o: Outcome, console: Console | None = None) -> None:
    """The summary of a run, sweep or comparison, and where its results folder is."""
    console = console or make_console()
    {"run": _print_run, "sweep": _print_sweep, "compare": _print_compare}[o.command](o, console)
    console.print(f"results: {escape(str(o.folder))}")


def _print_run(o: Outcome, console: Console) -> None:
    label = o.answer.labels[0]
    troops = f" at {label} troops" if label else ""
    table = Table(
        "metric",
        "mean [95% CI]",
        "n",
        title=f"{o.manifest.scenarios[0].name}{troops}",
        caption=_replications_line(o),
    )
    for metric, iv in o.answer.summaries[label].items():
        table.add_row(metric, fmt_interval(iv), str(iv.n))
    console.print(table)
    checks = o.answer.checks[label]
    for c in checks:
        console.print(f"  target {c.target}: {c.describe()}")
    verdict = "meets every target" if o.answer.meets(label) else "does NOT meet the targets"
    console.print(f"[bold]This level {verdict} with 95% confidence.[/]")


def _print_sweep(o: Outcome, console: Console) -> None:
    a = o.answer
    measured = {m for s in a.summaries.values() for m, iv in s.items() if iv.n > 0}
    shown = [m for m in KEY_METRICS if m in measured]
    table = Table(
        "troops",
        *(KEY_METRICS[m] for m in shown),
        "meets targets",
        title=f"Sweep of {o.manifest.scenarios[0].name}",
        caption=_replications_line(o),
    )
    for label in a.labels:
        cells = [fmt_interval(a.summaries[label][m]) for m in shown]
        table.add_row(label, *cells, _failed(a.checks[label]))
    console.print(table)

    if a.differences:
        marg = [m for m in MARGINAL_METRICS if m in measured]
        steps = Table(
            "step",
            *(MARGINAL_METRICS[m] for m in marg),
            title="Marginal value of each step (paired differences, * = CI excludes 0)",
        )
        for lo, hi, diffs in a.differences:
            cells = [fmt_interval(diffs[m]) + (" *" if diffs[m].excludes_zero else "") for m in marg]
            steps.add_row(f"{lo} → {hi}", *cells)
        console.print(steps)

    meeting = a.smallest_meeting
    span = f"{a.labels[0]}–{a.labels[-1]}" if len(a.labels) > 1 else a.labels[0]
    if meeting is not None:
        console.print(f"[bold]Smallest troop level meeting every target with 95% confidence: {meeting}[/]")
    else:
        top = a.labels[-1]
        missed = "; ".join(c.describe() for c in a.checks[top] if not c.met)
        console.print(f"[bold]No troop level in {span} meets every target with 95% confidence.[/]")
        console.print(f"  at {top}: {missed}")


def _print_compare(o: Outcome, console: Console) -> None:
    a = o.answer
    la, lb = a.labels
    diffs = a.differences[0][2]
    table = Table(
        "metric",
        f"A: {escape(la)}",
        f"B: {escape(lb)}",
        "B − A [95% CI]",
        "significant",
        title=f"Paired comparison: {escape(lb)} against {escape(la)}",
        caption=_replications_line(o),
    )
    for metric, d in diffs.items():
        table.add_row(
            metric,
            fmt_interval(a.summaries[la][metric]),
            fmt_interval(a.summaries[lb][metric]),
            fmt_interval(d),
            "yes" if d.excludes_zero else "",
        )
    console.print(table)
    for label, name in ((la, "A"), (lb, "B")):
        console.print(f"  {name} ({escape(label)}) meets targets: {_failed(a.checks[label])}")
