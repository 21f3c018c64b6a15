"""Monte Carlo experiments over the summit model: replications, staffing sweeps, paired comparisons.

`plan` says what to run, `executors` where (this process, local processes, a Dask cluster), `runner`
runs it into a results folder, `tables` turns `replications.csv` into summaries and differences, and
`distributions` keeps escort waits and response times as fixed-size histograms.
"""

from sim.experiment.plan import Plan, parse_troops
from sim.experiment.runner import (
    BadExperiment,
    Interrupted,
    Outcome,
    ResumeError,
    compare,
    resume,
    run,
    sweep,
)

__all__ = [
    "BadExperiment",
    "Interrupted",
    "Outcome",
    "Plan",
    "ResumeError",
    "compare",
    "parse_troops",
    "resume",
    "run",
    "sweep",
]
