"""Issue 10, decision metrics: failures count, targets are checked on the demand they name, and a level
that misses a target only for want of replications says so (docs/metrics.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.cli import main
from sim.metrics import Scopes, compute_all, compute_metrics, target_specs
from sim.metrics.core import percentile, within
from sim.model import run_replication
from sim.model.record import MovementRecord, ResponseRecord
from sim.scenario import ScenarioError
from sim.stats import Interval, check_target, proportion_interval, replications_to_show, wilson
from tests.helpers.experiments import run, sweep
from tests.helpers.tiny import HEADER, tiny

# -- failures count ------------------------------------------------------------------------------------

ONE_TEAM_BUSY_FOREVER = """
forces:
  qrf: {headcount: 2, cities: {lima: 1}, shift: {pattern: continuous}}
targets:
  post_coverage_min: null
  p_critical_gap_max: null
  checks:
    - {metric: response_time_p90_min, stream: riot, max: 30}
incidents:
  riot:
    city: lima
    rate_per_day: 24
    team: 2
    forces: [qrf]
    travel_min: 6
    on_scene_min: 100000
    target_min: 15
"""


def test_an_unanswered_incident_makes_the_p90_infinite_and_fails_the_response_target():
    s = tiny(ONE_TEAM_BUSY_FOREVER)
    r = run_replication(s, 0, seed=3)
    n = len(r.responses)
    assert n > 20  # about 48 incidents in two days: the first takes the only team for good
    assert [x.dispatched for x in r.responses] == [True] + [False] * (n - 1)
    m = compute_all(r, Scopes.of(s))
    assert m["unanswered_incidents"] == n - 1
    assert m["response_time_p90_min"] == math.inf
    assert m["response_time_p50_min"] == math.inf
    assert m["response_time_mean_min"] == math.inf
    assert m["response_time_p90_min[stream=riot]"] == math.inf
    # Censored: the incidents raised less than 30 min before the end are left out of the share.
    late = [x for x in r.responses[1:] if (r.horizon_h - x.time_h) * 60 >= 30]
    assert m["response_within_30min_frac[stream=riot]"] == pytest.approx(1 / (1 + len(late)))
    outcome = run(s, replications=3, workers=1, out=None)
    (check,) = outcome.answer.checks[""]
    assert check.target == "response time p90 [stream riot] ≤ 30 min (≥ 90% within it)"
    assert (check.met, check.status) == (False, "not met")


def test_percentile_is_infinite_once_the_infinite_share_exceeds_its_tail():
    finite = np.arange(1.0, 11.0)
    assert percentile(finite, 90) == pytest.approx(np.percentile(finite, 90))
    nine_and_inf = np.array([*range(1, 10), math.inf], dtype=float)
    assert percentile(nine_and_inf, 90) == math.inf  # interpolates towards the infinite 10th value
    assert percentile(nine_and_inf, 80) == pytest.approx(8.2)
    assert math.isnan(percentile(np.array([]), 90))


def test_a_wait_open_at_the_end_fails_its_bound_only_once_it_is_that_late():
    nan = float("nan")
    open_long = ResponseRecord("s", "lima", 10.0, nan, 0.1, 15)
    assert within(open_long, horizon_h=11.0, bound_min=30) is False  # 60 min late by the end
    assert within(open_long, horizon_h=10.25, bound_min=30) is None  # 15 min: censored
    done = ResponseRecord("s", "lima", 10.0, 10.2, 0.1, 15)
    assert within(done, 11.0, 18) is True
    assert within(done, 11.0, 17.9) is False


# -- escort delay from the scheduled time ----------------------------------------------------------------

KNOCK_ON = """
forces:
  us: {headcount: 3, cities: {lima: 1}, shift: {pattern: continuous}}
tiers: {leader: {escort_team: 3, priority: 2}}
delegations:
  blocker:
    tier: leader
    hotel: hotel
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T08:50}
    departure: {airport: airport, scheduled: 2024-11-05T20:00}
  late:
    tier: leader
    hotel: hotel
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T08:00}
    departure: {airport: airport, scheduled: 2024-11-05T21:00}
    programme:
      - {at: 2024-11-04T09:00, to: lcc, dwell_min: 60}
      - {at: 2024-11-04T10:00, to: hotel, dwell_min: 0}
