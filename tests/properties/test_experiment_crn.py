"""Common random numbers: a replication sees the same world at every troop level (DESIGN §7)."""

from __future__ import annotations

import numpy as np

from sim.experiment.executors import Variant, WorkerState, run_batch
from sim.experiment.plan import Batch
from sim.experiment.rows import format_float
from sim.metrics import Scopes, compute_all, compute_metrics, metric_columns
from sim.model import run_replication
from sim.scenario import parse_scenario
from tests.helpers.experiment_scenarios import SMALL


def _world(record):
    """What the troop level must not change: when flights land and when incidents happen. (Later
    movements may start later when escorts are short: that is the staffing's effect, not noise.)"""
    arrivals = sorted((m.delegation, m.due_h) for m in record.movements if m.kind == "arrival")
    incidents = sorted(r.time_h for r in record.responses)
    return arrivals, incidents


def test_arrival_and_incident_times_are_identical_across_troop_levels():
    s = parse_scenario(SMALL)
    for replication in range(5):
        worlds = [_world(run_replication(s, replication, troops=t)) for t in (12, 18, 24, 40)]
        assert all(w == worlds[0] for w in worlds)
        assert worlds[0][0]
        assert worlds[0][1]


def test_replications_differ_from_each_other():
    s = parse_scenario(SMALL)
    assert _world(run_replication(s, 0, troops=24)) != _world(run_replication(s, 1, troops=24))


def test_an_experiment_job_is_the_model_run_at_that_seed_replication_and_level():
    s = parse_scenario(SMALL)
    columns = tuple(metric_columns(s))
    state = WorkerState((Variant("18", s, 18), Variant("24", s, 24)), seed=5, columns=columns)
    for v, troops in ((0, 18), (1, 24)):
        row = run_batch(state, Batch(v, 3, 4)).rows_csv.strip().split(",")
        expected = compute_all(run_replication(s, 3, seed=5, troops=troops), Scopes.of(s))
        assert list(expected) == list(columns)
        assert row[:2] == [str(troops), "3"]
        assert row[2:] == [format_float(x) for x in expected.values()]


def test_more_troops_never_lower_coverage_in_the_same_replication():
    """On common random numbers a larger crew never has fewer people present (inverse-CDF absences)."""
    s = parse_scenario(SMALL)
    for replication in range(10):
        cov = [
            compute_metrics(run_replication(s, replication, troops=t))["post_coverage"] for t in (12, 18, 24)
        ]
        assert np.all(np.diff(cov) >= 0)
