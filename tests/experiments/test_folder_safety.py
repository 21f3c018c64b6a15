"""An experiment's folder never lies (issue 11): an `.incomplete` folder is locked against a second
writer (one refused, the result exact), a lock left by a killed run is taken over, the last step checks
that every (level, replication) is there exactly once before the folder gets its final name, a folder
whose manifest or parts were edited is refused with a clear message, and a Dask cluster lost mid-run
leaves the folder incomplete and resumable."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment import Interrupted
from sim.results import ResumeError
from sim.results.experiment import IncompleteResults, kept_folder
from sim.results.lock import LOCK_NAME, FolderLocked, acquire
from sim.results.parts import PartStore
from tests.helpers.experiment_scenarios import write
from tests.helpers.experiments import resume, run

REPS = 1500  # long enough (a few seconds) for a second process to arrive mid-run
TABLES = ["replications.csv", "gaps.csv", "summary.csv", "targets.csv", "distributions.csv"]


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def reference(scenario_file, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "run"
    run(scenario_file, troops=21, replications=REPS, workers=1, out=out)
    return _tables(out)


def _start_cli(scenario_file: Path, out: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "sim", "run", str(scenario_file), "--troops", "21", "-n", str(REPS),
           "--workers", "1", "--out", str(out), "--quiet"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for_parts(proc: subprocess.Popen[str], work: Path, n: int = 2) -> None:
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if (work / "parts").is_dir() and len(list((work / "parts").glob("*.rows.csv"))) >= n:
            return
        time.sleep(0.005)
    pytest.fail("the run finished (or never started) before the second process came: raise REPS")


def _resume_cli(work: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sim", "run", "--resume", str(work), "--workers", "1", "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _keys(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split(",")[:2]) for line in path.read_text().splitlines()[1:]]  # type: ignore[misc]


# Two writers on one folder


def test_a_second_writer_is_refused_and_the_result_is_exact(scenario_file, reference, tmp_path):
    out = tmp_path / "run"
    work = tmp_path / "run.incomplete"
    first = _start_cli(scenario_file, out)
    _wait_for_parts(first, work)
    lock = json.loads((work / LOCK_NAME).read_text())
    assert lock["pid"] == first.pid
    second = _resume_cli(work)
    _, first_err = first.communicate(timeout=120)
    assert second.returncode == 2, second.stderr
    assert f"is being written by pid {first.pid} on {socket.gethostname()}" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, first_err
    assert not work.exists()
    assert not (out / LOCK_NAME).exists()
    assert _keys(out / "replications.csv") == [("21", str(r)) for r in range(REPS)]
    assert _tables(out) == reference
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["complete"]  # the refused resume left no trace


def test_a_stale_lock_is_taken_over(scenario_file, reference, tmp_path):
    """A run killed with SIGKILL leaves its lock; --resume sees its pid is gone and takes it over."""
    out = tmp_path / "killed"
    work = tmp_path / "killed.incomplete"
    first = _start_cli(scenario_file, out)
    _wait_for_parts(first, work)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    assert json.loads((work / LOCK_NAME).read_text())["pid"] == first.pid
    resumed = _resume_cli(work)
    assert resumed.returncode == 0, resumed.stderr
    assert f"note: taking over the lock on {work} from pid {first.pid}" in resumed.stderr
    assert "no longer running" in resumed.stderr
    assert _tables(out) == reference
    assert not (out / LOCK_NAME).exists()


def test_the_lock_itself(tmp_path, capsys):
    folder = tmp_path / "x.incomplete"
    folder.mkdir()
    held = acquire(folder, "first")
    with pytest.raises(FolderLocked, match=f"being written by pid {os.getpid()} on {socket.gethostname()}"):
        acquire(folder, "second")
    held.release()
    assert not (folder / LOCK_NAME).exists()

    # A dead pid on this host: taken over, with a note.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (folder / LOCK_NAME).write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    taken = acquire(folder)
    assert f"taking over the lock on {folder} from pid {gone.pid}" in capsys.readouterr().err
    assert json.loads((folder / LOCK_NAME).read_text())["pid"] == os.getpid()
    taken.release()

    # Another host cannot be checked from here: refused, saying which lock to delete if it is gone.
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere"}))
    with pytest.raises(FolderLocked, match=f"pid 1 on elsewhere.*delete {folder / LOCK_NAME}"):
        acquire(folder)

    # An empty lock is being written right now: refused; once old, its owner died writing it.
    (folder / LOCK_NAME).write_text("")
    with pytest.raises(FolderLocked, match="another process"):
        acquire(folder)
    old = time.time() - 120
    os.utime(folder / LOCK_NAME, (old, old))
    acquire(folder).release()
    assert list(folder.iterdir()) == []

    # Releasing never removes a lock that is not this one.
    mine = acquire(folder)
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere"}))
    mine.release()
    assert (folder / LOCK_NAME).exists()


# The last step checks the rows


def _stop_after(batches: int):
    calls = {"n": 0}

    def progress(done: int, planned: int) -> None:
        calls["n"] += 1
        if calls["n"] > batches:
            raise KeyboardInterrupt

    return progress


def test_a_duplicated_batch_fails_the_last_step_and_keeps_the_folder_incomplete(tmp_path, monkeypatch):
    s = write(tmp_path)
    whole = run(s, troops=21, replications=100, workers=1, out=tmp_path / "whole")
    real_done = PartStore.done

    def done_twice(self):  # as if a second writer had added a batch already there
        batches = real_done(self)
        return [*batches, batches[0]] if batches else batches

    monkeypatch.setattr(PartStore, "done", done_twice)
    with pytest.raises(
        IncompleteResults, match=r"has 1\d\d rows where 1 level\(s\) × 100 replications make 100"
    ):
        run(s, troops=21, replications=100, workers=1, out=tmp_path / "twice")
    work = tmp_path / "twice.incomplete"
    assert work.is_dir()
    assert not (tmp_path / "twice").exists()
    manifest = json.loads((work / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["runs"][0]["status"].startswith("failed: IncompleteResults")
    assert "answer" not in manifest
    assert not (work / LOCK_NAME).exists()

    monkeypatch.setattr(PartStore, "done", real_done)
    resumed = resume(work, workers=1)
    assert _tables(resumed.folder) == _tables(whole.folder)


# Tampered folders


@pytest.fixture
def cut(tmp_path) -> Path:
    """An interrupted run's folder (a few batches done) and its scenario, in an empty working folder."""
    s = write(tmp_path)
    with pytest.raises(Interrupted) as stopped:
        run(s, troops=21, replications=200, workers=1, out=tmp_path / "cut", progress=_stop_after(2))
    work = stopped.value.folder
    assert not (work / LOCK_NAME).exists()  # released on the interrupt
    return work


