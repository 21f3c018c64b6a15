"""Invariants of the model on random small valid scenarios (hypothesis property tests, issue 5).

Each property draws scenarios from `tests.validation_strategies`, runs one replication under the debug
watch of `tests.validation_watch` (invariants checked at every change of the duty board, every fuel
delivery, every step of the event loop) and checks the replication's records. `max_examples` is set
on each property; `pytest --hypothesis-show-statistics` prints how many examples each one ran.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.metrics import compute_metrics
from sim.model import Clock, run_replication
from sim.model.delegations import delegation_plan
from sim.model.incidents import incident_times
from sim.model.streams import Streams
from sim.scenario import Scenario
from tests.helpers.validation_strategies import scenarios
from tests.helpers.validation_watch import watching

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EPS = 1e-9


def _run(s: Scenario, replication: int = 0, trace: bool = True):
    for feature, present in (
        ("posts", s.posts), ("delegations", s.delegations), ("incidents", s.incidents),
        ("aircraft", any(g.count for g in s.aircraft.values())), ("fuel trucks", s.fuel_trucks),
    ):  # fmt: skip
        if present:
            event(f"has {feature}")  # shown by --hypothesis-show-statistics
    with watching(s) as w:
        r = run_replication(s, replication, trace=trace)
    if r.gaps:
        event("has shortfalls")
    return r, w


@settings(PROPERTY, max_examples=150)
@given(scenarios(), st.integers(0, 3))
def test_no_person_on_two_demands_and_on_duty_within_the_force(s, replication):
    r, w = _run(s, replication)
    assert w.violations == []
    for d in r.duty.values():  # person-hours: busy within on duty, both never negative
        assert -EPS <= d.busy_ph <= d.on_duty_ph + EPS
        assert d.overtime_ph >= -EPS


@settings(PROPERTY, max_examples=150)
@given(scenarios(), st.integers(0, 3))
def test_coverage_in_unit_interval_staffed_within_required_and_gaps_add_up(s, replication):
    r, w = _run(s, replication)
    assert w.violations == []  # includes staffed <= required at every moment
    m = compute_metrics(r)
    if not math.isnan(m["post_coverage"]):
        assert 0.0 <= m["post_coverage"] <= 1.0
    for name, p in r.posts.items():
        assert -EPS <= p.staffed_ph <= p.required_ph + EPS
        # the gap intervals recorded for the post add up to required - staffed person-hours
        gap_ph = sum((g.end_h - g.start_h) * g.short for g in r.gaps if g.demand == "post" and g.name == name)
        assert gap_ph == pytest.approx(p.required_ph - p.staffed_ph, abs=1e-6)
    assert m["gap_person_hours"] == pytest.approx(
        sum(p.required_ph for p in r.posts.values()) - sum(p.staffed_ph for p in r.posts.values()), abs=1e-6
    )
    for g in r.gaps:
        assert 0 <= g.start_h < g.end_h <= r.horizon_h + EPS
        assert g.short > 0
    air = m["air_coverage"]
    assert math.isnan(air) or 0.0 <= air <= 1.0 + EPS


@settings(PROPERTY, max_examples=150)
@given(scenarios(fuel=True), st.integers(0, 3))
def test_fuel_never_negative_nor_above_capacity_and_books_balance_exactly(s, replication):
    r, w = _run(s, replication)
    assert w.violations == []  # includes: no delivery ever exceeds the free space
    for f in r.fuel.values():
        event("fuel drawn" if f.dispensed_gal else "no fuel drawn")
        if f.deliveries:
            event("fuel delivered")
        if f.outage_h:
            event("fuel outage")
        assert 0 <= f.final_gal <= f.capacity_gal
        assert f.final_gal == f.initial_gal + f.delivered_gal - f.dispensed_gal
        assert min(f.delivered_gal, f.dispensed_gal, f.outage_h) >= 0


@settings(PROPERTY, max_examples=150)
@given(scenarios(), st.integers(0, 3))
def test_event_times_never_decrease(s, replication):
    r, w = _run(s, replication)
    assert w.violations == []  # the clock never ran backwards; each event logged at its own time
    times = [e.time_h for e in r.events]
    assert times == sorted(times)
    assert all(0 <= t <= r.horizon_h for t in times)
    for m in r.movements:
        assert m.requested_h <= r.horizon_h
        if not math.isnan(m.started_h):
            assert m.requested_h <= m.started_h <= r.horizon_h
        if not math.isnan(m.ended_h):
            assert m.started_h <= m.ended_h <= r.horizon_h


@settings(PROPERTY, max_examples=150)
@given(scenarios(), st.integers(0, 3))
def test_every_delegation_arrival_has_departed_or_is_still_present(s, replication):
    r, w = _run(s, replication, trace=False)
    assert w.violations == []
    clock = Clock.of(s)
    streams = Streams(s.seed, replication)
    arrived = departed = present = 0
    for dname, d in s.delegations.items():
        for k in range(d.count):
            name = dname if d.count == 1 else f"{dname}.{k + 1}"
            plan = delegation_plan(name, d, clock, streams[f"delegation.{name}"])
            moves = [m for m in r.movements if m.delegation == name]
            principal = [m for m in moves if m.kind != "unscheduled"]
            if plan.arrival_h >= r.horizon_h:
                assert moves == []  # not arrived: nothing recorded
                continue
            arrived += 1
            kinds = [m.kind for m in principal]
            assert kinds[0] == "arrival"
            assert kinds.count("arrival") == 1
            assert kinds.count("departure") <= 1
            assert "departure" not in kinds[:-1]
            for before, after in itertools.pairwise(principal):  # one movement at a time, in order
                assert not math.isnan(before.ended_h)
                assert after.requested_h >= before.ended_h
            last = principal[-1]
            if last.kind == "departure" and not math.isnan(last.ended_h):
                departed += 1
            else:
                present += 1  # still in town, moving, or waiting for an escort at the end
            trips = [t for t, _ in plan.unscheduled if plan.arrival_h <= t < r.horizon_h]
            assert len([m for m in moves if m.kind == "unscheduled"]) == len(trips)
    assert arrived == departed + present


@settings(PROPERTY, max_examples=150)
@given(scenarios(), st.integers(0, 3))
def test_every_incident_answered_or_still_open(s, replication):
    r, w = _run(s, replication, trace=False)
    assert w.violations == []
    clock = Clock.of(s)
    streams = Streams(s.seed, replication)
    for iname, inc in s.incidents.items():
        raised = incident_times(inc, clock, streams[f"incidents.{iname}.times"])
        records = [x for x in r.responses if x.stream == iname]
        assert len(records) == len(raised)  # every incident raised is on record
        for x in records:
            assert math.isnan(x.dispatched_h) or x.time_h <= x.dispatched_h <= r.horizon_h
    answered = sum(1 for x in r.responses if not math.isnan(x.dispatched_h))
    assert answered + r.incidents_open == len(r.responses)


@settings(PROPERTY, max_examples=80)
@given(
    scenarios(posts_only=True, swept=True),
    st.lists(st.integers(0, 60), min_size=2, max_size=4, unique=True),
    st.integers(0, 3),
)
def test_post_coverage_never_falls_as_troops_rise_on_common_random_numbers(s, levels, replication):
    """Posts only: the board staffs posts greedily by priority and preference, so on the same random
    numbers (same absences draws) more troops can only staff as much or more, at every moment."""
    levels = sorted(levels)
    coverage = [compute_metrics(run_replication(s, replication, troops=t))["post_coverage"] for t in levels]
    if math.isnan(coverage[0]):
        event("no post open")
        return  # no post is ever open: nothing to compare
    event("coverage rises" if coverage[-1] > coverage[0] else "coverage flat")
    for low, high in itertools.pairwise(coverage):
        assert high >= low - 1e-12, dict(zip(levels, coverage, strict=True))
