"""Whole-event metrics (docs/metrics.md), as pure functions of a `ReplicationRecord`.

Each metric is one small function registered in `METRICS`, so adding one is one function and one line.
A metric with nothing to measure (no posts, no movements) is NaN, not a flattering 0 or 1. Failures
count: a movement never escorted and an incident never reached are +inf in delays and response times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from sim.model.record import Gap, PostTotals, ReplicationRecord, Waiting

__all__ = [
    "METRICS",
    "air_coverage_by",
    "compute_metrics",
    "critical_runs",
    "merge_intervals",
    "post_coverage_by",
    "worst_coverage",
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


def worst_coverage(posts: Iterable[PostTotals]) -> float:
    """The lowest coverage of any one post that required people (NaN if none did): a share of required
    person-hours that pooling would hide, since one post starved and the others full can average 99%."""
    shares = [p.staffed_ph / p.required_ph for p in posts if p.required_ph > 0]
    return min(shares) if shares else NAN


def worst_post_coverage(r: ReplicationRecord) -> float:
    return worst_coverage(r.posts.values())


def gap_person_hours(r: ReplicationRecord) -> float:
    return sum(p.required_ph - p.staffed_ph for p in r.posts.values())


def critical_gap_person_hours(r: ReplicationRecord) -> float:
    return sum(p.required_ph - p.staffed_ph for p in r.posts.values() if p.critical)


def longest_gap_h(r: ReplicationRecord) -> float:
    spans = merge_intervals([(g.start_h, g.end_h) for g in _post_gaps(r)])
    return max((b - a for a, b in spans), default=0.0)


def critical_gap(r: ReplicationRecord) -> float:
    """1 if a critical post was short for longer than the tolerance; NaN with no critical post at all."""
    if not any(p.critical for p in r.posts.values()):
        return NAN
    runs = critical_runs(r)
    return float(any(run > r.critical_tolerance_h for run in runs.values()))


def escort_delays_min(r: ReplicationRecord) -> np.ndarray:
    """Each movement's escort delay (minutes) from the time it was due: its scheduled time, so that a
    knock-on delay from an earlier late movement counts (the request time for unscheduled trips, which
    are due when asked for); +inf for a movement no escort came for by the end."""
    return np.array([m.delay_min() for m in r.movements], dtype=float)


def escort_delay_mean_min(r: ReplicationRecord) -> float:
    """Mean escort delay; +inf when any movement was never escorted."""
    w = escort_delays_min(r)
    return float(w.mean()) if w.size else NAN


def escort_delay_p95_min(r: ReplicationRecord) -> float:
    """95th percentile of escort delays, never-escorted movements counting as +inf."""
    return percentile(escort_delays_min(r), 95)


def escort_delay_max_min(r: ReplicationRecord) -> float:
    w = escort_delays_min(r)
    return float(w.max()) if w.size else NAN


def movements_delayed_frac(r: ReplicationRecord) -> float:
    """Share of movements that started later than due (never-escorted ones included)."""
    w = escort_delays_min(r)
    return float((w > 1e-9).mean()) if w.size else NAN


def movements_unescorted(r: ReplicationRecord) -> float:
    """Movements still waiting for an escort when the run ended."""
    return float(sum(1 for m in r.movements if math.isnan(m.started_h)))


def response_times_min(r: ReplicationRecord) -> np.ndarray:
    """Each incident's response time (wait for a team plus travel), +inf for one no team was sent to."""
    return np.array([x.response_min if x.dispatched else math.inf for x in r.responses], dtype=float)


def percentile(values: np.ndarray, q: float) -> float:
    """The q-th percentile (linear interpolation), +inf when it falls among +inf values; NaN if empty.

    numpy interpolates between a finite value and inf as NaN; here the percentile is +inf as soon as
    the share of +inf values exceeds 1 - q/100 (the order statistics it needs are infinite).
    """
    if not values.size:
        return NAN
    ordered = np.sort(values)  # +inf last
    position = q / 100 * (values.size - 1)
    lo, hi = math.floor(position), math.ceil(position)
    if math.isinf(ordered[hi]) and (hi == lo or position > lo):
        return math.inf
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo))


def response_time_mean_min(r: ReplicationRecord) -> float:
    """Mean response time; +inf when any incident was never answered."""
    t = response_times_min(r)
    return float(t.mean()) if t.size else NAN


def response_time_p50_min(r: ReplicationRecord) -> float:
    return percentile(response_times_min(r), 50)