def _edit_manifest(change):
    def edit(work: Path) -> None:
        data = json.loads((work / "manifest.json").read_text())
        change(data)
        (work / "manifest.json").write_text(json.dumps(data))

    return edit


def _first_part(work: Path) -> Path:
    return sorted((work / "parts").glob("*.rows.csv"))[0]


TAMPERED = {
    "seed -1": (
        _edit_manifest(lambda d: d.update(seed=-1)),
        "seed must be a whole number, 0 or more, got -1",
    ),
    "seed text": (_edit_manifest(lambda d: d.update(seed="11")), "seed must be a whole number"),
    "no variants": (_edit_manifest(lambda d: d.update(variants=[])), "variants: there are none"),
    "variant of no scenario": (
        _edit_manifest(lambda d: d["variants"][0].update(scenario=3)),
        "variant '21' has no label or scenario as written",
    ),
    "missing key": (
        _edit_manifest(lambda d: d.pop("plan")),
        "missing 1 required positional argument: 'plan'",
    ),
    "extra key": (_edit_manifest(lambda d: d.update(surprise=1)), "unexpected keyword argument 'surprise'"),
    "finished status": (_edit_manifest(lambda d: d.update(status="complete")), "status is 'complete'"),
    "a billion replications": (
        _edit_manifest(lambda d: d["plan"].update(replications=10**9)),
        "replications must be at most 100,000 per level, got 1,000,000,000",
    ),
    "troops beyond the schema": (
        _edit_manifest(lambda d: d["variants"][0].update(troops=10**12)),
        "troop levels must be from 0 to 10,000,000",
    ),
    "not JSON": (lambda w: (w / "manifest.json").write_text("{"), "not a manifest this version can resume"),
    "a list": (lambda w: (w / "manifest.json").write_text("[]"), "is not a JSON object"),
    "junk part file": (
        lambda w: (w / "parts" / "junk.rows.csv").write_text("a,b\n"),
        "parts/junk.rows.csv is not a part this program writes",
    ),
    "junk part rows": (
        lambda w: _first_part(w).write_text(_first_part(w).read_text() + "junk\n"),
        "not a row of '21' with",
    ),
    "part of another level": (
        lambda w: _first_part(w).write_text(_first_part(w).read_text().replace("21,", "22,")),
        "not a row of '21' with",
    ),
    "overlapping part": (
        lambda w: (w / "parts" / "0000-0000010-0000020.rows.csv").write_text(""),
        "overlaps another batch",
    ),
    "part beyond the plan": (
        lambda w: (w / "parts" / "0000-0000300-0000310.rows.csv").write_text(""),
        "is not a batch of this experiment",
    ),
}


