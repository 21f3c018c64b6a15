"""What a figure calls a metric column: its short name and its axis label with the unit
(`post_coverage[force=us]` → "post coverage [force us]"), and which direction of it is better.
"""

from __future__ import annotations

from sim.numbers import WITHIN_WHAT, metric_base, scope_of, within_bound

__all__ = ["BETTER", "METRIC_LABELS", "better", "metric_label"]

# metric -> (short name, axis label with unit)
METRIC_LABELS = {
    "post_coverage": ("post coverage", "post coverage\n(share of required person-hours)"),
    "worst_post_coverage": ("worst post's coverage",
                            "worst post's coverage\n(its share of required person-hours)"),
    "critical_gap": ("P(critical gap)", "P(critical gap)\n(share of replications)"),
    "air_coverage": ("air coverage", "air coverage\n(share of required aircraft-hours)"),
    "gap_person_hours": ("post shortfall", "post shortfall\n(person-hours per replication)"),
    "critical_gap_person_hours": ("critical post shortfall",
                                  "critical post shortfall\n(person-hours per replication)"),
    "longest_gap_h": ("longest gap", "longest continuous gap at a post\n(h)"),
    "escort_delay_p95_min": ("escort delay p95", "escort delay, 95th percentile\n(min from the time due)"),
    "escort_delay_mean_min": ("escort delay mean", "escort delay, mean\n(min from the time due)"),
    "escort_delay_max_min": ("escort delay max", "escort delay, maximum\n(min from the time due)"),
    "movements_delayed_frac": ("movements delayed", "movements delayed\n(share of movements)"),
    "movements_unescorted": ("movements never escorted", "movements never escorted\n(per replication)"),
    "response_time_p50_min": ("response time p50", "incident response, median\n(min)"),
    "response_time_p90_min": ("response time p90", "incident response, 90th percentile\n(min)"),
    "response_time_mean_min": ("response time mean", "incident response, mean\n(min)"),
    "reached_within_target_frac": ("incidents reached within target",
                                   "incidents reached within their target\n(share of incidents)"),
    "unanswered_incidents": ("incidents never reached", "incidents never reached\n(per replication)"),
    "air_response_time_p90_min": ("air-alert response p90",
                                  "air-alert time to overhead, 90th percentile\n(min)"),
    "air_reached_within_target_frac": ("air alerts overhead within target",
                                       "air alerts overhead within their target\n(share of alerts)"),
    "unanswered_air_alerts": ("air alerts never answered", "air alerts never answered\n(per replication)"),
    "utilization": ("utilisation", "utilisation\n(busy ÷ on-duty person-hours)"),
    "overtime_person_hours": ("overtime", "overtime\n(person-hours per replication)"),
    "fuel_outage_h": ("fuel outage", "fuel outage\n(h per replication)"),
    "aircraft_availability": ("aircraft availability", "aircraft availability\n(share of aircraft-hours)"),
    "flight_hours": ("flight hours", "flight hours\n(aircraft-hours per replication)"),
    "crew_duty_hours": ("aircrew duty", "aviation people busy\n(person-hours per replication)"),
}  # fmt: skip
# metric -> the direction that is better: +1 up, -1 down (utilisation and flight hours: neither)
BETTER = {
    "post_coverage": 1, "worst_post_coverage": 1, "air_coverage": 1, "aircraft_availability": 1,
    "reached_within_target_frac": 1, "air_reached_within_target_frac": 1, "air_response_time_p90_min": -1,
    "unanswered_air_alerts": -1,
    "critical_gap": -1, "gap_person_hours": -1, "critical_gap_person_hours": -1, "longest_gap_h": -1,
    "escort_delay_p95_min": -1, "escort_delay_mean_min": -1, "escort_delay_max_min": -1,
    "movements_delayed_frac": -1, "movements_unescorted": -1, "response_time_p50_min": -1,
    "response_time_p90_min": -1, "response_time_mean_min": -1, "unanswered_incidents": -1,
    "overtime_person_hours": -1, "fuel_outage_h": -1,
}  # fmt: skip


def metric_label(column: str) -> tuple[str, str]:
    """(short name, axis label with unit) of a metric column, scoped or not:
    `post_coverage[force=us]` → ("post coverage [force us]", "post coverage [force us]\n(share of ...)")."""
    base, scope = metric_base(column), scope_of(column)
    within = within_bound(column)
    if within is not None:
        family, minutes = within
        what, of = WITHIN_WHAT[family]
        short = f"{what} within {minutes:g} min"
        axis = f"{short}\n(share of {of})"
    else:
        short, axis = METRIC_LABELS.get(base, (base.replace("_", " "), base.replace("_", " ")))
    if scope:
        short = f"{short} [{scope}]"
        head, _, unit = axis.partition("\n")
        axis = f"{head} [{scope}]" + (f"\n{unit}" if unit else "")
    return short, axis


def better(column: str) -> int:
    """+1 when more of the column is better, -1 when less is, 0 when neither."""
    if within_bound(column) is not None:
        return 1
    return BETTER.get(metric_base(column), 0)
