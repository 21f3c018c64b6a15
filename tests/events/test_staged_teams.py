"""Staged reaction teams (issue 13): the nearest ready team goes, response = dispatch + road time, and
an incident with every team out waits for the first one back."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.model import run_replication
from sim.model.board import CityBoard
from sim.model.record import Recorder
from sim.model.staged import add_staged, staged_stream
from sim.scenario import ScenarioError
from sim.scenario.schema import IncidentStream
from tests.helpers.tiny import HEADER, tiny

ROAD_MIN = {("hotel", "lcc"): 20.0, ("airport", "lcc"): 40.0, ("airport", "hotel"): 30.0}


def _minutes(a: str, b: str) -> float:
    return 0.0 if a == b else ROAD_MIN.get((a, b), ROAD_MIN.get((b, a), float("nan")))


def _run(people: int, times: list[float], sites: list[str], on_scene_min: float = 36.0) -> Recorder:
    """Teams of 2 from `qrf` staged one at the hotel and one at the airport (listed in that order),
    `people` qrf on duty, dispatch 3 min, on scene `on_scene_min`."""
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    board.change_supply("qrf", "security", people)
    inc = IncidentStream.model_validate(
        {"city": "lima", "rate_per_day": 1, "team": 2, "forces": ["qrf"], "on_scene_min": on_scene_min,
         "staged": [{"site": "hotel"}, {"site": "airport"}], "sites": {"lcc": 1, "airport": 1},
         "dispatch_min": 3}
    )  # fmt: skip
    teams = add_staged(env, board, rec, "riot", inc, _minutes, 0.0)
    n = len(times)
    env.process(staged_stream(env, teams, rec, "lima", "riot", inc, np.array(times), sites,
                              np.full(n, 3 / 60), np.full(n, on_scene_min / 60)))  # fmt: skip
    env.run(until=10)
    return rec


def _log(rec: Recorder) -> list[tuple[float, str, str, str, str]]:
    return [(round(e.time_h, 9), e.kind, e.site, e.entity, e.detail) for e in rec.events if e.kind != "post"]


def test_nearer_team_goes_and_its_response_is_dispatch_plus_road_time():
    rec = _run(4, [1.0], ["lcc"])
    # hotel -> lcc 20 min beats airport -> lcc 40 min; busy 3 + 20 + 36 + 20 = 79 min.
    assert _log(rec) == [
        (1.0, "incident", "lcc", "riot#1", "raised; nearest staged team called"),
        (1.0, "response", "lcc", "riot#1", "team from hotel sent after 0.0 min; on scene in 23.0 min"),
        (round(1 + 79 / 60, 9), "response", "hotel", "riot#1", "cleared; team back at its site"),
    ]
    assert [round(r.response_min, 9) for r in rec.responses] == [23.0]
    assert rec.posts["riot@hotel"].critical is False  # the staging posts are ordinary posts


def test_nearest_ready_team_goes_when_the_nearest_is_out_and_then_the_incident_waits():
    # 1.0 at the lcc: hotel team (20 min). 1.1 at the airport: airport team (0 min road).
    # 1.2 at the lcc: both out; the airport team is back first (1.1 + (3 + 0 + 36 + 0)/60 = 1.75), before
    # the hotel team (1 + 79/60 = 2.3167), so it goes, 40 min away.
    rec = _run(4, [1.0, 1.1, 1.2], ["lcc", "airport", "lcc"])
    assert _log(rec) == [
        (1.0, "incident", "lcc", "riot#1", "raised; nearest staged team called"),
        (1.0, "response", "lcc", "riot#1", "team from hotel sent after 0.0 min; on scene in 23.0 min"),
        (1.1, "incident", "airport", "riot#2", "raised; nearest staged team called"),
        (1.1, "response", "airport", "riot#2", "team from airport sent after 0.0 min; on scene in 3.0 min"),
        (1.2, "incident", "lcc", "riot#3", "raised; nearest staged team called"),
        (1.75, "response", "airport", "riot#2", "cleared; team back at its site"),
        (1.75, "response", "lcc", "riot#3", "team from airport sent after 33.0 min; on scene in 43.0 min"),
        (round(1 + 79 / 60, 9), "response", "hotel", "riot#1", "cleared; team back at its site"),
        (round(1.75 + 119 / 60, 9), "response", "airport", "riot#3", "cleared; team back at its site"),
    ]
    assert [round(r.response_min, 9) for r in rec.responses] == [23.0, 3.0, 33.0 + 43.0]


def test_a_team_without_its_people_on_duty_is_not_ready():
    # Only 2 qrf on duty: the hotel post (listed first, same priority) takes them, the airport team has
    # no one, so the hotel team goes even to the airport, and a second incident waits for it.
    rec = _run(2, [1.0, 1.2], ["airport", "airport"])
    responses = [(r.dispatched_h, round(r.response_min, 9)) for r in rec.responses]
    busy_h = (3 + 30 + 36 + 30) / 60
    assert responses == [(1.0, 33.0), (1.0 + busy_h, round((1.0 + busy_h - 1.2) * 60 + 33.0, 9))]


SCENARIO = """
    forces:
      police:
        headcount: 8
        cities: {lima: 1}
        shift: {pattern: continuous}
    incidents:
      riot:
        city: lima
        rate_per_day: 6
        team: 2
        forces: [police]
        on_scene_min: 30
        staged: [{site: hotel, teams: 1}, {site: airport, teams: 1}]
        sites: {lcc: 2, airport: 1}
        dispatch_min: 2
