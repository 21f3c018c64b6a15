"""The incremental duty board (issue 14) gives exactly what walking every demand at every change gives.

Two kinds of random input, each run twice on the same seed, once with `CityBoard.incremental` (the
default) and once with the full walk (`_assign_all`), and compared whole, in order:

- random scripts played straight on one city's board: many posts drawing on up to three forces in
  random orders of preference, crews coming on and going off (hand-overs, hold-over caps, fresh-first
  pools), people added and sent off outside the rotation, requirements changing, and escorts or
  responses asked for, given up on or released, all on a quarter-hour grid so that many changes fall
  in the same instant;
- random whole scenarios (`tests.helpers.validation_strategies`), with up to twelve more posts so that
  a city's board holds many demands on the same pools;
- every shipped scenario (the reference and the examples: staged teams, aircrews, air alerts, which
  the random scenarios do not draw).

What is compared: every trace line in its order, the gaps in the order recorded, every post's and
pool's person-hour books, the waiting-queue steps, when each task started and with which crews' people,
and (for scenarios) movements, responses and the event count. The prefix sums the board keeps
(`_Fenwick`) are checked against plain sums.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import run_replication
from sim.model.board import CityBoard, _Fenwick
from sim.model.record import DutyTotals, PostTotals, Recorder
from sim.scenario import Scenario, load_scenario
from sim.scenario.checks import check_scenario
from tests.helpers import ROOT
from tests.helpers.validation_strategies import scenario_data

FORCES = ["f0", "f1", "f2"]
QUARTERS = 48  # a script runs over 12 hours, on a 15-minute grid
SCRIPTS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCENARIOS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the prefix sums it keeps ----------------------------------------------------------------------
@given(
    st.lists(st.integers(0, 9), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 9)), max_size=20),
    st.integers(-2, 200),
)
def test_fenwick_prefix_sums_and_search_match_plain_sums(counts, changes, x):
    tree = _Fenwick(len(counts))
    for i, c in enumerate(counts):
        tree.add(i, c)
    for i, c in changes:  # set count i to c
        i %= len(counts)
        tree.add(i, c - counts[i])
        counts[i] = c
    sums = [sum(counts[:i]) for i in range(len(counts) + 1)]
    assert [tree.prefix(i) for i in range(len(counts) + 1)] == sums
    assert tree.total == sums[-1]
    first = next((i for i in range(len(counts)) if sums[i + 1] >= x), len(counts))
    assert tree.reaching(x) == first


# -- scripts played on one board ---------------------------------------------------------------------
@st.composite
def scripts(draw: st.DrawFn) -> dict[str, Any]:
    """Posts and a list of timed changes for one city's board."""
    some_forces = st.lists(st.sampled_from(FORCES), min_size=1, max_size=3, unique=True)
    posts = [
        (draw(some_forces), draw(st.integers(1, 5)), draw(st.booleans()))
        for _ in range(draw(st.integers(1, 14)))
    ]
    at = st.integers(0, QUARTERS - 1)
    ops: list[tuple] = []
    for _ in range(draw(st.integers(1, 10))):  # crews: (at, force, label, people, shift, cap, fresh)
        ops.append(("crew", draw(at), draw(st.sampled_from(FORCES)), draw(st.sampled_from("ABC")),
                    draw(st.integers(0, 12)), draw(st.integers(1, 24)),
                    draw(st.sampled_from([None, 0, 2])), draw(st.booleans())))  # fmt: skip
    for _ in range(draw(st.integers(0, 4))):  # people outside the rotation: (at, force, delta)
        ops.append(("supply", draw(at), draw(st.sampled_from(FORCES)), draw(st.integers(-4, 6))))
    for _ in range(draw(st.integers(0, 30))):  # requirements: (at, post, required)
        ops.append(("require", draw(at), draw(st.integers(0, len(posts) - 1)), draw(st.integers(0, 8))))
    for _ in range(draw(st.integers(0, 25))):  # tasks: (at, forces, size, priority, patience, hold)
        ops.append(("task", draw(at), draw(some_forces), draw(st.integers(1, 6)), draw(st.integers(1, 5)),
                    draw(st.integers(0, 12)), draw(st.integers(0, 16))))  # fmt: skip
    return {"posts": posts, "ops": ops}


