"""One replication as CSV rows: its metrics row and its gap rows, formatted the same in every process.

The executors format rows where the replication ran (a worker), and the results layer writes the same
rows into traces and results folders, so the formatting lives here, next to the rows.
"""

from __future__ import annotations

import math
from typing import Any

from sim.model.record import Gap
from sim.model.timeline import Clock

__all__ = ["GAP_COLUMNS", "format_float", "gap_order", "gap_row"]

GAP_COLUMNS = ["demand", "name", "city", "site", "start", "end", "hours", "short", "critical", "forces"]


def format_float(x: float) -> str:
    """A number for a CSV cell: shortest exact repr (identical in every process); NaN as empty."""
    return "" if math.isnan(x) else repr(float(x))


def gap_order(g: Gap) -> tuple[Any, ...]:
    """A total order of a replication's gaps: by start, then end, demand, name, site, people short."""
    return (g.start_h, g.end_h, g.demand, g.name, g.site, g.short)


def gap_row(g: Gap, clock: Clock) -> list[object]:
    """A shortfall interval as a row of `GAP_COLUMNS`, with local start and end, and the forces that could
    have staffed the demand (joined by "+", in order of preference)."""
    return [g.demand, g.name, g.city, g.site, f"{clock.local(g.start_h):%Y-%m-%d %H:%M:%S}",
            f"{clock.local(g.end_h):%Y-%m-%d %H:%M:%S}", f"{g.end_h - g.start_h:.4f}",
            g.short, int(g.critical), "+".join(g.forces)]  # fmt: skip