"""


def test_escort_delay_runs_from_the_scheduled_time_so_knock_on_delays_count():
    r = run_replication(tiny(KNOCK_ON), trace=True)
    late = [m for m in r.movements if m.delegation == "late"]
    # 09:00 trip: the only team is on the blocker's 08:50-09:20 arrival run, so it leaves at 09:20;
    # 20 min to the lcc and 60 min there: the 10:00 trip back is asked for, and leaves, at 10:40.
    got = [(m.kind, m.due_h, m.requested_h, m.started_h) for m in late[:3]]
    assert got == [
        ("arrival", 8.0, 8.0, 8.0),
        ("programme", 9.0, 9.0, pytest.approx(9 + 20 / 60)),
        ("programme", 10.0, pytest.approx(10 + 40 / 60), pytest.approx(10 + 40 / 60)),
    ]
    assert [round(m.delay_min(), 9) for m in late[:3]] == [0.0, 20.0, 40.0]  # not 0 for the knock-on
    m = compute_metrics(r)
    assert m["escort_delay_max_min"] == pytest.approx(40.0)
    assert m["escort_delay_mean_min"] == pytest.approx(60 / len(r.movements))
    assert m["movements_delayed_frac"] == pytest.approx(2 / len(r.movements))


def test_a_movement_never_escorted_is_an_infinite_delay():
    nan = float("nan")
    waiting = MovementRecord("usa", "programme", "lima", "hotel", "lcc", 9.0, 9.0, nan, nan)
    assert waiting.waiting
    assert waiting.delay_min() == math.inf


# -- targets on the demand they name --------------------------------------------------------------------

POOLED_PASSES = """
forces:
  host: {headcount: 95, cities: {lima: 1}, shift: {pattern: continuous}}
  us: {headcount: 4, cities: {lima: 1}, shift: {pattern: continuous}}
targets:
  post_coverage_min: 0.99
  p_critical_gap_max: null
  checks:
    - {metric: post_coverage, force: us, min: 0.99}
posts:
  venue: {site: lcc, required: 95, forces: [host], daily: [{from: "00:00", to: "00:00"}]}
  us_gate: {site: hotel, required: 5, forces: [us], daily: [{from: "00:00", to: "00:00"}]}
"""


def test_a_force_scoped_coverage_target_fails_while_the_pooled_one_passes():
    outcome = run(tiny(POOLED_PASSES), replications=2, workers=1)
    summary = outcome.answer.summaries[""]
    assert summary["post_coverage"].mean == pytest.approx(0.99)  # 99 of 100 people, all the time
    assert summary["post_coverage[force=us]"].mean == pytest.approx(0.8)  # 4 of 5
    pooled, us = outcome.answer.checks[""]
    assert (pooled.target, pooled.met) == ("post coverage ≥ 99%", True)
    assert (us.target, us.metric, us.met, us.status) == (
        "post coverage [force us] ≥ 99%",
        "post_coverage[force=us]",
        False,
        "not met",
    )


ONE_POST_STARVED = """
forces:
  us: {headcount: 20, cities: {lima: 1}, shift: {pattern: continuous}}
targets:
  post_coverage_min: null
  p_critical_gap_max: null
  checks:
    - {metric: post_coverage, force: us, min: 0.9}
    - {metric: worst_post_coverage, force: us, min: 0.9}
posts:
  gate: {site: lcc, required: 16, forces: [us], priority: 1, daily: [{from: "00:00", to: "00:00"}]}
  tower: {site: hotel, required: 5, forces: [us], priority: 2, daily: [{from: "00:00", to: "00:00"}]}
