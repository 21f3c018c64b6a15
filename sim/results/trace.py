"""A trace's folder (`summit-sim trace`): one replication's event log, gaps, metrics, air coverage and
fuel levels as CSV, and `trace.json` saying what was traced."""

from __future__ import annotations

import csv
from pathlib import Path

from sim.experiment.rows import GAP_COLUMNS, gap_row
from sim.model.record import Event, FuelLedger, Gap, ReplicationRecord, StationTotals
from sim.model.timeline import Clock
from sim.results.files import write_json, write_table
from sim.scenario.schema import Scenario
from sim.version import __version__

__all__ = [
    "AIR_COLUMNS",
    "EVENT_COLUMNS",
    "FUEL_COLUMNS",
    "write_air_csv",
    "write_events_csv",
    "write_fuel_csv",
    "write_gaps_csv",
    "write_trace_folder",
]

EVENT_COLUMNS = ["time_h", "datetime", "kind", "city", "site", "entity", "detail"]
AIR_COLUMNS = ["requirement", "type", "city", "site", "slot", "kind", "start", "end", "start_h", "end_h"]
FUEL_COLUMNS = ["fuel_point", "city", "site", "capacity_gal", "time_h", "datetime", "level_gal"]


def write_events_csv(path: Path, events: list[Event], clock: Clock) -> None:
    """The trace: one row per event, model hours and local datetime."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(EVENT_COLUMNS)
        for e in events:
            w.writerow(
                [f"{e.time_h:.6f}", f"{clock.local(e.time_h):%Y-%m-%d %H:%M:%S}", e.kind, e.city,
                 e.site, e.entity, e.detail]
            )  # fmt: skip


def write_gaps_csv(path: Path, gaps: list[Gap], clock: Clock) -> None:
    """Every shortfall interval, with local start and end."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(GAP_COLUMNS)
        for g in sorted(gaps, key=lambda g: (g.start_h, g.name)):
            w.writerow(gap_row(g, clock))


def _local(clock: Clock, h: float) -> str:
    return f"{clock.local(h):%Y-%m-%d %H:%M:%S}"


def write_air_csv(path: Path, stations: dict[str, StationTotals], clock: Clock) -> None:
    """A trace's air coverage: each requirement's slots, as the windows an aircraft was required
    (`kind` required), the intervals one was on station (`kind` on_station) and, for types with
    dedicated aircrews, the uncovered spans put down to a late crew or aircraft (`kind` no_crew or
    no_aircraft), local and model hours."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(AIR_COLUMNS)
        for name, st in stations.items():
            for kind, slots in (("required", st.windows), ("on_station", st.on_station)):
                for slot, spans in enumerate(slots):
                    for a, b in spans:
                        w.writerow([name, st.type, st.city, st.site, slot, kind, _local(clock, a),
                                    _local(clock, b), f"{a:.6f}", f"{b:.6f}"])  # fmt: skip
            for slot, a, b, cause in st.missed:
                w.writerow([name, st.type, st.city, st.site, slot, f"no_{cause}", _local(clock, a),
                            _local(clock, b), f"{a:.6f}", f"{b:.6f}"])  # fmt: skip


def write_fuel_csv(path: Path, fuel: dict[str, FuelLedger], clock: Clock) -> None:
    """A trace's fuel stock over time: one row per change at each fuel point (gallons from then on)."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FUEL_COLUMNS)
        for name, ledger in fuel.items():
            for h, gal in ledger.levels:
                w.writerow([name, ledger.city, ledger.site, ledger.capacity_gal, f"{h:.6f}", _local(clock, h),
                            gal])  # fmt: skip


def write_trace_folder(
    folder: Path, scenario: Scenario, record: ReplicationRecord, metrics: dict[str, float],
    command_line: str | None = None,
) -> None:  # fmt: skip
    """A trace's files: `events.csv`, `gaps.csv`, `metrics.csv`, `air.csv`, `fuel.csv`, and `trace.json`
    (what was traced, for the timeline figures' titles and time axes)."""
    clock = Clock.of(scenario)
    write_events_csv(folder / "events.csv", record.events, clock)
    write_gaps_csv(folder / "gaps.csv", record.gaps, clock)
    write_table(folder / "metrics.csv", ["metric", "value"], [[k, v] for k, v in metrics.items()])
    write_air_csv(folder / "air.csv", record.stations, clock)
    write_fuel_csv(folder / "fuel.csv", record.fuel, clock)
    info = {"scenario": scenario.name, "replication": record.replication, "seed": record.seed,
            "troops": record.troops, "timezone": scenario.timezone, "start": scenario.start.isoformat(),
            "end": scenario.end.isoformat(), "version": __version__,
            "command_line": command_line}  # fmt: skip
    write_json(folder / "trace.json", info)
