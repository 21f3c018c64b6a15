"""Per-replication metrics (DESIGN §5), as pure functions of a `ReplicationRecord`.

Each metric is one small function registered in `METRICS`, so adding one is one function and one line.
A metric with nothing to measure (no posts, no movements) is NaN, not a flattering 0 or 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.model.record import Gap, ReplicationRecord

__all__ = [
    "METRICS",
    "PROPORTIONS",
    "air_coverage_by",
    "compute_metrics",
    "critical_runs",
    "merge_intervals",
    "post_coverage_by",
]

NAN = float("nan")


def merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals, as sorted disjoint intervals (touching ones joined)."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _post_gaps(r: ReplicationRecord) -> list[Gap]:
    return [g for g in r.gaps if g.demand == "post"]


def critical_runs(r: ReplicationRecord) -> dict[str, float]:
    """Longest continuous shortfall (hours) of each critical post that had one."""
    by_post: dict[str, list[tuple[float, float]]] = {}
    for g in _post_gaps(r):
        if g.critical:
            by_post.setdefault(g.name, []).append((g.start_h, g.end_h))
    return {name: max(b - a for a, b in merge_intervals(spans)) for name, spans in by_post.items()}


def post_coverage(r: ReplicationRecord) -> float:
    req = sum(p.required_ph for p in r.posts.values())
    return sum(p.staffed_ph for p in r.posts.values()) / req if req > 0 else NAN


def gap_person_hours(r: ReplicationRecord) -> float:
    return sum(p.required_ph - p.staffed_ph for p in r.posts.values())


def critical_gap_person_hours(r: ReplicationRecord) -> float:
    return sum(p.required_ph - p.staffed_ph for p in r.posts.values() if p.critical)


def longest_gap_h(r: ReplicationRecord) -> float:
    spans = merge_intervals([(g.start_h, g.end_h) for g in _post_gaps(r)])
    return max((b - a for a, b in spans), default=0.0)


def critical_gap(r: ReplicationRecord) -> float:
    runs = critical_runs(r)
    return float(any(run > r.critical_tolerance_h for run in runs.values()))


def _waits_min(r: ReplicationRecord) -> np.ndarray:
    return np.array([m.escort_wait_h(r.horizon_h) * 60 for m in r.movements])


def escort_delay_mean_min(r: ReplicationRecord) -> float:
    w = _waits_min(r)
    return float(w.mean()) if w.size else NAN


def escort_delay_p95_min(r: ReplicationRecord) -> float:
    w = _waits_min(r)
    return float(np.percentile(w, 95)) if w.size else NAN


def movements_delayed_frac(r: ReplicationRecord) -> float:
    w = _waits_min(r)
    return float((w > 1e-9).mean()) if w.size else NAN


def movements_unescorted(r: ReplicationRecord) -> float:
    """Movements still waiting for an escort when the run ended."""
    return float(sum(1 for m in r.movements if math.isnan(m.started_h)))


def _response_min(r: ReplicationRecord) -> np.ndarray:
    return np.array([x.response_min for x in r.responses if not math.isnan(x.dispatched_h)])


def response_time_mean_min(r: ReplicationRecord) -> float:
    t = _response_min(r)
    return float(t.mean()) if t.size else NAN


def response_time_p90_min(r: ReplicationRecord) -> float:
    t = _response_min(r)
    return float(np.percentile(t, 90)) if t.size else NAN


def late_response_frac(r: ReplicationRecord) -> float:
    """Share of incidents answered later than their target; one still waiting at the end is late."""
    if not r.responses:
        return NAN
    late = 0
    for x in r.responses:
        if math.isnan(x.dispatched_h):
            late += 1
        else:
            late += x.response_min > x.target_min
    return late / len(r.responses)


def incidents_unanswered(r: ReplicationRecord) -> float:
    return float(r.incidents_open)


def utilization(r: ReplicationRecord) -> float:
    """Busy person-hours ÷ on-duty person-hours, over every force, city and role."""
    on = sum(d.on_duty_ph for d in r.duty.values())
    return sum(d.busy_ph for d in r.duty.values()) / on if on > 0 else NAN


def overtime_person_hours(r: ReplicationRecord) -> float:
    """Person-hours of people kept past their shift by a task they were on."""
    return sum(d.overtime_ph for d in r.duty.values())


def air_coverage(r: ReplicationRecord) -> float:
    """Aircraft-hours on station ÷ aircraft-hours required, over every air requirement."""
    req = sum(st.required_ah for st in r.stations.values())
    return sum(st.on_station_ah for st in r.stations.values()) / req if req > 0 else NAN


def fuel_outage_h(r: ReplicationRecord) -> float:
    """Hours a fuel point stood short while an aircraft waited for fuel there (summed over points)."""
    return sum(f.outage_h for f in r.fuel.values())


def aircraft_availability(r: ReplicationRecord) -> float:
    """Share of aircraft-hours not down for repair or maintenance."""
    if not r.aircraft:
        return NAN
    total = len(r.aircraft) * r.horizon_h
    return 1 - sum(a.down_h for a in r.aircraft.values()) / total


def flight_hours(r: ReplicationRecord) -> float:
    return sum(a.flight_h for a in r.aircraft.values())


def crew_duty_hours(r: ReplicationRecord) -> float:
    """Person-hours of aviation-role people busy (crews on sorties, and aviation posts)."""
    return sum(d.busy_ph for (_, _, role), d in r.duty.items() if role == "aviation")


METRICS: dict[str, Callable[[ReplicationRecord], float]] = {
    "post_coverage": post_coverage,
    "gap_person_hours": gap_person_hours,
    "critical_gap_person_hours": critical_gap_person_hours,
    "longest_gap_h": longest_gap_h,
    "critical_gap": critical_gap,
    "escort_delay_mean_min": escort_delay_mean_min,
    "escort_delay_p95_min": escort_delay_p95_min,
    "movements_delayed_frac": movements_delayed_frac,
    "movements_unescorted": movements_unescorted,
    "response_time_mean_min": response_time_mean_min,
    "response_time_p90_min": response_time_p90_min,
    "late_response_frac": late_response_frac,
    "incidents_unanswered": incidents_unanswered,
    "utilization": utilization,
    "overtime_person_hours": overtime_person_hours,
    "air_coverage": air_coverage,
    "fuel_outage_h": fuel_outage_h,
    "aircraft_availability": aircraft_availability,
    "flight_hours": flight_hours,
    "crew_duty_hours": crew_duty_hours,
}

# Metrics that are 0 or 1 in every replication: their mean over replications is a probability, and its
# interval is a Wilson interval (sim.stats). Shares that vary within (0, 1), like post_coverage, are means.
PROPORTIONS: frozenset[str] = frozenset({"critical_gap"})


def compute_metrics(r: ReplicationRecord) -> dict[str, float]:
    """Every metric of one replication, in `METRICS` order."""
    return {name: float(f(r)) for name, f in METRICS.items()}


def air_coverage_by(r: ReplicationRecord) -> dict[str, float]:
    """Air coverage of each requirement."""
    return {
        name: (st.on_station_ah / st.required_ah if st.required_ah > 0 else NAN)
        for name, st in r.stations.items()
    }


def post_coverage_by(r: ReplicationRecord, level: str) -> dict[str, float]:
    """Post coverage per `city` or per `site`."""
    req: dict[str, float] = {}
    staffed: dict[str, float] = {}
    for p in r.posts.values():
        key = getattr(p, level)
        req[key] = req.get(key, 0.0) + p.required_ph
        staffed[key] = staffed.get(key, 0.0) + p.staffed_ph
    return {k: (staffed[k] / req[k] if req[k] > 0 else NAN) for k in req}
