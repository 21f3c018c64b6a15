"""`--vary` forms: levels from a range or a list, bounds, and the scenario at a level."""

from __future__ import annotations

import pytest

from sim.experiment.vary import at_level, parse_bounds, parse_vary
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.overrides import differences


@pytest.fixture(scope="module")
def reference():
    return load_scenario("scenarios/apec2024_peru.yaml")


def test_a_range_includes_stop_on_the_grid_and_a_list_is_sorted() -> None:
    assert parse_vary("forces.us.absence_prob=0.02:0.08:0.02").levels == (0.02, 0.04, 0.06, 0.08)
    assert parse_vary("aircraft.mh60_ag8.count=1:4:2").levels == (1, 3)
    assert parse_vary("aircraft.mh60_ag8.count=3,1,2").levels == (1, 2, 3)
    assert parse_bounds("forces.us.absence_prob=0.01:0.05") == ("forces.us.absence_prob", 0.01, 0.05)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("forces.us.absence_prob", "expected PATH=START:STOP:STEP"),
        ("x=1:0:1", "STOP (0) is below START (1)"),
        ("x=0:1:0", "STEP must be positive"),
        ("x=1,1", "listed twice"),
        ("x=0:1e9:1", "too many"),
        ("x=a,b", "expected a number, got 'a'"),
    ],
)
def test_a_malformed_vary_names_the_option(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_vary(text)
    assert str(e.value).startswith(f"--vary {text}:")
    assert message in str(e.value)


def test_the_scenario_at_a_level_differs_in_that_path_only(reference) -> None:
    changed = at_level(reference, "aircraft.mh60_ag8.count", 2.0)
    assert [(d.path, d.a, d.b) for d in differences(reference, changed)] == [
        ("aircraft.mh60_ag8.count", 3, 2)
    ]
    assert at_level(reference, "troops", 450) == reference.with_troops(450)


def test_a_level_the_schema_refuses_is_named(reference) -> None:
    with pytest.raises(ScenarioError) as e:
        at_level(reference, "forces.us.absence_prob", 1.5)
    assert str(e.value).startswith("--vary forces.us.absence_prob=1.5: forces.us.absence_prob:")
