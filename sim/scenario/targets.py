"""What a scenario is judged on and reported over: the staffing targets and the peak window."""

from __future__ import annotations

from sim.scenario.types import LocalTime, NonNegative, Probability, Strict

__all__ = ["PeakWindow", "Targets"]


class Targets(Strict):
    """What a staffing level must achieve; `None` means no target on that metric."""

    post_coverage_min: Probability | None = 0.99
    p_critical_gap_max: Probability | None = 0.05
    critical_gap_tolerance_min: NonNegative = 30.0
    escort_delay_p95_max_min: NonNegative | None = None
    response_time_p90_max_min: NonNegative | None = None


class PeakWindow(Strict):
    """The summit's busiest days, used for reporting."""

    start: LocalTime
    end: LocalTime
