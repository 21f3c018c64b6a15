"""summit-sim: discrete-event simulation of summit security staffing, air coverage and fuel."""

from sim.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = ["Scenario", "ScenarioError", "__version__", "load_scenario"]
