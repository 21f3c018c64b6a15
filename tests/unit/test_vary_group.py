"""Inputs varied together (`--vary-group`), a sweep level's values and label, and the grid frontier."""

from __future__ import annotations

import pytest

from sim.experiment.vary import (
    apply_levels,
    at_factor,
    frontier,
    group_members,
    level_label,
    parse_vary_group,
)
from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.overrides import differences
from tests.helpers.experiment_scenarios import SMALL

TWO = SMALL.replace(
    "\nposts:\n",
    "\n  host:\n    headcount: 10\n    cities: {lima: 1}\n"
    "    strength: [{from: 2024-11-05T00:00, headcount: 6}]\nposts:\n",
    1,
)
assert "host:" in TWO


@pytest.fixture(scope="module")
def two():
    return parse_scenario(TWO)


def test_a_group_scales_each_member_by_one_factor(two) -> None:
    scaled = at_factor(two, "forces.us.headcount+forces.host.headcount+posts.gate.required", 1.5)
    assert {(d.path, d.a, d.b) for d in differences(two, scaled)} == {
        ("forces.us.headcount", 24, 36),
        ("forces.host.headcount", 10, 15),
        ("forces.host.strength[0].headcount", 6, 9),  # strength steps scale with the headcount
        ("posts.gate.required", 6, 9),
    }


def test_a_star_stands_for_every_key(two) -> None:
    assert group_members(two, "forces.*.headcount") == [
        ("forces", "us", "headcount"),
        ("forces", "host", "headcount"),
    ]
    assert at_factor(two, "forces.*.headcount", 0.5).forces["host"].headcount == 5


def test_a_group_refuses_what_is_not_a_number_and_a_factor_not_above_0(two) -> None:
    with pytest.raises(ScenarioError, match=r"forces\.navy\.headcount is not in the scenario"):
        at_factor(two, "forces.navy.headcount", 2)
    with pytest.raises(ScenarioError, match=r"forces\.us\.cities is .* not a number"):
        at_factor(two, "forces.us.cities", 2)
    with pytest.raises(ScenarioError, match="a factor must be above 0"):
        parse_vary_group("forces.*.headcount=-1,1")
    assert parse_vary_group("forces.*.headcount=0.5:1:0.25").levels == (0.5, 0.75, 1)


def test_levels_apply_in_turn_and_label_the_point(two) -> None:
    s = apply_levels(two, {"troops": 30, "posts.gate.required": 4, "forces.*.headcount": 2})
    assert s.posts["gate"].required == 4
    assert s.forces["host"].headcount == 20
    assert s.forces["us"].headcount == 48  # troops are the variant's, applied by the model run
    assert level_label({"posts.gate.required": 4}) == "4"
    assert level_label({"troops": 30, "posts.gate.required": 4.0}) == "troops=30, posts.gate.required=4"


def test_the_frontier_is_the_smallest_meeting_level_per_column() -> None:
    points = [(1, 2, False), (1, 3, True), (1, 4, True), (2, 1, True), (2, 2, True), (3, 1, False)]
    assert frontier(points) == {1: 3, 2: 1, 3: None}
