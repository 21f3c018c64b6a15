"""Results are identical to the last digit whatever runs the replications (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import parse_scenario
from tests.helpers.experiment_scenarios import SMALL
from tests.helpers.experiments import sweep

TABLES = ["replications.csv", "gaps.csv", "summary.csv", "differences.csv", "targets.csv"]
LEVELS = [12, 18, 24, 30]


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("serial") / "sweep"
    sweep(parse_scenario(SMALL), LEVELS, replications=30, workers=1, out=out)
    return _files(out)


def test_serial_sweep_has_a_row_per_level_and_replication(serial):
    lines = serial["replications.csv"].decode().splitlines()
    assert lines[0].startswith("troops,replication,post_coverage,")
    keys = [tuple(map(int, line.split(",")[:2])) for line in lines[1:]]
    assert keys == [(t, r) for t in LEVELS for r in range(30)]
    assert serial["gaps.csv"].count(b"\n") > 30  # the small levels fall short


def test_two_local_workers_give_identical_files(serial, tmp_path):
    out = tmp_path / "two"
    sweep(parse_scenario(SMALL), LEVELS, replications=30, workers=2, out=out)
    assert _files(out) == serial


def test_dask_local_cluster_gives_identical_files(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        out = tmp_path / "dask"
        outcome = sweep(
            parse_scenario(SMALL), LEVELS, replications=30, scheduler=cluster.scheduler_address, out=out
        )
    assert outcome.manifest.runs[-1].workers == 2
    assert _files(out) == serial