"""


def test_the_worst_post_is_seen_where_pooled_coverage_hides_it():
    # 20 people for 21 required: the gate (priority 1) is full, the tower has 4 of 5. Pooled, 20/21 = 0.952
    # passes 0.9; the worst post, the tower at 0.8, does not.
    outcome = run(tiny(ONE_POST_STARVED), replications=2, workers=1)
    summary = outcome.answer.summaries[""]
    assert summary["post_coverage[force=us]"].mean == pytest.approx(20 / 21)
    assert summary["worst_post_coverage[force=us]"].mean == pytest.approx(0.8)
    assert summary["worst_post_coverage[city=lima]"].mean == pytest.approx(0.8)
    assert summary["worst_post_coverage[site=lcc]"].mean == pytest.approx(1.0)
    assert summary["worst_post_coverage"].mean == pytest.approx(0.8)
    pooled, worst = outcome.answer.checks[""]
    assert pooled.met
    assert (worst.target, worst.met, worst.status) == (
        "worst post's coverage [force us] ≥ 90%",
        False,
        "not met",
    )


def test_targets_are_checks_on_columns():
    s = tiny(POOLED_PASSES)
    specs = target_specs(s)
    assert [(t.column, t.bound, t.limit) for t in specs] == [
        ("post_coverage", "ci_low", 0.99),
        ("post_coverage[force=us]", "ci_low", 0.99),
    ]


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("{metric: air_coverage, force: us, min: 0.9}", "air_coverage cannot be scoped by force"),
        ("{metric: post_coverage, force: us, min: 0.9, max: 1}", "give the target one bound"),
        ("{metric: escort_within_frac, min: 0.8}", "escort_within_frac needs `within_min`"),
        ("{metric: post_coverage, min: 1.5}", "its bound must be from 0 to 1"),
        ("{metric: post_coverage, force: navy, min: 0.9}", "unknown force 'navy'"),
        ("{metric: post_coverage, force: host, min: 0.9}", "force 'host' has nothing post_coverage measures"),
    ],
)
def test_a_bad_target_is_a_located_error(check, message):
    body = """
        forces:
          host: {headcount: 5, cities: {lima: 1}}
          us: {headcount: 5, cities: {lima: 1}}
        posts:
          gate: {site: lcc, required: 2, forces: [us], daily: [{from: "00:00", to: "00:00"}]}
        targets:
          checks:
            - CHECK
    """.replace("CHECK", check)
    with pytest.raises(ScenarioError) as err:
        tiny(body)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "targets.checks[0]" in text
    assert message in text


# -- replications, not troops ----------------------------------------------------------------------------


def test_replications_to_show_a_zero_failure_probability_is_exact_for_wilson():
    z2 = 1.959963984540054**2
    for limit in (0.05, 0.01, 0.2):
        n = replications_to_show(Interval(0.0, 0.0, 1.0, 0.0, 10), "ci_high", limit, proportion=True)
        assert z2 / (n + z2) <= limit < z2 / (n - 1 + z2)  # the smallest n whose upper bound clears it
    assert replications_to_show(Interval(0.0, 0.0, 1.0, 0.0, 10), "ci_high", 0.05, True) == 73


def test_a_check_is_undecided_when_only_replications_are_missing():
    iv = Interval(0.0, 0.0, 0.0713, 0.0, 50)
    c = check_target("P", "critical_gap", "ci_high", 0.05, iv, proportion=True)
    assert (c.met, c.status, c.replications_needed) == (False, "undecided", 73)
    worse = check_target("P", "critical_gap", "ci_high", 0.05, Interval(0.1, 0.05, 0.2, 0.3, 50), True)
    assert (worse.status, worse.replications_needed) == ("not met", None)


SAFE = """
forces:
  us: {headcount: 10, cities: {lima: 1}, swept: true, shift: {pattern: continuous}}
targets:
  post_coverage_min: null
  p_critical_gap_max: 0.05
posts:
  gate:
    site: lcc
    required: 2
    forces: [us]
    critical: true
    daily: [{from: "00:00", to: "00:00"}]
"""


def test_a_sweep_at_too_few_replications_says_replications_are_missing(tmp_path, capsys):
    outcome = sweep(tiny(SAFE), [5, 10], replications=20, workers=1, out=tmp_path / "s")
    assert outcome.answer.smallest_meeting is None
    (check,) = outcome.answer.checks["10"]
    assert (check.estimate, check.status, check.replications_needed) == (0.0, "undecided", 73)
    assert outcome.manifest.answer["replications_short"] == {"5": 73, "10": 73}
    from sim.report.console import print_outcome

    print_outcome(outcome)
    out = capsys.readouterr().out
    assert "replications, not troops, are missing" in out
    assert "About 73 replications per level would show it" in out


def test_validate_warns_when_the_replications_can_never_show_a_probability_target(tmp_path, capsys):
    path = tmp_path / "safe.yaml"
    path.write_text(HEADER + SAFE + "replications: 40\n")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: 40 replications can never show P(critical gap) ≤ 5%" in err
    assert "at least 73 could" in err


@pytest.mark.parametrize(("failures", "n", "limit"), [(1, 20, 0.2), (3, 40, 0.12), (10, 100, 0.15)])
def test_replications_to_show_a_probability_are_more_than_those_run_and_exact_for_wilson(failures, n, limit):
    # 1 failure in 20 leaves P ≤ 0.2 undecided (Wilson upper bound 0.236); the normal approximation said
    # 9 replications would show it, fewer than the 20 run. The answer is the fewest replications whose
    # Wilson interval at the same share clears the limit.
    iv = proportion_interval([1.0] * failures + [0.0] * (n - failures))
    assert iv.ci_high > limit > iv.mean  # undecided
    needed = replications_to_show(iv, "ci_high", limit, proportion=True)
    assert needed is not None
    assert needed > n
    share = failures / n
    assert wilson(share * needed, needed)[1] <= limit < wilson(share * (needed - 1), needed - 1)[1]
    # and the check says the same: undecided, with that count
    c = check_target("p", "critical_gap", "ci_high", limit, iv, True)
    assert (c.status, c.replications_needed) == ("undecided", needed)
