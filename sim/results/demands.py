"""Results per demand: the tables a planner reads to see where a level falls short.

- `posts.csv`: per level and post, coverage and person-hours short (mean, 95% CI), P(short longer than
  the critical-gap tolerance) with its Wilson interval, and the longest continuous gap over
  replications (mean, median, 90th percentile, maximum).
- `air.csv`: per level and air requirement (and per city), air coverage with its CI.
- `forces.csv`: per level, force and city ("" for the whole force), utilisation, overtime and the
  person-hours short on the posts that force may staff.
- `delegations.csv`: per level and delegation, tier or city, the escort delay p95 and maximum (from the
  time due), the movements never escorted, and the share escorted within each target's bound.
- `incidents.csv`: per level and incident stream or city, the response time p90, the share reached
  within target and the incidents never reached.
- `air_alerts.csv` (only when a stream has an `air_alert`): per level and incident stream or city, the
  air-alert time to overhead p90, the share overhead within target and the alerts never answered.

Every number is read from the scoped metric columns (sim.metrics.scoped) summarised per level, so these
tables and the targets agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from sim.experiment.executors import Variant
from sim.experiment.rows import format_float
from sim.experiment.tables import Answer, VariantColumns
from sim.metrics import Scopes, column
from sim.metrics.scopes import Scope, within_metric
from sim.results.files import write_table
from sim.scenario.targets import AIR_ALERT_METRICS
from sim.stats import Interval

__all__ = ["write_demand_tables"]

NAN = float("nan")
_EMPTY = Interval(NAN, NAN, NAN, NAN, 0)


def _iv(summary: dict[str, Interval], col: str) -> list[str]:
    iv = summary.get(col, _EMPTY)
    return [format_float(iv.mean), format_float(iv.ci_low), format_float(iv.ci_high)]


def _triple(name: str) -> list[str]:
    return [f"{name}_mean", f"{name}_ci_low", f"{name}_ci_high"]


def _scope_text(scope: Scope) -> tuple[str, str]:
    return scope[0][0], scope[0][1]


def write_demand_tables(
    folder: Path, key: str, answer: Answer, variants: Sequence[Variant], columns: Iterable[VariantColumns]
) -> None:
    """Write the five tables above; `columns` are the variants' replication columns, in order."""
    scopes = {v.label: Scopes.of(v.scenario) for v in variants}
    raw = {label: cols for label, _reps, cols in columns}
    posts, air, forces, delegations, incidents, alerts = [], [], [], [], [], []
    for label in answer.labels:
        s, summary = scopes[label], answer.summaries[label]
        posts += _posts(label, s, summary, raw[label])
        air += [[label, *_scope_text(sc), *_iv(summary, column("air_coverage", sc))] for sc in s.air_scopes()]
        forces += _forces(label, s, summary)
        delegations += _waits(label, s.escort_scopes, summary, _ESCORT, "escort", s.escort_bounds)
        incidents += _waits(label, s.incident_scopes, summary, _INCIDENT, "response", s.response_bounds)
        alerts += _waits(
            label, s.alert_scopes, summary, AIR_ALERT_METRICS, "air_response", s.air_response_bounds
        )
    longest = [f"longest_gap_h_{q}" for q in ("mean", "p50", "p90", "max")]
    post_header = ["post", "city", "site", "critical", "forces", *_triple("coverage"), *_triple("short_ph"),
                   *_triple("p_over_tolerance"), *longest]  # fmt: skip
    write_table(folder / "posts.csv", [key, *post_header], posts)
    write_table(folder / "air.csv", [key, "scope", "value", *_triple("coverage")], air)
    force_header = ["force", "city", *_triple("utilization"), *_triple("overtime_ph"), *_triple("short_ph"),
                    *_triple("coverage")]  # fmt: skip
    write_table(folder / "forces.csv", [key, *force_header], forces)
    bounds = _bounds(scopes.values(), "escort")
    write_table(folder / "delegations.csv", [key, "scope", "value", *_header(_ESCORT, "escort", bounds)],
                _pad(delegations, len(_ESCORT), bounds))  # fmt: skip
    bounds = _bounds(scopes.values(), "response")
    write_table(folder / "incidents.csv", [key, "scope", "value", *_header(_INCIDENT, "response", bounds)],
                _pad(incidents, len(_INCIDENT), bounds))  # fmt: skip
    if alerts:  # only when some stream has an air alert
        bounds = _bounds(scopes.values(), "air_response")
        header = [key, "scope", "value", *_header(AIR_ALERT_METRICS, "air_response", bounds)]
        write_table(folder / "air_alerts.csv", header, _pad(alerts, len(AIR_ALERT_METRICS), bounds))


def _quantiles(values: np.ndarray | None) -> list[str]:
    if values is None or not np.isfinite(values).any():
        return ["", "", "", ""]
    v = values[np.isfinite(values)]
    return [format_float(float(x)) for x in (v.mean(), np.median(v), np.percentile(v, 90), v.max())]


def _posts(
    label: str, s: Scopes, summary: dict[str, Interval], raw: dict[str, np.ndarray]
) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, p in s.posts.items():
        scope = (("post", name),)
        rows.append([label, name, p.city, p.site, int(p.critical), "+".join(p.forces),
                     *_iv(summary, column("post_coverage", scope)),
                     *_iv(summary, column("gap_person_hours", scope)),
                     *_iv(summary, column("critical_gap", scope)),
                     *_quantiles(raw.get(column("longest_gap_h", scope)))])  # fmt: skip
    return rows


def _forces(label: str, s: Scopes, summary: dict[str, Interval]) -> list[list[object]]:
    rows: list[list[object]] = []
    for scope in s.duty_scopes:
        force = scope[0][1]
        city = scope[1][1] if len(scope) == 2 else ""
        rows.append([label, force, city, *_iv(summary, column("utilization", scope)),
                     *_iv(summary, column("overtime_person_hours", scope)),
                     *_iv(summary, column("gap_person_hours", scope)),
                     *_iv(summary, column("post_coverage", scope))])  # fmt: skip
    return rows


_ESCORT = ("escort_delay_p95_min", "escort_delay_max_min", "movements_unescorted")
_INCIDENT = ("response_time_p90_min", "reached_within_target_frac", "unanswered_incidents")


def _bounds(scopes: Iterable[Scopes], family: str) -> list[float]:
    seen: dict[float, None] = {}
    for s in scopes:
        bounds = {
            "escort": s.escort_bounds,
            "response": s.response_bounds,
            "air_response": s.air_response_bounds,
        }
        seen.update(dict.fromkeys(bounds[family]))
    return list(seen)


def _header(metrics: tuple[str, ...], family: str, bounds: list[float]) -> list[str]:
    names = [*metrics, *(within_metric(family, b) for b in bounds)]
    return [c for m in names for c in _triple(m)]


def _waits(
    label: str, scope_list: Iterable[Scope], summary: dict[str, Interval], metrics: tuple[str, ...],
    family: str, bounds: Iterable[float],
) -> list[list[object]]:  # fmt: skip
    rows: list[list[object]] = []
    for scope in scope_list:
        names = [*metrics, *(within_metric(family, b) for b in bounds)]
        cells = [c for m in names for c in _iv(summary, column(m, scope))]
        rows.append([label, *_scope_text(scope), *cells])
    return rows


def _pad(rows: list[list[object]], n_metrics: int, bounds: list[float]) -> list[list[object]]:
    """Rows of variants whose scenarios had fewer within-bounds, padded with empty cells."""
    width = 3 + 3 * (n_metrics + len(bounds))
    return [row + [""] * (width - len(row)) for row in rows]
