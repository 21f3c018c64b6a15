"""Incidents that need an aircraft (issue 13): an air alert scrambles the aircraft on alert to the
incident's site; its time to overhead is the wait for an aircraft and crew, the scramble and the transit;
an incident no aircraft was called for by the end is a failure counted in every statistic."""

from __future__ import annotations

import math

import pytest

from sim.metrics import Scopes, compute_all, target_specs
from sim.model import run_replication
from sim.scenario import ScenarioError, parse_scenario
from tests.helpers.air_scenarios import HEADER, TRANSIT_H, air_scenario

T = TRANSIT_H  # a quarter hour, to float rounding
SCRAMBLE, SCENE, TURNAROUND = 10 / 60, 1.0, 0.5  # hours

ALERT = """
aircraft:
  helos: {type: mh60, base: base, count: 1}
incidents:
  hijack:
    city: lima
    rate_per_day: 12
    on_scene_min: 60
    air_alert: {type: mh60, site: over, scramble_min: 10, target_min: 30}
targets:
  checks:
    - {metric: air_response_time_p90_min, stream: hijack, max: 30}
    - {metric: unanswered_air_alerts, city: lima, max: 0}
"""


def test_an_air_alert_is_answered_by_a_scramble_and_one_raised_while_the_aircraft_is_busy_waits():
    r = run_replication(air_scenario(ALERT), trace=True)
    times = [x.time_h for x in r.air_responses]
    assert len(times) >= 8
    # One aircraft, a crew always free, no fuel point: a single server. Each incident is called when the
    # aircraft is ready (at once if it is), takes off a scramble later, is overhead a transit after that,
    # stays its hour on scene, flies home, and is ready again after its turnaround.
    ready, expected = 0.0, []
    for t in times:
        called = max(t, ready)
        if called >= 24.0:
            expected.append((math.nan, math.inf))
            continue
        expected.append((called, (called - t + SCRAMBLE + T) * 60))
        ready = called + SCRAMBLE + T + SCENE + T + TURNAROUND
    got = [(x.dispatched_h, x.wait_min()) for x in r.air_responses]
    assert got == [pytest.approx(e, nan_ok=True) for e in expected]
    # the first is answered by a scramble: 10 minutes plus a quarter hour's transit
    assert got[0] == pytest.approx((times[0], 25.0))
    assert any(wait > 25.0 + 1e-6 for _, wait in got[1:])  # some waited for the busy aircraft
    assert math.isinf(got[-1][1])  # and the last was still waiting at the end
    first = [(round(e.time_h, 9), e.kind, e.detail) for e in r.events if e.entity == "hijack#1"]
    t0 = times[0]
    assert first == [
        (round(t0, 9), "air_alert", "raised; a mh60 on alert called"),
        (round(t0, 9), "air_alert", "helos called after 0.0 min; overhead in 25.0 min"),
        (round(t0 + SCRAMBLE, 9), "sortie", "helos launched for hijack#1"),
        (round(t0 + SCRAMBLE + T, 9), "air_alert", "helos overhead after 25.0 min"),
        (round(t0 + SCRAMBLE + T + SCENE, 9), "air_alert", "helos leaves the scene: on-scene time done"),
    ]
    assert not r.responses  # no ground team answers this stream


def test_an_unanswered_air_alert_counts_as_a_failure_in_the_metrics_and_targets():
    s = air_scenario(ALERT)
    r = run_replication(s)
    m = compute_all(r, Scopes.of(s))
    waits = sorted(x.wait_min() for x in r.air_responses)
    n = len(waits)
    assert m["unanswered_air_alerts"] == 1.0
    assert m["unanswered_air_alerts[city=lima]"] == 1.0
    assert m["unanswered_air_alerts[stream=hijack]"] == 1.0
    # the one never answered had waited longer than 30 minutes: not within the target, counted in n
    assert m["air_reached_within_target_frac"] == pytest.approx(sum(w <= 30 for w in waits) / n)
    assert m["air_response_within_30min_frac[stream=hijack]"] == m["air_reached_within_target_frac"]
    position = 0.9 * (n - 1)  # linear interpolation; the infinite wait is last, beyond it
    lo, hi = waits[math.floor(position)], waits[math.ceil(position)]
    p90 = lo + (hi - lo) * (position - math.floor(position))
    assert m["air_response_time_p90_min"] == pytest.approx(p90)
    p90_target, unanswered = target_specs(s)[-2:]
    assert (p90_target.column, p90_target.bound, p90_target.limit) == (
        "air_response_within_30min_frac[stream=hijack]", "ci_low", 0.9)  # fmt: skip
    assert (unanswered.column, unanswered.bound, unanswered.limit) == (
        "unanswered_air_alerts[city=lima]",
        "ci_high",
        0,
    )


def test_a_ground_team_and_an_air_alert_answer_the_same_incidents():
    body = ALERT.replace(
        "    on_scene_min: 60\n", "    on_scene_min: 60\n    team: 2\n    forces: [us]\n    travel_min: 20\n"
    )
    r = run_replication(air_scenario(body))
    assert [x.time_h for x in r.responses] == [x.time_h for x in r.air_responses]
    assert r.responses
    assert all(x.travel_h == pytest.approx(20 / 60) for x in r.responses)


def _refusal(text: str):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "air.yaml")
    return err.value.problems


def test_an_air_alert_site_out_of_reach_is_refused_on_the_alert_with_the_numbers():
    text = HEADER.replace("fuel_capacity_gal: 360", "fuel_capacity_gal: 100") + ALERT.split("targets:")[0]
    (problem,) = _refusal(text)
    assert problem.path == "incidents.hijack.air_alert.site"
    assert problem.message.startswith(
        "the air alert of incident stream 'hijack' over 'over' is out of reach of 'mh60': transit 0.25 h "
        "out and 0.25 h back"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    air_alert: {type: mh60, site: over, scramble_min: 10, target_min: 30}\n",
         "give a ground team (team, forces, travel_min), an air_alert, or both"),
        ("    on_scene_min: 60\n", "    on_scene_min: 60\n    team: 2\n"),
    ],
)  # fmt: skip
def test_an_incident_stream_needs_a_whole_ground_team_or_an_air_alert(change, message):
    body = ALERT.split("targets:")[0]
    if message.startswith("give"):
        body, expected = body.replace(change, ""), message
    else:
        body, expected = (
            body.replace(change, message),
            "a ground team needs team, forces and travel_min: forces, travel_min missing",
        )
    (problem,) = _refusal(HEADER + body)
    assert problem.path == "incidents.hijack"
    assert expected in problem.message


def test_an_air_alert_needs_aircraft_of_its_type_and_a_site_in_its_city():
    body = ALERT.split("targets:")[0].replace("  helos: {type: mh60, base: base, count: 1}\n", "  {}\n")
    body = body.replace("aircraft:\n  {}\n", "")
    (problem,) = _refusal(HEADER + body)
    assert problem.path == "incidents.hijack.air_alert.type"
    assert problem.message == "no aircraft of type 'mh60' is based anywhere to answer it"
