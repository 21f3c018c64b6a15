"""A scenario as plain data and as YAML text (`scenario_data`, `scenario_from_data`, `scenario_yaml`): for
scenarios built or changed in code, validated exactly as files are."""

from __future__ import annotations

import pytest

from sim.scenario import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    scenario_data,
    scenario_from_data,
    scenario_yaml,
)
from tests.helpers import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("**/*.yaml"))
SCENARIOS = [p for p in SCENARIOS if "validation" not in p.parts]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_data_and_yaml_read_back_to_the_same_scenario(path):
    s = load_scenario(path)
    assert scenario_from_data(scenario_data(s)) == s
    assert parse_scenario(scenario_yaml(s)) == s


def test_data_spells_the_file_plainly():
    data = scenario_data(load_scenario(ROOT / "scenarios/examples/air_fuel.yaml"))
    assert data["start"] == "2024-11-14T00:00"
    assert data["air_coverage"]["venue_overwatch"]["daily"] == [{"from": "07:00", "to": "22:00"}]
    assert data["forces"]["us"]["shift"] == {"handover_min": 30.0}  # the defaults are left out
    assert data["aircraft_types"]["mh60"]["repair_h"] == {"kind": "lognormal", "mean": 6.0, "sd": 4.0}
    assert "absence_prob" not in data["forces"]["us"]  # a default is left out


def test_a_change_in_code_is_validated_with_located_problems():
    data = scenario_data(load_scenario(ROOT / "scenarios/examples/one_post.yaml"))
    data["posts"]["venue_gate"]["site"] = "stadium"
    with pytest.raises(ScenarioError) as e:
        scenario_from_data(data, "edited")
    assert str(e.value) == "edited: posts.venue_gate.site: unknown site 'stadium' (known: venue)"
    data["posts"]["venue_gate"]["requird"] = 3
    with pytest.raises(ScenarioError, match=r"posts\.venue_gate\.requird: unknown key"):
        scenario_from_data(data, "edited")
