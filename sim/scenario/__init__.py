"""Scenario files: load, validate, and the frozen typed config the model runs on."""

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import (
    load_scenario,
    parse_scenario,
    scenario_data,
    scenario_from_data,
    scenario_yaml,
)
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "scenario_data",
    "scenario_from_data",
    "scenario_yaml",
]
