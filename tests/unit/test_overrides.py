"""`PATH=VALUE` overrides: exactly the named value changes; a bad path or value is a located error."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.overrides import differences, parse_override, with_overrides

REFERENCE = "scenarios/apec2024_peru.yaml"


@pytest.fixture(scope="module")
def reference():
    return load_scenario(REFERENCE)


def test_an_override_changes_exactly_that_value(reference) -> None:
    changed = with_overrides(reference, ["forces.us.absence_prob=0.04", "aircraft.mh60_ag8.count=2"])
    found = {(d.path, d.a, d.b) for d in differences(reference, changed)}
    assert found == {("forces.us.absence_prob", 0.02, 0.04), ("aircraft.mh60_ag8.count", 3, 2)}
    assert changed.forces["us"].absence_prob == 0.04
    assert changed.aircraft["mh60_ag8"].count == 2


def test_a_mapping_of_python_values_is_the_same_as_texts(reference) -> None:
    by_text = with_overrides(reference, ["forces.us.absence_prob=0.04"])
    assert with_overrides(reference, {"forces.us.absence_prob": 0.04}) == by_text


def test_a_list_item_and_a_default_can_be_overridden(reference) -> None:
    changed = with_overrides(reference, {"posts.palace_guard.daily[0].required": 3})
    assert [d.path for d in differences(reference, changed)] == ["posts.palace_guard.daily[0].required"]
    assert changed.posts["palace_guard"].daily[0].required == 3


def test_no_override_is_the_same_scenario(reference) -> None:
    assert with_overrides(reference, {}) is reference
    assert differences(reference, with_overrides(reference, {"forces.us.absence_prob": 0.02})) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "forces.us.absense_prob=0.1",
            "forces.us has no field 'absense_prob' (did you mean 'absence_prob'?)",
        ),
        (
            "forces.usa.absence_prob=0.1",
            "forces has no force named 'usa' (known: us, host_police, host_military)",
        ),
        ("forces.us.absence_prob=2", "forces.us.absence_prob: Input should be less than or equal to 1"),
        # 0.9 for Lima + the reference's 0.45545 (Pisco) + 0.0594 (Chiclayo)
        ("forces.us.cities.lima=0.9", "forces.us.cities: shares must sum to 1, got 1.41485"),
        ("posts.palace_guard.daily[9].required=3", "posts.palace_guard.daily is a list of 1 items"),
        ("forces.us.absence_prob", "expected PATH=VALUE"),
        ("=3", "the path is empty"),
    ],
)
def test_a_bad_path_or_value_names_the_override(reference, text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as e:
        with_overrides(reference, [text])
    assert str(e.value).startswith(f"--set {text}"), str(e.value)
    assert message in str(e.value)


def test_values_are_read_as_yaml() -> None:
    assert parse_override("a.b=3").value == 3
    assert parse_override("a.b=0.04").value == 0.04
    assert parse_override("a.b={kind: exponential, mean: 20}").value == {"kind": "exponential", "mean": 20}
    assert parse_override("posts.x.daily[0].from=12:00").path == ("posts", "x", "daily", 0, "from")
