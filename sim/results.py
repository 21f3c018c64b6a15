"""Results on disk: folders written atomically, event logs and tables as CSV.

A folder is built under a temporary name beside its final one and renamed only when complete, so a
failed or interrupted run never leaves a folder that looks whole. An experiment (run, sweep, compare)
builds its folder as `<final>.incomplete`: finished batches land in its `parts/` one file each (written
under a temporary name, then renamed), so an interrupted experiment keeps them and `--resume` can go on.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sim.model.air import StationTotals
from sim.model.fuel import FuelLedger
from sim.model.record import Event, Gap, ReplicationRecord
from sim.model.timeline import Clock
from sim.scenario.schema import Scenario

__all__ = [
    "AIR_COLUMNS",
    "FUEL_COLUMNS",
    "GAP_COLUMNS",
    "INCOMPLETE",
    "PartStore",
    "atomic_folder",
    "default_out",
    "finish_incomplete",
    "format_float",
    "gap_order",
    "gap_row",
    "incomplete_path",
    "read_json",
    "start_incomplete",
    "unused_out",
    "write_air_csv",
    "write_events_csv",
    "write_fuel_csv",
    "write_gaps_csv",
    "write_json",
    "write_table",
    "write_trace_folder",
]

EVENT_COLUMNS = ["time_h", "datetime", "kind", "city", "site", "entity", "detail"]
GAP_COLUMNS = ["demand", "name", "city", "site", "start", "end", "hours", "short", "critical"]
AIR_COLUMNS = ["requirement", "type", "city", "site", "slot", "kind", "start", "end", "start_h", "end_h"]
FUEL_COLUMNS = ["fuel_point", "city", "site", "capacity_gal", "time_h", "datetime", "level_gal"]
INCOMPLETE = ".incomplete"


def default_out(root: str | os.PathLike[str], scenario: str, command: str) -> Path:
    """`results/<scenario>/<command>-<timestamp>` (local time of the run, to the second)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / scenario / f"{command}-{stamp}"