@pytest.mark.parametrize("case", TAMPERED, ids=list(TAMPERED))
def test_a_tampered_folder_is_refused_with_a_clear_message(cut, capsys, case):
    tamper, message = TAMPERED[case]
    tamper(cut)
    before = sorted(p.name for p in cut.rglob("*"))
    with pytest.raises(ResumeError, match=None) as refused:
        resume(cut, workers=1)
    assert message in str(refused.value)
    assert main(["run", "--resume", str(cut), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("summit-sim: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in cut.rglob("*")) == before  # nothing changed, no lock left


# A Dask cluster lost mid-run


def _lost_cluster(tmp_path: Path, monkeypatch, kill: str) -> None:
    distributed = pytest.importorskip("distributed")
    import sim.experiment.executors as executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    monkeypatch.setattr(executors, "NO_WORKERS_S", 2.0)
    s = write(tmp_path)
    whole = run(s, troops=21, replications=120, workers=1, out=tmp_path / "whole")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    state = {"calls": 0}

    def progress(done: int, planned: int) -> None:
        state["calls"] += 1
        if state["calls"] == 3:  # two batches in
            if kill == "scheduler":
                cluster.close()
            else:
                cluster.scale(0)  # every worker stopped: the batches left have nowhere to run

    try:
        t0 = time.perf_counter()
        with pytest.raises(
            executors.ClusterError, match=r"the Dask cluster at .* (was lost mid-run|has had no)"
        ) as e:
            run(s, troops=21, replications=120, scheduler=cluster.scheduler_address, out=tmp_path / "cut",
                progress=progress)  # fmt: skip
        assert time.perf_counter() - t0 < 60
    finally:
        cluster.close()
    work = tmp_path / "cut.incomplete"
    assert kept_folder(e.value) == work
    assert "\n" not in str(e.value)
    assert json.loads((work / "manifest.json").read_text())["runs"][0]["status"].startswith(
        "failed: ClusterError"
    )
    assert not (work / LOCK_NAME).exists()
    resumed = resume(work, workers=1)
    assert _tables(resumed.folder) == _tables(whole.folder)


def test_a_scheduler_lost_mid_run_keeps_the_folder_resumable(tmp_path, monkeypatch):
    _lost_cluster(tmp_path, monkeypatch, "scheduler")


def test_all_workers_lost_mid_run_keeps_the_folder_resumable(tmp_path, monkeypatch):
    _lost_cluster(tmp_path, monkeypatch, "workers")