def response_time_p90_min(r: ReplicationRecord) -> float:
    """90th percentile of response times, unanswered incidents as +inf (so +inf beyond 10% unanswered)."""
    return percentile(response_times_min(r), 90)


def reached_within_target_frac(r: ReplicationRecord) -> float:
    """Share of incidents reached within their stream's target (see `within`)."""
    return share(within(x, r.horizon_h, x.target_min) for x in r.responses)


def within(x: Waiting, horizon_h: float, bound_min: float) -> bool | None:
    """Whether a movement's escort delay or an incident's response time was at most `bound_min`.

    One still waiting at the end fails if it had waited at least the bound by then. One that had not is
    censored: whether it would have met the bound is unknown, so it is left out (None).
    """
    if x.waiting:
        return False if (horizon_h - x.due) * 60 >= bound_min else None
    return x.wait_min() <= bound_min + 1e-9


def share(outcomes: Iterable[bool | None]) -> float:
    """Share of True among the outcomes that are known (None: censored, left out); NaN if none."""
    counted = [o for o in outcomes if o is not None]
    return sum(counted) / len(counted) if counted else NAN


def within_share(items: Iterable[Waiting], horizon_h: float, bound_min: float) -> float:
    """Share of `items` (movements or incidents) whose wait was at most `bound_min`, censored ones left
    out (see `within`)."""
    return share(within(x, horizon_h, bound_min) for x in items)


def unanswered_incidents(r: ReplicationRecord) -> float:
    """Incidents no team was sent to before the end of the run."""
    return float(sum(1 for x in r.responses if not x.dispatched))


def air_response_times_min(r: ReplicationRecord) -> np.ndarray:
    """Each air-alert incident's time to overhead (wait for an aircraft and crew, scramble, transit),
    +inf for one no aircraft was called for."""
    return np.array([x.wait_min() for x in r.air_responses], dtype=float)


def air_response_time_p90_min(r: ReplicationRecord) -> float:
    """90th percentile of air-alert times to overhead, unanswered alerts as +inf."""
    return percentile(air_response_times_min(r), 90)


def air_reached_within_target_frac(r: ReplicationRecord) -> float:
    """Share of air-alert incidents overhead within their stream's `air_alert.target_min`."""
    return share(within(x, r.horizon_h, x.target_min) for x in r.air_responses)


def unanswered_air_alerts(r: ReplicationRecord) -> float:
    """Air-alert incidents no aircraft was called for before the end of the run."""
    return float(sum(1 for x in r.air_responses if x.waiting))


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
    """Person-hours of aviation-role people busy (crews on sorties, and aviation posts), and of dedicated
    aircrews on duty (report to release)."""
    board = sum(d.busy_ph for (_, _, role), d in r.duty.items() if role == "aviation")
    return board + sum(c.size * c.duty_h for c in r.aircrews.values())


METRICS: dict[str, Callable[[ReplicationRecord], float]] = {
    "post_coverage": post_coverage,
    "worst_post_coverage": worst_post_coverage,
    "gap_person_hours": gap_person_hours,
    "critical_gap_person_hours": critical_gap_person_hours,
    "longest_gap_h": longest_gap_h,
    "critical_gap": critical_gap,
    "escort_delay_mean_min": escort_delay_mean_min,
    "escort_delay_p95_min": escort_delay_p95_min,
    "escort_delay_max_min": escort_delay_max_min,
    "movements_delayed_frac": movements_delayed_frac,
    "movements_unescorted": movements_unescorted,
    "response_time_mean_min": response_time_mean_min,
    "response_time_p50_min": response_time_p50_min,
    "response_time_p90_min": response_time_p90_min,
    "reached_within_target_frac": reached_within_target_frac,
    "unanswered_incidents": unanswered_incidents,
    "air_response_time_p90_min": air_response_time_p90_min,
    "air_reached_within_target_frac": air_reached_within_target_frac,
    "unanswered_air_alerts": unanswered_air_alerts,
    "utilization": utilization,
    "overtime_person_hours": overtime_person_hours,
    "air_coverage": air_coverage,
    "fuel_outage_h": fuel_outage_h,
    "aircraft_availability": aircraft_availability,
    "flight_hours": flight_hours,
    "crew_duty_hours": crew_duty_hours,
}


def compute_metrics(r: ReplicationRecord) -> dict[str, float]:
    """Every whole-event metric of one replication, in `METRICS` order."""
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
