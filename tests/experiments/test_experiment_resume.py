"""Interrupted experiments keep their finished replications and resume to the same results.

Three interruptions: Ctrl-C arriving in the main loop (injected through the progress callback, with a
process pool running), SIGINT sent to a `summit-sim sweep` process, and SIGKILL (no chance to clean
up). Each resumed folder must hold exactly the files of an uninterrupted run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiment import Interrupted
from sim.results import ResumeError
from sim.scenario import parse_scenario
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.experiments import resume, run, sweep

TABLES = ["replications.csv", "gaps.csv", "summary.csv", "differences.csv", "targets.csv"]
LEVELS = [15, 24]
REPS = 1500  # long enough (a few seconds) for a signal to arrive mid-run


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def reference(scenario_file, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "sweep"
    sweep(scenario_file, LEVELS, replications=REPS, workers=2, out=out)
    return _tables(out)


def _stop_after(batches: int):
    calls = {"n": 0}

    def progress(done: int, planned: int) -> None:
        calls["n"] += 1
        if calls["n"] > batches:  # the first call reports the start, then one per finished batch
            raise KeyboardInterrupt

    return progress


def test_ctrl_c_keeps_finished_batches_and_resume_finishes_identically(scenario_file, reference, tmp_path):
    out = tmp_path / "sweep"
    with pytest.raises(Interrupted) as stopped:
        sweep(scenario_file, LEVELS, replications=REPS, workers=2, out=out, progress=_stop_after(3))
    work = stopped.value.folder
    assert work == tmp_path / "sweep.incomplete"
    assert not out.exists()
    assert 0 < stopped.value.done < stopped.value.planned == REPS * len(LEVELS)
    manifest = json.loads((work / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["runs"][0]["status"] == "interrupted"
    assert not (work / "replications.csv").exists()  # nothing that looks whole

    outcome = resume(work, workers=1)
    assert outcome.folder == out
    assert not work.exists()
    assert _tables(out) == reference
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert [r["status"] for r in manifest["runs"]] == [
        "interrupted",
        "complete",
    ]


# `python -m sim ARGS` with Ctrl-C raising KeyboardInterrupt, as at a terminal. Python keeps SIGINT ignored
# when it starts with it ignored, as a shell's background job without job control does (`make test &` in
# a script): the signal would then never reach the command, whose handling is what is tested here.
AS_AT_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'sim'; runpy.run_module('sim', run_name='__main__', alter_sys=True)"
)


def _interrupt_cli(scenario_file: Path, out: Path, sig: int) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", AS_AT_A_TERMINAL, "sweep", str(scenario_file), "--troops", "15,24",
           "--replications", str(REPS), "--workers", "2", "--out", str(out), "--quiet"]  # fmt: skip
    log = out.with_name(out.name + ".log")
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        parts = out.with_name(out.name + ".incomplete") / "parts"
        start = time.monotonic()
        sent = None
        while proc.poll() is None and time.monotonic() < start + 60:
            if parts.is_dir() and len(list(parts.glob("*.rows.csv"))) >= 2:
                proc.send_signal(sig)
                sent = time.monotonic() - start
                break
            time.sleep(0.005)
        returncode = proc.wait(timeout=60)
        ended = time.monotonic() - start
    if returncode == 0:
        when = "before any batch was kept" if sent is None else f"{sent:.2f} s in, after 2 batches were kept"
        pytest.fail(
            f"the run finished in {ended:.2f} s, not stopped by signal {sig} sent {when}; "
            f"its stderr: {log.read_text()!r}"
        )
    return subprocess.CompletedProcess(cmd, returncode, "", log.read_text())


def _resume_cli(work: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sim", "sweep", "--resume", str(work), "--workers", "2", "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_sigint_to_the_command_then_resume(scenario_file, reference, tmp_path):
    out = tmp_path / "cli"
    stopped = _interrupt_cli(scenario_file, out, signal.SIGINT)
    work = tmp_path / "cli.incomplete"
    assert stopped.returncode == 130, stopped.stderr
    assert f"--resume {work}" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert json.loads((work / "manifest.json").read_text())["runs"][0]["status"] == "interrupted"
    resumed = _resume_cli(work)
    assert resumed.returncode == 0, resumed.stderr
    assert _tables(out) == reference


def test_sigkill_then_resume(scenario_file, reference, tmp_path):
    out = tmp_path / "killed"
    stopped = _interrupt_cli(scenario_file, out, signal.SIGKILL)
    assert stopped.returncode == -signal.SIGKILL
    work = tmp_path / "killed.incomplete"
    assert json.loads((work / "manifest.json").read_text())["status"] == "incomplete"
    resumed = _resume_cli(work)
    assert resumed.returncode == 0, resumed.stderr
    assert _tables(out) == reference


def test_interrupted_precision_run_resumes_to_the_same_stopping_point(tmp_path):
    s = write(tmp_path)
    whole = run(s, troops=21, precision=0.03, max_replications=600, workers=1, out=tmp_path / "whole")
    with pytest.raises(Interrupted) as stopped:
        run(s, troops=21, precision=0.03, max_replications=600, workers=1, out=tmp_path / "cut",
            progress=_stop_after(4))  # fmt: skip
    resumed = resume(stopped.value.folder, workers=2)
    assert resumed.answer.replications == whole.answer.replications > 20
    assert _tables(resumed.folder) == _tables(whole.folder)


def test_resume_refuses_a_changed_scenario_and_a_finished_folder(tmp_path):
    s = write(tmp_path)
    with pytest.raises(Interrupted) as stopped:
        run(s, troops=21, replications=200, workers=1, out=tmp_path / "cut", progress=_stop_after(1))
    s.write_text(SMALL.replace("rate_per_day: 6", "rate_per_day: 7"))
    with pytest.raises(ResumeError, match="has changed"):
        resume(stopped.value.folder)
    done = run(parse_scenario(SMALL), replications=3, workers=1, out=tmp_path / "done")
    with pytest.raises(ResumeError, match="finished"):
        resume(done.folder)
