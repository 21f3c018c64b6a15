"""Readable terminal summaries (rich tables) of a finished experiment: run, sweep or compare.

The answer first: each target at each level with its estimate, the 95% bound that is checked and the
verdict, saying when replications rather than troops are what is missing; then the demands that fall
short (critical posts, air requirements, delegations), worst first; then the key whole-event metrics.
Every number comes with its 95% confidence interval, in the units of sim.numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.metrics import METRICS
from sim.numbers import fmt_interval, fmt_value, metric_name
from sim.report.text import make_console
from sim.results.experiment import Outcome
from sim.stats import Interval, TargetCheck

__all__ = ["KEY_METRICS", "MARGINAL_METRICS", "failing_demands", "print_outcome", "verdict"]

KEY_METRICS = {
    "post_coverage": "post coverage",
    "critical_gap": "P(critical gap)",
    "escort_delay_p95_min": "escort delay p95 (min)",
    "air_coverage": "air coverage",
    "response_time_p90_min": "response p90 (min)",
}
# metric → (column header, the direction that is better: +1 up, -1 down)
MARGINAL_METRICS = {
    "post_coverage": ("Δ post coverage (↑ better)", 1),
    "critical_gap": ("Δ P(critical gap) (↓ better)", -1),
    "gap_person_hours": ("Δ person-h short (↓ better)", -1),
    "air_coverage": ("Δ air coverage (↑ better)", 1),
}


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
                line += (f" (widest: {w['metric']}{at}, half-width {w['half_width']:.3g} > "
                         f"{w['allowance']:.3g})")  # fmt: skip
    return line


def verdict(c: TargetCheck) -> str:
    """`met`, `NOT met`, or `undecided: 50 replications cannot show it; about 73 would`."""
    if c.met:
        return "met"
    if c.status == "undecided":
        return f"undecided: {c.n:,} replications cannot show it; about {c.replications_needed:,} would"
    return "NOT met"


def _bound_text(c: TargetCheck) -> str:
    side = "lower" if c.bound == "ci_low" else "upper"
    return f"{side} 95% bound {fmt_value(c.metric, c.value)}"


def _target_table(o: Outcome, labels: Sequence[str]) -> Table:
    a = o.answer
    key = "level" if o.command == "sweep" else ("variant" if o.command == "compare" else "")
    headers = [*([key] if key else []), "target", "estimate", "checked bound", "verdict"]
    table = Table(
        *headers, title="Targets (each checked on the demand it names)", caption=_replications_line(o)
    )
    for label in labels:
        for c in a.checks[label]:
            style = "" if c.met else ("yellow" if c.status == "undecided" else "red")
            cells = [escape(c.target), fmt_value(c.metric, c.estimate), _bound_text(c), verdict(c)]
            table.add_row(*([escape(label)] if key else []), *cells, style=style)
    return table


def failing_demands(o: Outcome, label: str, limit: int = 8) -> list[tuple[str, str]]:
    """The demands that fall short at a level, worst first: critical posts short beyond the tolerance in
    any replication (other posts from 5% of replications), air requirements under 99% coverage,
    delegations whose escort delay p95 is over a minute. (name, what falls short)"""
    summary = o.answer.summaries[label]
    posts = o.manifest.scenarios[0].resolved.get("posts") or {}

    def scoped(metric: str, key: str) -> list[tuple[str, Interval]]:
        prefix = f"{metric}[{key}="
        return [(col[len(prefix) : -1], iv) for col, iv in summary.items() if col.startswith(prefix) and iv.n]

    out: list[tuple[float, str, str]] = []
    for post, iv in scoped("critical_gap", "post"):
        critical = bool(posts.get(post, {}).get("critical"))
        if iv.mean > 0 and (critical or iv.mean >= 0.05):
            cov = summary.get(f"post_coverage[post={post}]")
            what = f"short beyond the tolerance in {fmt_value('critical_gap', iv.mean)} of replications"
            if cov is not None and cov.n:
                what += f"; coverage {fmt_value('post_coverage', cov.mean)}"
            name = f"post {post}" + ("" if critical else " (not critical)")
            out.append(((2 if critical else 0.5) + iv.mean, name, what))
    for req, iv in scoped("air_coverage", "requirement"):
        if iv.mean < 0.99:
            out.append(
                (1 + (1 - iv.mean), f"air requirement {req}", f"coverage {fmt_interval('air_coverage', iv)}")
            )
    for dele, iv in scoped("escort_delay_p95_min", "delegation"):
        if iv.mean > 1:
            what = f"escort delay p95 {fmt_interval('escort_delay_p95_min', iv)}"
            out.append((1 if math.isinf(iv.mean) else min(0.9, iv.mean / 1000), f"delegation {dele}", what))
    out.sort(key=lambda x: -x[0])
    return [(name, what) for _score, name, what in out[:limit]]


def _print_failing(o: Outcome, label: str, console: Console) -> None:
    rows = failing_demands(o, label)
    if not rows:
        return
    where = f" at {label}" if label else ""
    table = Table("demand", "what falls short", title=f"Where it falls short{where}, worst first")
    for name, what in rows:
        table.add_row(escape(name), what)
    console.print(table)


def _key_metrics(o: Outcome, metrics: Sequence[str] = tuple(KEY_METRICS)) -> list[str]:
    """The columns of `metrics`, each on the demand the scenario's first target on it names (the U.S.
    posts rather than all posts), so the table shows what is judged; whole-event where no target is."""
    measured = {m for s in o.answer.summaries.values() for m, iv in s.items() if iv.n > 0}
    first = next(iter(o.answer.checks.values()), [])
    scoped: dict[str, str] = {}
    for c in first:
        base, _, scope = c.metric.partition("[")
        metric = "escort_delay_p95_min" if base.startswith("escort_within") else base
        metric = "response_time_p90_min" if base.startswith("response_within") else metric
        if scope and metric in metrics:
            scoped.setdefault(metric, f"{metric}[{scope}")
        if scope and base == "post_coverage":  # the person-hours short of the same posts
            scoped.setdefault("gap_person_hours", f"gap_person_hours[{scope}")
    columns = [scoped.get(m, m) for m in metrics]
    return [c for c in columns if c in measured]


def _header(column: str, names: dict[str, str] = KEY_METRICS) -> str:
    base, _, scope = column.partition("[")
    return escape(names[base] + (f" [{scope.rstrip(']').replace('=', ' ')}]" if scope else ""))


def print_outcome(o: Outcome, console: Console | None = None) -> None:
    """The summary of a run, sweep or comparison, and where its results folder is."""
    console = console or make_console()
    {"run": _print_run, "sweep": _print_sweep, "compare": _print_compare}[o.command](o, console)
    alerts = ", air_alerts.csv" if (o.folder / "air_alerts.csv").exists() else ""
    console.print(f"results: {escape(str(o.folder))}  (per post, air requirement, force, delegation and "
                  "incident stream: posts.csv, air.csv, forces.csv, delegations.csv, incidents.csv"
                  f"{alerts}; metrics defined in docs/metrics.md)")  # fmt: skip


def _print_run(o: Outcome, console: Console) -> None:
    label = o.answer.labels[0]
    troops = f" at {label} troops" if label else ""
    table = Table(
        "metric", "mean (95% CI)", "n", title=f"{o.manifest.scenarios[0].name}{troops}: whole event"
    )
    for metric in METRICS:
        iv = o.answer.summaries[label].get(metric)
        if iv is not None:
            table.add_row(metric_name(metric), fmt_interval(metric, iv), str(iv.n))
    console.print(table)
    console.print(_target_table(o, [label]))
    _print_failing(o, label, console)
    console.print(_answer_line(o, label))


def _answer_line(o: Outcome, label: str) -> str:
    checks = o.answer.checks[label]
    if all(c.met for c in checks):
        return "[bold]This level meets every target, each with 95% confidence.[/]"
    missed = [c for c in checks if not c.met]
    if all(c.status == "undecided" for c in missed):
        need = max(c.replications_needed or 0 for c in missed)
        return (
            "[bold]This level is not shown to meet its targets: every estimate meets its target, but the "
            "replications are too few to show it with 95% confidence; "
            f"about {need:,} would (--replications).[/]"
        )
    names = ", ".join(c.target for c in missed if c.status != "undecided")
    return f"[bold]This level does NOT meet: {escape(names)}.[/]"


def _sweep_title(o: Outcome) -> str:
    """`Sweep of NAME`, with the inputs varied and the troops held (`--troops N` with `--vary`)."""
    inputs = o.manifest.inputs
    title = f"Sweep of {o.manifest.scenarios[0].name}" + (
        f" over {escape(' × '.join(inputs))}" if inputs else ""
    )
    troops = {v.troops for v in o.manifest.variants}
    if inputs and "troops" not in inputs and troops != {None}:
        title += f", at {troops.pop()} troops of the swept force"
    return title


def _not_met(checks: Sequence[TargetCheck]) -> str:
    """`none`, `1 missed (of 13)`, `2 undecided (of 13)` or `1 missed, 2 undecided (of 13)`: a target
    whose interval straddles its limit is undecided (more replications would tell), not missed."""
    missed = sum(not c.met and c.status != "undecided" for c in checks)
    undecided = sum(not c.met and c.status == "undecided" for c in checks)
    parts = [f"{n} {what}" for n, what in ((missed, "missed"), (undecided, "undecided")) if n]
    return f"{', '.join(parts)} (of {len(checks)})" if parts else "none"


def _print_sweep(o: Outcome, console: Console) -> None:
    a = o.answer
    shown = _key_metrics(o)
    inputs = o.manifest.inputs
    keys = inputs if len(inputs) > 1 else [o.key]
    headers = [*(escape(k) for k in keys), *(_header(c) for c in shown), "targets not met"]
    values = {v.label: v.values for v in o.manifest.variants}
    table = Table(*headers, title=_sweep_title(o), caption=_replications_line(o))
    for label in a.labels:
        cells = [fmt_interval(m, a.summaries[label][m]) for m in shown]
        text = _not_met(a.checks[label])
        first = [f"{values[label][k]:g}" for k in keys] if len(keys) > 1 else [label]
        table.add_row(*first, *cells, text)
    console.print(table)
    line = _overrides_line(o)
    if line:
        console.print(line)
    if len(inputs) > 1:
        _print_frontier(o, console)
        return
    if a.differences:
        _print_marginal(o, console)
    if o.key != "troops":
        ok = [label for label in a.labels if a.meets(label)]
        console.print(_target_table(o, ok[:1] or a.labels[-1:]))
        text = ", ".join(ok) if ok else "none"
        console.print(
            f"[bold]Levels of {escape(o.key)} meeting every target, each with 95% confidence: {text}[/]"
        )
        return
    meeting = a.smallest_meeting
    focus = [meeting] if meeting is not None else [a.labels[-1]]
    if meeting is not None and a.labels.index(meeting) > 0:
        focus.insert(0, a.labels[a.labels.index(meeting) - 1])
    console.print(_target_table(o, focus))
    _print_failing(o, focus[0], console)
    span = f"{a.labels[0]}–{a.labels[-1]}" if len(a.labels) > 1 else a.labels[0]
    if meeting is not None:
        console.print(
            f"[bold]Smallest troop level meeting every target, each with 95% confidence: {meeting}[/]"
        )
        return
    console.print(f"[bold]No troop level in {span} meets every target, each with 95% confidence.[/]")
    top = a.labels[-1]
    missed = [c for c in a.checks[top] if not c.met]
    if missed and all(c.status == "undecided" for c in missed):
        need = max(c.replications_needed or 0 for c in missed)
        console.print(
            f"  At {top} every estimate meets its target: replications, not troops, are missing. About "
            f"{need:,} replications per level would show it (--replications {need})."
        )
    else:
        for c in missed:
            console.print(f"  at {top}: {escape(c.target)}: estimate {fmt_value(c.metric, c.estimate)}, "
                          f"{_bound_text(c)}: {verdict(c)}")  # fmt: skip


def _print_frontier(o: Outcome, console: Console) -> None:
    """A grid's meeting frontier: at each level of the first input, the smallest level of the second
    meeting every target, each with 95% confidence."""
    from sim.experiment.vary import frontier

    first, second = o.manifest.inputs[:2]
    points = [(v.values[first], v.values[second], o.answer.meets(v.label)) for v in o.manifest.variants]
    table = Table(escape(first), f"smallest {escape(second)} meeting every target",
                  title="The meeting frontier (95% confidence)")  # fmt: skip
    for x, y in frontier(points).items():
        table.add_row(f"{x:g}", "none tried" if y is None else f"{y:g}")
    console.print(table)


def _print_marginal(o: Outcome, console: Console) -> None:
    a = o.answer
    marg = _key_metrics(o, tuple(MARGINAL_METRICS))
    names = {m: header for m, (header, _better) in MARGINAL_METRICS.items()}
    title = "What each step buys (paired differences on common random numbers; * = 95% CI excludes 0)"
    step = f"step ({escape(o.key)})" if o.key != "troops" else "step"
    steps = Table(step, *(_header(c, names) for c in marg), title=title)
    for lo, hi, diffs in a.differences:
        cells = [
            fmt_interval(m, diffs[m], difference=True) + (" *" if diffs[m].excludes_zero else "")
            for m in marg
        ]
        steps.add_row(f"{lo} → {hi}", *cells)
    console.print(steps)


def _troops_line(o: Outcome) -> str:
    """At which headcount of the swept force the variants ran: `--troops` applies to every one."""
    troops = {v.troops for v in o.manifest.variants}
    if troops == {None}:
        return "each variant at its scenario's own headcount"
    if len(troops) == 1:
        return f"every variant at {troops.pop()} troops of the swept force (--troops)"
    return "troops: " + ", ".join(f"{v.label} {v.troops}" for v in o.manifest.variants)


def _overrides_line(o: Outcome) -> str | None:
    """The `--set` overrides of the experiment's scenarios, if any."""
    sets = [(e.name, e.overrides) for e in o.manifest.scenarios if e.overrides]
    if not sets:
        return None
    if o.command != "compare" or len(o.manifest.scenarios) == 1:
        return "overrides: " + escape(" ".join(f"--set {t}" for t in sets[0][1]))
    labels = {v.scenario: v.label for v in o.manifest.variants}
    return "overrides: " + "; ".join(
        f"{escape(labels.get(i, e.name))}: {escape(' '.join(e.overrides))}"
        for i, e in enumerate(o.manifest.scenarios)
        if e.overrides
    )