def unused_out(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`, ... if a folder (whole or incomplete) already has that name."""
    candidate, k = path, 1
    while candidate.exists() or incomplete_path(candidate).exists():
        k += 1
        candidate = path.with_name(f"{path.name}-{k}")
    return candidate


@contextlib.contextmanager
def atomic_folder(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder that becomes `final` only if the block completes.

    Refuses to overwrite a non-empty existing folder (a results folder is a record of a run).
    """
    final = Path(final)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise FileExistsError(f"{final} already exists and is not empty")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        yield tmp
        if final.exists():
            final.rmdir()
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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


def gap_order(g: Gap) -> tuple[Any, ...]:
    """A total order of a replication's gaps: by start, then end, demand, name, site, people short."""
    return (g.start_h, g.end_h, g.demand, g.name, g.site, g.short)


def gap_row(g: Gap, clock: Clock) -> list[object]:
    """A shortfall interval as a row of `GAP_COLUMNS`, with local start and end."""
    return [g.demand, g.name, g.city, g.site, f"{clock.local(g.start_h):%Y-%m-%d %H:%M:%S}",
            f"{clock.local(g.end_h):%Y-%m-%d %H:%M:%S}", f"{g.end_h - g.start_h:.4f}",
            g.short, int(g.critical)]  # fmt: skip


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
    (`kind` required) and the intervals one was on station (`kind` on_station), local and model hours."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(AIR_COLUMNS)
        for name, st in stations.items():
            for kind, slots in (("required", st.windows), ("on_station", st.on_station)):
                for slot, spans in enumerate(slots):
                    for a, b in spans:
                        w.writerow([name, st.type, st.city, st.site, slot, kind, _local(clock, a),
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
    from sim import __version__

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


def format_float(x: float) -> str:
    """A number for a CSV cell: shortest exact repr (identical in every process); NaN as empty."""
    return "" if math.isnan(x) else repr(float(x))


def write_table(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """A plain CSV table."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON by way of a temporary file, so a reader never sees half of it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a JSON object")
    return data


def incomplete_path(final: str | os.PathLike[str]) -> Path:
    """Where an experiment headed for `final` is built: `<final>.incomplete`."""
    final = Path(final)
    return final.with_name(final.name + INCOMPLETE)


def start_incomplete(final: str | os.PathLike[str]) -> Path:
    """Create `<final>.incomplete` (with `parts/`) for a new experiment, refusing to overwrite anything."""
    final = Path(final)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise FileExistsError(f"{final} already exists and is not empty")
    work = incomplete_path(final)
    if work.exists():
        raise FileExistsError(f"{work} already exists (an interrupted run: continue it with --resume {work})")
    work.parent.mkdir(parents=True, exist_ok=True)
    work.mkdir()
    (work / "parts").mkdir()
    return work


def finish_incomplete(work: Path) -> Path:
    """Rename a finished `<final>.incomplete` to `<final>`; its `parts/` must be gone already."""
    if not work.name.endswith(INCOMPLETE):
        raise ValueError(f"{work} is not an incomplete results folder")
    final = work.with_name(work.name[: -len(INCOMPLETE)])
    if final.exists():
        if not final.is_dir() or any(final.iterdir()):
            raise FileExistsError(f"{final} already exists and is not empty")
        final.rmdir()
    work.rename(final)
    return final


class PartStore:
    """The finished batches of an incomplete experiment: `parts/<variant>-<start>-<stop>.rows.csv`,
    `.gaps.csv` and `.dist.csv`, headerless CSV. A batch is done when its rows file exists (written
    last, by rename); leftovers of a batch cut short (temporary files, gaps without rows) are removed
    on opening.
    """

    def __init__(self, folder: Path) -> None:
        self.dir = folder / "parts"
        self.dir.mkdir(exist_ok=True)
        rows = {p.name[: -len(".rows.csv")] for p in self.dir.glob("*.rows.csv")}
        for p in self.dir.iterdir():
            if p.name.endswith(".tmp") or p.name.split(".")[0] not in rows:
                p.unlink()

    @staticmethod
    def _stem(variant: int, start: int, stop: int) -> str:
        return f"{variant:04d}-{start:07d}-{stop:07d}"

    def write(
        self, variant: int, start: int, stop: int, rows_csv: str, gaps_csv: str, dist_csv: str = ""
    ) -> None:
        stem = self._stem(variant, start, stop)
        # rows last: it marks the batch done
        for kind, text in (("gaps", gaps_csv), ("dist", dist_csv), ("rows", rows_csv)):
            tmp = self.dir / f"{stem}.{kind}.csv.tmp"
            with tmp.open("w", newline="") as f:
                f.write(text)
            os.replace(tmp, self.dir / f"{stem}.{kind}.csv")

    def done(self) -> list[tuple[int, int, int]]:
        """(variant, start, stop) of every finished batch, in order."""
        out = []
        for p in sorted(self.dir.glob("*.rows.csv")):
            variant, start, stop = (int(x) for x in p.name[: -len(".rows.csv")].split("-"))
            out.append((variant, start, stop))
        return out

    def rows(self, variant: int | None = None, kind: str = "rows") -> Iterator[list[str]]:
        """The rows of `kind` ("rows": metrics, "gaps", "dist") of every finished batch (of one variant),
        in (variant, replication) order. A batch without a file of that kind has no such rows."""
        for v, start, stop in self.done():
            path = self.dir / f"{self._stem(v, start, stop)}.{kind}.csv"
            if (variant is None or v == variant) and path.exists():
                with path.open(newline="") as f:
                    yield from csv.reader(f)

    def concatenate(self, kind: str, header: Iterable[str], path: Path) -> None:
        """Write every part of `kind` ("rows" or "gaps") in order into one CSV file with `header`."""
        with path.open("w", newline="") as out:
            csv.writer(out).writerow(header)
            for v, start, stop in self.done():
                with (self.dir / f"{self._stem(v, start, stop)}.{kind}.csv").open(newline="") as f:
                    shutil.copyfileobj(f, out)

    def remove(self) -> None:
        shutil.rmtree(self.dir)