def _play(script: dict[str, Any], incremental: bool) -> str:
    """Run a script on a fresh board; everything it recorded, in order."""
    env = simpy.Environment()
    rec = Recorder(trace=True)
    board = CityBoard(env, "lima", rec)
    board.incremental = incremental
    for f in FORCES:
        board.add_pool(f, "security", DutyTotals())
    slots = [
        board.add_post(f"p{i}", "lcc", forces, "security", priority, PostTotals("lima", "lcc", critical))
        for i, (forces, priority, critical) in enumerate(script["posts"])
    ]
    started: list[tuple] = []

    def crew(at, force, label, people, shift, cap, fresh):
        yield env.timeout(at / 4)
        leave = env.now + shift / 4
        board.crew_on(
            force, "security", label, people, leave, float("inf") if cap is None else cap / 4, fresh
        )
        yield env.timeout(shift / 4)
        board.crew_off(force, "security", label)

    def supply(at, force, delta):
        yield env.timeout(at / 4)
        standing = next((c for c in board.crews[(force, "security")] if c.label == ""), None)
        free = standing.present - standing.held if standing is not None else 0
        board.change_supply(force, "security", max(delta, -free))

    def require(at, post, required):
        yield env.timeout(at / 4)
        board.set_required(slots[post], required)

    def task(i, at, forces, size, priority, patience, hold):
        yield env.timeout(at / 4)
        t = board.request("response", f"t{i}", "", forces, size, priority)
        yield t.event | env.timeout(patience / 4)
        if not t.event.triggered:
            board.cancel(t)
            return
        started.append((i, env.now, sorted(t.team.items()), sorted((c.label, n) for c, n in t.drawn.items())))
        yield env.timeout(hold / 4)
        board.release(t)

    for i, (kind, *args) in enumerate(script["ops"]):
        process = {"crew": crew, "supply": supply, "require": require}.get(kind)
        env.process(process(*args) if process is not None else task(i, *args))
    env.run(until=QUARTERS / 4 + 6)
    board.finish(env.now)
    return repr(
        (
            rec.events,
            rec.gaps,
            started,
            rec.waiting,
            sorted((name, vars(t)) for name, t in rec.posts.items()),
            sorted((k, vars(d)) for k, d in rec.duty.items()),
            [(p.name, p.staffed) for p in board.posts],
        )
    )


@SCRIPTS
@given(scripts())
def test_incremental_board_equals_the_full_walk_on_random_scripts(script):
    assert _play(script, incremental=True) == _play(script, incremental=False)


# -- whole scenarios -------------------------------------------------------------------------------
@st.composite
def crowded_scenarios(draw: st.DrawFn) -> Scenario:
    """A random valid scenario with up to twelve more posts, on its own sites and forces."""
    data = draw(scenario_data())
    posts = data["posts"]
    for i in range(draw(st.integers(0, 12))):
        post = copy.deepcopy(posts[draw(st.sampled_from(sorted(posts)))]) if posts else None
        if post is None:
            break
        post["required"] = draw(st.integers(0, 8))
        post["priority"] = draw(st.integers(1, 9))
        post["forces"] = draw(st.lists(st.sampled_from(sorted(data["forces"])), min_size=1, max_size=3,
                                       unique=True))  # fmt: skip
        post["site"] = draw(st.sampled_from(sorted(data["sites"])))
        posts[f"extra{i}"] = post
    s = Scenario.model_validate(data)
    assert not check_scenario(s)
    return s


def _fingerprint(s: Scenario, replication: int) -> str:
    r = run_replication(s, replication, trace=True)
    return repr(
        (
            r.events,
            r.gaps,
            r.movements,
            r.responses,
            r.air_responses,
            r.waiting,
            r.n_events,
            sorted((name, vars(t)) for name, t in r.posts.items()),
            sorted((k, vars(d)) for k, d in r.duty.items()),
        )
    )  # (repr: a record's NaN, for a movement that never started, equals itself)


@SCENARIOS
@given(crowded_scenarios(), st.integers(0, 3))
def test_incremental_board_equals_the_full_walk_on_random_scenarios(s, replication):
    fast = _fingerprint(s, replication)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(CityBoard, "incremental", False)
        slow = _fingerprint(s, replication)
    assert fast == slow


SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "examples").glob("*.yaml")
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_incremental_board_equals_the_full_walk_on_shipped_scenarios(monkeypatch, path):
    s = load_scenario(path)
    fast = _fingerprint(s, 0)
    monkeypatch.setattr(CityBoard, "incremental", False)
    assert fast == _fingerprint(s, 0)
