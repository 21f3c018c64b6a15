"""What a scenario is judged on and reported over: the staffing targets and the peak window.

A target names a metric, a bound (`min` or `max`) and a scope: the demand it is checked on (a force, a
city, a site, a post, a role, a delegation or a tier, an incident stream, an air requirement, a fuel
point; none for the whole event). The four short fields (`post_coverage_min`, ...) are whole-event
targets kept for small scenarios; `checks` lists any number of scoped ones, several on one metric.
docs/metrics.md defines each metric and how its target is checked.
"""

# ruff: noqa: RUF012 - pydantic copies a mutable default for each instance (see sim.scenario.posts)

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from sim.scenario.types import LocalTime, Name, NonNegative, Positive, Probability, Strict

__all__ = [
    "AIR_ALERT_METRICS",
    "METRIC_NAMES",
    "METRIC_SCOPES",
    "PERCENTILES",
    "SCOPE_KEYS",
    "PeakWindow",
    "Target",
    "Targets",
]

SCOPE_KEYS = ("force", "city", "site", "post", "role", "delegation", "tier", "stream", "requirement",
              "fuel_point")  # fmt: skip
_POSTS = ("force", "city", "site", "post", "role")
_ESCORTS = ("delegation", "tier", "city")
_INCIDENTS = ("stream", "city")

# metric → the scope keys it can be checked on
METRIC_SCOPES: dict[str, tuple[str, ...]] = {
    "post_coverage": _POSTS,
    "worst_post_coverage": ("force", "city", "site", "role"),
    "critical_gap": _POSTS,
    "gap_person_hours": _POSTS,
    "critical_gap_person_hours": _POSTS,
    "escort_delay_p95_min": _ESCORTS,
    "escort_within_frac": _ESCORTS,
    "movements_unescorted": _ESCORTS,
    "response_time_p50_min": _INCIDENTS,
    "response_time_p90_min": _INCIDENTS,
    "response_within_frac": _INCIDENTS,
    "reached_within_target_frac": _INCIDENTS,
    "unanswered_incidents": _INCIDENTS,
    "air_response_time_p90_min": _INCIDENTS,
    "air_reached_within_target_frac": _INCIDENTS,
    "unanswered_air_alerts": _INCIDENTS,
    "air_coverage": ("requirement", "city"),
    "fuel_outage_h": ("fuel_point",),
}
METRIC_NAMES = {
    "post_coverage": "post coverage",
    "worst_post_coverage": "worst post's coverage",
    "critical_gap": "P(critical gap)",
    "gap_person_hours": "person-hours short",
    "critical_gap_person_hours": "critical person-hours short",
    "escort_delay_p95_min": "escort delay p95",
    "escort_within_frac": "movements escorted within",
    "movements_unescorted": "movements never escorted",
    "response_time_p50_min": "response time p50",
    "response_time_p90_min": "response time p90",
    "response_within_frac": "incidents reached within",
    "reached_within_target_frac": "incidents reached within their target",
    "unanswered_incidents": "incidents never reached",
    "air_response_time_p90_min": "air-alert response p90",
    "air_reached_within_target_frac": "air alerts overhead within their target",
    "unanswered_air_alerts": "air alerts never answered",
    "air_coverage": "air coverage",
    "fuel_outage_h": "fuel outage hours",
}
# Percentile metrics, checked as the share within the bound (p95 <= B  <=>  at least 95% within B).
PERCENTILES = {"escort_delay_p95_min": 95.0, "response_time_p50_min": 50.0, "response_time_p90_min": 90.0,
               "air_response_time_p90_min": 90.0}  # fmt: skip
# Metrics of incidents answered from the air (a stream's `air_alert`)
AIR_ALERT_METRICS = ("air_response_time_p90_min", "air_reached_within_target_frac", "unanswered_air_alerts")
_WITHIN = ("escort_within_frac", "response_within_frac")
_SHARES = ("post_coverage", "worst_post_coverage", "critical_gap", "escort_within_frac",
           "response_within_frac", "reached_within_target_frac", "air_reached_within_target_frac",
           "air_coverage")  # fmt: skip