def _print_differs(o: Outcome, console: Console) -> None:
    """What differs between the variants, path by path (resolved values)."""
    rows = o.manifest.differs
    labels = [v.label for v in o.manifest.variants]
    table = Table("field", *(escape(label) for label in labels), title="What differs between the variants")
    for row in rows[:40]:
        table.add_row(escape(row["path"]), *(escape(_plain(v)) for v in row["values"]))
    if len(rows) > 40:
        table.caption = f"and {len(rows) - 40} more fields (manifest.json, `differs`)"
    if not rows:
        table.caption = "nothing: the variants are the same scenario"
    console.print(table)


def _plain(x: object) -> str:
    text = "(not set)" if x is None else (x if isinstance(x, str) else json.dumps(x, default=str))
    return text if len(text) <= 40 else text[:39] + "…"


def _print_compare(o: Outcome, console: Console) -> None:
    from sim.results.tables import holm_tests

    a = o.answer
    first, others = a.labels[0], a.labels[1:]
    tests = holm_tests(a)
    diffs = {b: d for _a, b, d in a.differences}
    _print_differs(o, console)
    two = len(others) == 1
    headers = [f"A: {escape(first)}" if two else f"{escape(first)} (base)"]
    for label in others:
        headers += (
            [f"B: {escape(label)}", "B − A (95% CI)"] if two else [escape(label), f"{escape(label)} − base"]
        )
    note = (
        "* 95% CI of the paired difference excludes 0; H: significant after Holm's correction over the "
        f"{len(others)} comparison{'s' * (len(others) > 1)} with the base, per metric (family-wise 5%)"
    )
    table = Table("metric", *headers, title=f"Paired comparison against {escape(first)} on common random "
                  f"numbers: {_troops_line(o)} (whole event)",
                  caption=f"{_replications_line(o)}\n{note}")  # fmt: skip
    for metric in METRICS:
        if metric not in a.summaries[first] or any(metric not in diffs[b] for b in others):
            continue
        cells = [fmt_interval(metric, a.summaries[first][metric])]
        for label in others:
            d = diffs[label][metric]
            marks = ("*" if d.excludes_zero else "") + ("H" if tests[(label, metric)][1] else "")
            cells += [fmt_interval(metric, a.summaries[label][metric]),
                      fmt_interval(metric, d, difference=True) + (f" {marks}" if marks else "")]  # fmt: skip
        table.add_row(metric_name(metric), *cells)
    console.print(table)
    console.print(_target_table(o, a.labels))
    for label in a.labels:
        console.print(f"  {escape(label)}: {_answer_line(o, label)}")
    line = _overrides_line(o)
    if line:
        console.print(line)
