"""Metrics per scope: each metric that can be scoped, computed for every force, city, site, role and post
(posts), delegation, tier and city (escorts), incident stream and city (incidents), air requirement and
city, fuel point, and force and force-in-city (duty), as pure functions of one replication's record.

A target is then checked on exactly the demand it names (sim.metrics.targets). The definitions match
the whole-event ones in `sim.metrics.core` restricted to the scope; a scope with nothing to measure in
a replication (no movement of that delegation, say) is NaN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from sim.metrics.core import merge_intervals, percentile, worst_coverage
from sim.metrics.scopes import (
    DUTY_METRICS,
    Scope,
    Scopes,
    column,
    within_metric,
)
from sim.model.record import MovementRecord, ReplicationRecord, ResponseRecord

__all__ = ["scoped_metrics"]

NAN = float("nan")


def scoped_metrics(r: ReplicationRecord, scopes: Scopes) -> dict[str, float]:
    """Every scoped metric column of one replication, in `scopes.columns()` order."""
    out = dict.fromkeys(scopes.columns(), NAN)
    _posts(r, scopes, out)
    _escorts(r, scopes, out)
    _incidents(r, scopes, out)
    _alerts(r, scopes, out)
    _air(r, scopes, out)
    for name in scopes.fuel_points:
        ledger = r.fuel.get(name)
        out[column("fuel_outage_h", (("fuel_point", name),))] = ledger.outage_h if ledger else 0.0
    _duty(r, scopes, out)
    return out


def _post_runs(r: ReplicationRecord) -> dict[str, float]:
    """Longest continuous shortfall (hours) of each post that had one."""
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for g in r.gaps:
        if g.demand == "post":
            spans[g.name].append((g.start_h, g.end_h))
    return {name: max(b - a for a, b in merge_intervals(s)) for name, s in spans.items()}


def _posts(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    runs = _post_runs(r)
    tolerance = r.critical_tolerance_h
    groups: dict[Scope, list[str]] = defaultdict(list)
    for name, p in scopes.posts.items():
        for f in p.forces:
            groups[(("force", f),)].append(name)
            groups[(("force", f), ("city", p.city))].append(name)
        groups[(("city", p.city),)].append(name)
        groups[(("site", p.site),)].append(name)
        groups[(("role", p.role),)].append(name)
        totals = r.posts.get(name)
        post = (("post", name),)
        if totals is not None and totals.required_ph > 0:
            out[column("post_coverage", post)] = totals.staffed_ph / totals.required_ph
        out[column("gap_person_hours", post)] = (totals.required_ph - totals.staffed_ph) if totals else 0.0
        out[column("longest_gap_h", post)] = runs.get(name, 0.0)
        out[column("critical_gap", post)] = float(runs.get(name, 0.0) > tolerance)
    for scope in scopes.post_groups:
        names = groups[scope]
        group = [r.posts[n] for n in names if n in r.posts]
        required = sum(t.required_ph for t in group)
        staffed = sum(t.staffed_ph for t in group)
        out[column("post_coverage", scope)] = staffed / required if required > 0 else NAN
        if len(scope) == 2:  # a force in one city: FORCE_CITY_POST_METRICS
            out[column("gap_person_hours", scope)] = required - staffed
            continue
        out[column("worst_post_coverage", scope)] = worst_coverage(group)
        out[column("gap_person_hours", scope)] = required - staffed
        critical = [n for n in names if scopes.posts[n].critical]
        out[column("critical_gap_person_hours", scope)] = sum(
            r.posts[n].required_ph - r.posts[n].staffed_ph for n in critical if n in r.posts
        )
        if critical:
            out[column("critical_gap", scope)] = float(any(runs.get(n, 0.0) > tolerance for n in critical))


def _grouped(items: Iterable[tuple[tuple[Scope, ...], int]]) -> dict[Scope, list[int]]:
    """The items (their indices) counted in each scope."""
    groups: dict[Scope, list[int]] = defaultdict(list)
    for scopes_of_item, item in items:
        for scope in scopes_of_item:
            if scope:
                groups[scope].append(item)
    return groups


class _Waits:
    """One replication's movements or incidents as arrays (each wait in minutes, +inf while waiting; when
    each was due; its own target, for incidents), so that every scope's shares within a bound are masks
    over the same arrays instead of a pass over the records per scope and bound. The values are those of
    `sim.metrics.core.within`, element by element."""

    def __init__(self, items: Sequence[MovementRecord] | Sequence[ResponseRecord], horizon_h: float) -> None:
        self.wait = np.array([x.wait_min() for x in items], dtype=float)
        self.waiting = np.array([x.waiting for x in items], dtype=bool)
        self.late_by_end = (horizon_h - np.array([x.due for x in items], dtype=float)) * 60

    def within_share(self, idx: np.ndarray | slice, bound_min: float | np.ndarray) -> float:
        """`within_share` of the items at `idx`: the share whose wait was at most the bound, those still
        waiting counted as failing once they had waited the bound, else left out (censored)."""
        waiting = self.waiting[idx]
        known = ~waiting | (self.late_by_end[idx] >= bound_min)
        counted = np.count_nonzero(known)
        if not counted:
            return NAN
        return np.count_nonzero(~waiting & (self.wait[idx] <= bound_min + 1e-9)) / counted


def _escorts(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    waits = _Waits(r.movements, r.horizon_h)
    for bound in scopes.escort_bounds:
        out[within_metric("escort", bound)] = waits.within_share(slice(None), bound)
    groups = _grouped(
        (scopes.escort_groups[scopes.delegation_of[m.delegation]], i) for i, m in enumerate(r.movements)
    )
    for scope in scopes.escort_scopes:
        if scope not in groups:
            continue
        idx = np.array(groups[scope])
        delays = waits.wait[idx]
        out[column("escort_delay_p95_min", scope)] = percentile(delays, 95)
        out[column("escort_delay_max_min", scope)] = float(delays.max())
        out[column("movements_unescorted", scope)] = float(np.count_nonzero(waits.waiting[idx]))
        for bound in scopes.escort_bounds:
            out[column(within_metric("escort", bound), scope)] = waits.within_share(idx, bound)


def _incidents(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    _responses(
        r.responses, r.horizon_h, scopes.stream_groups, scopes.incident_scopes, scopes.response_bounds,
        ("response", "response_time_p90_min", "reached_within_target_frac", "unanswered_incidents"), out,
    )  # fmt: skip


def _alerts(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    _responses(
        r.air_responses, r.horizon_h, scopes.alert_groups, scopes.alert_scopes, scopes.air_response_bounds,
        ("air_response", "air_response_time_p90_min", "air_reached_within_target_frac",
         "unanswered_air_alerts"), out,
    )  # fmt: skip


def _responses(
    responses: list[ResponseRecord], horizon_h: float, groups_of: dict[str, tuple[Scope, ...]],
    scope_list: Iterable[Scope], bounds: Iterable[float], names: tuple[str, str, str, str],
    out: dict[str, float],
) -> None:  # fmt: skip
    """The response metrics of ground teams or air alerts, whole-event (shares within each target's
    bound) and per scope (p90, share within each incident's own target, unanswered, shares within)."""
    kind, p90, reached, unanswered = names
    bounds = tuple(bounds)
    waits = _Waits(responses, horizon_h)
    for bound in bounds:
        out[within_metric(kind, bound)] = waits.within_share(slice(None), bound)
    groups = _grouped((groups_of[x.stream], i) for i, x in enumerate(responses))
    targets = np.array([x.target_min for x in responses], dtype=float)
    for scope in scope_list:
        if scope not in groups:
            continue
        idx = np.array(groups[scope])
        out[column(p90, scope)] = percentile(waits.wait[idx], 90)
        out[column(reached, scope)] = waits.within_share(idx, targets[idx])
        out[column(unanswered, scope)] = float(np.count_nonzero(waits.waiting[idx]))
        for bound in bounds:
            out[column(within_metric(kind, bound), scope)] = waits.within_share(idx, bound)


def _air(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    required: dict[Scope, float] = defaultdict(float)
    on_station: dict[Scope, float] = defaultdict(float)
    for name, st in r.stations.items():
        requirement = scopes.requirement_of.get(name)
        if requirement is None:
            continue
        where: tuple[Scope, ...] = (
            (("requirement", requirement),),
            (("city", scopes.requirement_city[requirement]),),
        )
        for scope in where:
            required[scope] += st.required_ah
            on_station[scope] += st.on_station_ah
    for scope in scopes.air_scopes():
        if required[scope] > 0:
            out[column("air_coverage", scope)] = on_station[scope] / required[scope]


def _duty(r: ReplicationRecord, scopes: Scopes, out: dict[str, float]) -> None:
    on: dict[Scope, float] = defaultdict(float)
    busy: dict[Scope, float] = defaultdict(float)
    overtime: dict[Scope, float] = defaultdict(float)
    for (force, city, _role), d in r.duty.items():
        pools: tuple[Scope, ...] = ((("force", force),), (("force", force), ("city", city)))
        for scope in pools:
            on[scope] += d.on_duty_ph
            busy[scope] += d.busy_ph
            overtime[scope] += d.overtime_ph
    for scope in scopes.duty_scopes:
        out[column(DUTY_METRICS[0], scope)] = busy[scope] / on[scope] if on[scope] > 0 else NAN
        out[column(DUTY_METRICS[1], scope)] = overtime[scope]
