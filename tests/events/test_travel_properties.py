"""Travel between sites on random small scenarios (hypothesis).

1. With `travel.between_posts` off, the new fields (zones, a reserve site, a city time zone equal to the
   scenario's) change nothing: the records are identical to those of the same scenario without them.
2. With it on, on the same seed, coverage is never better than with it off, for scenarios of posts
   only, served by one force: the instant pool staffs min(people on duty, people required) at every
   instant, the most possible; with travel, people on the road serve nowhere, so at every instant the
   posts have at most min(on duty - on the road, required). (With tasks it is not a theorem: a task
   that starts later can leave people free for a post earlier, and escorts then run at other times.)
3. Every shipped example runs with the switch on, within the books' bounds.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import run_replication
from sim.model.record import ReplicationRecord
from sim.scenario import load_scenario, scenario_from_data

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def two_site_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Posts at two sites `road` minutes apart, staffed by one force on a random shift pattern."""
    posts = {}
    for i in range(draw(st.integers(1, 4))):
        a = draw(st.integers(0, 22))
        b = draw(st.integers(a + 1, 24))
        end = "2024-11-05T00:00" if b == 24 else f"2024-11-04T{b:02d}:00"
        posts[f"p{i}"] = {
            "site": draw(st.sampled_from(["north", "south"])),
            "required": draw(st.integers(1, 4)),
            "forces": ["police"],
            "priority": draw(st.integers(1, 5)),
            "windows": [{"start": f"2024-11-04T{a:02d}:00", "end": end}],
        }
    pattern = draw(st.sampled_from(["continuous", "12on12off", "8h3crew"]))
    return {
        "name": "two_sites",
        "timezone": "America/Lima",
        "start": "2024-11-04T00:00",
        "end": "2024-11-05T00:00",
        "seed": draw(st.integers(0, 2**16)),
        "cities": {"lima": {"lat": -12.05, "lon": -77.04}},
        "sites": {"north": {"city": "lima"}, "south": {"city": "lima"}},
        "travel": {
            "between_posts": draw(st.booleans()),
            "legs": [{"between": ["north", "south"], "minutes": draw(st.integers(0, 120))}],
        },
        "forces": {
            "police": {
                "headcount": draw(st.integers(0, 12)),
                "cities": {"lima": 1.0},
                "absence_prob": draw(st.sampled_from([0.0, 0.2])),
                "shift": {"pattern": pattern, "handover_min": draw(st.sampled_from([0, 30]))},
            }
        },
        "posts": posts,
    }


def _same(a: ReplicationRecord, b: ReplicationRecord) -> None:
    assert a.posts == b.posts
    assert a.gaps == b.gaps
    assert a.duty == b.duty
    assert a.events == b.events
    assert a.n_events == b.n_events


@SETTINGS
@given(two_site_scenarios(), st.sampled_from(["north", "south"]))
def test_with_the_switch_off_the_new_fields_change_nothing(data: dict[str, Any], reserve: str):
    data["travel"]["between_posts"] = False
    plain = scenario_from_data(data)
    dressed = copy.deepcopy(data)
    dressed["cities"]["lima"].update(reserve_site=reserve, timezone="America/Lima")
    dressed["sites"]["north"]["zone"] = dressed["sites"]["south"]["zone"] = "centre"
    _same(run_replication(plain, trace=True), run_replication(scenario_from_data(dressed), trace=True))


@SETTINGS
@given(two_site_scenarios())
def test_with_travel_on_coverage_is_never_better_than_with_it_off(data: dict[str, Any]):
    data["travel"]["between_posts"] = False
    off = run_replication(scenario_from_data(data))
    data["travel"]["between_posts"] = True
    on = run_replication(scenario_from_data(data))
    required = sum(p.required_ph for p in off.posts.values())
    assert required == sum(p.required_ph for p in on.posts.values())
    staffed_off = sum(p.staffed_ph for p in off.posts.values())
    staffed_on = sum(p.staffed_ph for p in on.posts.values())
    assert staffed_on <= staffed_off + 1e-9 * max(1.0, required)
    on_duty = sum(d.on_duty_ph for d in on.duty.values())
    assert on_duty == sum(d.on_duty_ph for d in off.duty.values())  # the same people, on common numbers
    transit = sum(d.transit_ph for d in on.duty.values())
    assert staffed_on + transit <= on_duty + 1e-9 * max(1.0, on_duty)


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "scenarios" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs_with_travel_between_posts_on(path: Path):
    """Escorts, responses, staged teams, hold-over swaps, aircrews and fuel trucks on a board whose
    people stand at sites: no post is staffed beyond its requirement, no one is busy beyond on duty,
    and the hours on the road are part of the busy hours."""
    s = load_scenario(path)
    on = s.model_copy(update={"travel": s.travel.model_copy(update={"between_posts": True})})
    r = run_replication(on, 0)
    for name, post in r.posts.items():
        assert post.staffed_ph <= post.required_ph + 1e-9 * max(1.0, post.required_ph), name
    for key, d in r.duty.items():
        assert 0 <= d.transit_ph <= d.busy_ph + 1e-9 * max(1.0, d.busy_ph), key
        assert d.busy_ph <= d.on_duty_ph + 1e-9 * max(1.0, d.on_duty_ph), key