"""


def test_staged_scenario_runs_reserves_its_posts_and_repeats_with_the_seed():
    s = tiny(SCENARIO)
    a, b = run_replication(s, seed=3), run_replication(s, seed=3)
    assert a.responses == b.responses
    assert len(a.responses) > 0
    # each staged site is a post of teams x team people, required for the whole run (48 h)
    assert a.posts["riot@hotel"].required_ph == pytest.approx(2 * 48)
    assert a.posts["riot@airport"].required_ph == pytest.approx(2 * 48)
    # every response is dispatch (2 min) + road time from the hotel (20 to lcc, 30 to the airport) or
    # the airport (40 to lcc, 0 to itself)
    assert {round(r.travel_h * 60, 9) for r in a.responses} <= {22.0, 32.0, 42.0, 2.0}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("        travel_min: 5\n", "drop `travel_min`"),
        ("        site: lcc\n", r"give `site` or `sites` \(not both\)"),
        ("        busy_includes_travel: false\n", "busy_includes_travel"),
    ],
)
def test_staged_stream_refuses_what_does_not_apply(extra: str, message: str):
    with pytest.raises(ScenarioError, match=message):
        tiny(SCENARIO + extra)


def test_staged_sites_must_exist_in_the_stream_city():
    with pytest.raises(ScenarioError, match="unknown site 'nowhere'"):
        tiny(SCENARIO.replace("{site: airport, teams: 1}", "{site: nowhere, teams: 1}"))


def test_site_without_staged_teams_is_refused():
    body = SCENARIO.replace("        staged: [{site: hotel, teams: 1}, {site: airport, teams: 1}]\n", "")
    with pytest.raises(ScenarioError, match="only used with `staged`"):
        tiny(body)


def test_incident_waits_for_the_staging_post_to_get_its_people():
    # No qrf on duty until 2.0: the incident raised at 1.0 waits; 2 people come on at 2.0 and the hotel
    # post (listed first) takes them, so the hotel team goes at once, 30 min from the airport.
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    inc = IncidentStream.model_validate(
        {"city": "lima", "rate_per_day": 1, "team": 2, "forces": ["qrf"], "on_scene_min": 10,
         "staged": [{"site": "hotel"}, {"site": "airport"}], "site": "airport"}
    )  # fmt: skip
    teams = add_staged(env, board, rec, "riot", inc, _minutes, 0.0)
    env.process(staged_stream(env, teams, rec, "lima", "riot", inc, np.array([1.0]), ["airport"],
                              np.zeros(1), np.full(1, 10 / 60)))  # fmt: skip

    def come_on():
        yield env.timeout(2.0)
        board.change_supply("qrf", "security", 2)

    env.process(come_on())
    env.run(until=10)
    assert [(r.dispatched_h, round(r.response_min, 9)) for r in rec.responses] == [(2.0, 60.0 + 30.0)]
    assert rec.waiting["response"] == [(0.0, 0), (1.0, 1), (2.0, 0)]


def test_staged_teams_keep_the_stream_incident_times_common_random_numbers():
    # The incidents' sites and dispatch times have their own random streams: with or without staged
    # teams, the same incidents arise at the same times.
    idle = SCENARIO.replace(
        "        staged: [{site: hotel, teams: 1}, {site: airport, teams: 1}]\n"
        "        sites: {lcc: 2, airport: 1}\n"
        "        dispatch_min: 2\n",
        "        travel_min: 10\n",
    )
    staged, whoever = run_replication(tiny(SCENARIO), seed=5), run_replication(tiny(idle), seed=5)
    assert [r.time_h for r in staged.responses] == [r.time_h for r in whoever.responses]
    assert "riot@hotel" not in whoever.posts


def test_staged_site_in_another_city_is_refused():
    header = HEADER.replace(
        "{lima: {lat: -12.05, lon: -77.04}}",
        "{lima: {lat: -12.05, lon: -77.04}, cusco: {lat: -13.5, lon: -72}}",
    )
    header = header.replace(
        "  airport: {city: lima, kind: airport}\n",
        "  airport: {city: lima, kind: airport}\n  far: {city: cusco, kind: hotel}\n",
    )
    with pytest.raises(ScenarioError, match="site 'far' is in cusco, but the stream's incidents are in lima"):
        tiny(SCENARIO.replace("{site: airport, teams: 1}", "{site: far, teams: 1}"), header)
