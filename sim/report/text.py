"""Readable terminal summaries (rich tables) of what a command computed."""

from __future__ import annotations

import errno
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.metrics import air_coverage_by, critical_runs, post_coverage_by
from sim.model.record import ReplicationRecord
from sim.numbers import fmt_value, metric_name
from sim.scenario.schema import Scenario

__all__ = ["make_console", "print_trace_summary"]


class _Console(Console):
    """rich's Console, except that output closed early (`| head`) raises BrokenPipeError, which the
    command ends on quietly with exit status 141 (README, "Exit status"), where rich exits with 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the output was closed")


def make_console() -> Console:
    """A console wide enough for the tables even when the output goes to a file or a pipe."""
    console = _Console(highlight=False)
    if not console.is_terminal:
        console = _Console(highlight=False, width=150)
    return console


def print_trace_summary(
    scenario: Scenario, record: ReplicationRecord, metrics: dict[str, float], out: Path,
    console: Console | None = None,
) -> None:  # fmt: skip
    """Metrics of one traced replication, event counts by kind, and the worst critical gaps."""
    console = console or make_console()
    troops = "" if record.troops is None else f", {record.troops} troops"
    console.print(f"[bold]{scenario.name}[/]: replication {record.replication}, seed {record.seed}{troops}")
    table = Table("metric", "value", "column (metrics.csv)", title="Metrics (one replication)")
    for name, value in metrics.items():
        table.add_row(escape(metric_name(name)), fmt_value(name, value), name)
    by_city = post_coverage_by(record, "city")
    if len(by_city) > 1:  # per city: read from the record here, not a column of metrics.csv
        for city, cov in by_city.items():
            column = f"post_coverage[city={city}]"
            table.add_row(escape(metric_name(column)), fmt_value(column, cov), "")
    console.print(table)
    if record.stations:
        air = Table("air requirement", "type", "over", "required h", "on station h", "coverage",
                    title="Air coverage per requirement")  # fmt: skip
        for name, cov in air_coverage_by(record).items():
            st = record.stations[name]
            air.add_row(
                name, st.type, st.site, f"{st.required_ah:.1f}", f"{st.on_station_ah:.1f}",
                fmt_value("air_coverage", cov),
            )  # fmt: skip
        console.print(air)
    if record.fuel:
        fuel = Table("fuel point", "start gal", "delivered", "dispensed", "end gal", "outage h",
                     title="Fuel")  # fmt: skip
        for name, f in record.fuel.items():
            fuel.add_row(name, f"{f.initial_gal:,}", f"{f.delivered_gal:,}", f"{f.dispensed_gal:,}",
                         f"{f.final_gal:,}", f"{f.outage_h:.2f}")  # fmt: skip
        console.print(fuel)
    kinds = Counter(e.kind for e in record.events)
    console.print("events: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
    runs = sorted(critical_runs(record).items(), key=lambda kv: -kv[1])[:5]
    if runs:
        console.print("longest critical shortfalls: " + ", ".join(f"{n} {h:.1f} h" for n, h in runs))
    console.print(
        f"wrote {out}/events.csv, gaps.csv, metrics.csv, air.csv, fuel.csv, trace.json and figures/"
    )
