"""Results on disk: folders written atomically, event logs and tables as CSV.

A folder is built under a temporary name beside its final one and renamed only when complete, so a
failed or interrupted run never leaves a folder that looks whole.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.model.record import Event, Gap
from sim.model.timeline import Clock

__all__ = ["atomic_folder", "default_out", "write_events_csv", "write_gaps_csv", "write_table"]

EVENT_COLUMNS = ["time_h", "datetime", "kind", "city", "site", "entity", "detail"]


def default_out(root: str | os.PathLike[str], scenario: str, command: str) -> Path:
    """`results/<scenario>/<command>-<timestamp>` (local time of the run, to the second)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / scenario / f"{command}-{stamp}"


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


def write_gaps_csv(path: Path, gaps: list[Gap], clock: Clock) -> None:
    """Every shortfall interval, with local start and end."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["demand", "name", "city", "site", "start", "end", "hours", "short", "critical"])
        for g in sorted(gaps, key=lambda g: (g.start_h, g.name)):
            w.writerow(
                [g.demand, g.name, g.city, g.site, f"{clock.local(g.start_h):%Y-%m-%d %H:%M:%S}",
                 f"{clock.local(g.end_h):%Y-%m-%d %H:%M:%S}", f"{g.end_h - g.start_h:.4f}",
                 g.short, int(g.critical)]
            )  # fmt: skip


def write_table(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """A plain CSV table."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