class Target(Strict):
    """One target: `metric` with a `min` or a `max`, on the demand its scope key names (at most one).

    `within_min` is the bound of a share target (`escort_within_frac`, `response_within_frac`): for
    example at least 80% of movements start within 6 minutes is `{metric: escort_within_frac,
    within_min: 6, min: 0.8}`. `label` names the target in tables (default: built from the rest).
    """

    metric: Literal[tuple(METRIC_SCOPES)]  # type: ignore[valid-type]  # a Literal of the metric names
    min: float | None = None
    max: float | None = None
    within_min: Positive | None = None
    label: str | None = None
    force: Name | None = None
    city: Name | None = None
    site: Name | None = None
    post: Name | None = None
    role: Literal["security", "aviation", "logistics"] | None = None
    delegation: Name | None = None
    tier: Name | None = None
    stream: Name | None = None
    requirement: Name | None = None
    fuel_point: Name | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if (self.min is None) == (self.max is None):
            raise ValueError("give the target one bound: `min` or `max`")
        keys = [k for k in SCOPE_KEYS if getattr(self, k) is not None]
        if len(keys) > 1:
            raise ValueError(f"a target has at most one scope, got {', '.join(keys)}")
        if keys and keys[0] not in METRIC_SCOPES[self.metric]:
            allowed = ", ".join(METRIC_SCOPES[self.metric])
            raise ValueError(f"{self.metric} cannot be scoped by {keys[0]} (it can by: {allowed})")
        if (self.metric in _WITHIN) != (self.within_min is not None):
            if self.within_min is None:
                raise ValueError(f"{self.metric} needs `within_min`: the bound its share counts within")
            raise ValueError(f"`within_min` is only for {' and '.join(_WITHIN)}")
        if self.metric in PERCENTILES and self.max is None:
            raise ValueError(f"{self.metric} takes a `max` (a percentile target is an upper bound)")
        bound = self.min if self.min is not None else self.max
        # `bound` is set: exactly one of min and max was checked at the top, which mypy cannot follow
        if self.metric in _SHARES and not 0 <= float(bound) <= 1:  # type: ignore[arg-type]
            raise ValueError(f"{self.metric} is a share: its bound must be from 0 to 1, got {bound:g}")
        if bound is not None and bound < 0:
            raise ValueError(f"the bound must be 0 or more, got {bound:g}")
        return self

    def describe(self) -> str:
        """How tables name the target: its `label`, or e.g. `post coverage [force us] ≥ 99%`,
        `escort delay p95 [delegation usa] ≤ 15 min (≥ 95% within it)`."""
        if self.label:
            return self.label
        where = f" [{self.scope[0]} {self.scope[1]}]" if self.scope else ""
        name = METRIC_NAMES[self.metric]
        if self.within_min is not None:
            name += f" {self.within_min:g} min"
        if self.metric in PERCENTILES:
            return f"{name}{where} ≤ {self.max:g} min (≥ {PERCENTILES[self.metric]:g}% within it)"
        op, bound = ("≥", self.min) if self.min is not None else ("≤", self.max)
        assert bound is not None  # exactly one of min and max is set (checked on loading)
        if self.metric in _SHARES:  # in percent, as the estimates beside it are shown
            return f"{name}{where} {op} {100 * bound:g}%"
        unit = " min" if self.metric.endswith("_min") else (" h" if self.metric.endswith("_h") else "")
        return f"{name}{where} {op} {bound:g}{unit}"

    @property
    def scope(self) -> tuple[str, str] | None:
        """(key, value) of the demand the target is checked on; None for the whole event."""
        for key in SCOPE_KEYS:
            value = getattr(self, key)
            if value is not None:
                return key, value
        return None


class Targets(Strict):
    """What a staffing level must achieve; `None` means no target on that metric.

    The four short fields are whole-event targets; `checks` adds scoped ones.
    """

    post_coverage_min: Probability | None = 0.99
    p_critical_gap_max: Probability | None = 0.05
    critical_gap_tolerance_min: NonNegative = 30.0
    escort_delay_p95_max_min: NonNegative | None = None
    response_time_p90_max_min: NonNegative | None = None
    checks: list[Target] = []

    def all(self) -> list[Target]:
        """Every target: the short fields that are set, then `checks`, in order."""
        short = [
            ("post_coverage", "min", self.post_coverage_min),
            ("critical_gap", "max", self.p_critical_gap_max),
            ("escort_delay_p95_min", "max", self.escort_delay_p95_max_min),
            ("response_time_p90_min", "max", self.response_time_p90_max_min),
        ]
        out = [
            Target(metric=m, min=value) if side == "min" else Target(metric=m, max=value)
            for m, side, value in short
            if value is not None
        ]
        return out + list(self.checks)


class PeakWindow(Strict):
    """The summit's busiest days, used for reporting."""

    start: LocalTime
    end: LocalTime
