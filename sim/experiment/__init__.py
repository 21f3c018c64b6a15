"""Monte Carlo experiments over the summit model: replications, staffing sweeps, paired comparisons.

`options` says how to run (one typed record for the API and the command line), `design` what to compare
(scenarios, variants, replication plan, seed), `plan` how many replications and in which batches,
`executors` where they run (this process, local processes, a Dask cluster), `execute` runs them into a
store, `rows` formats a replication's rows, `tables` turns replications into summaries, differences and
target checks, and `distributions` keeps escort waits and response times as fixed-size histograms.
Nothing here writes files: the results layer (sim.results) keeps the batches and writes the folder.
The names below are imported on first use (sim.lazy).
"""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.experiment.design import BadExperiment, Design, design_compare, design_run, design_sweep
    from sim.experiment.execute import Interrupted
    from sim.experiment.options import RunOptions
    from sim.experiment.plan import Plan, parse_troops

__all__ = [
    "BadExperiment",
    "Design",
    "Interrupted",
    "Plan",
    "RunOptions",
    "design_compare",
    "design_run",
    "design_sweep",
    "parse_troops",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.experiment.design": ["BadExperiment", "Design", "design_compare", "design_run", "design_sweep"],
        "sim.experiment.execute": ["Interrupted"],
        "sim.experiment.options": ["RunOptions"],
        "sim.experiment.plan": ["Plan", "parse_troops"],
    },
)
