"""summit-sim: discrete-event simulation of summit security staffing, air coverage and fuel."""

from sim.api import Results, compare, load_results, resume, run, sweep
from sim.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "resume",
    "run",
    "sweep",
]
