"""The command line never shows a traceback (issue 11): an unexpected error is one line and the path of a
log holding the traceback (exit 1, `--debug` shows it instead), a path that cannot be used is one line
(exit 2), a full disk or a lost cluster is one line (exit 1), a closed pipe ends quietly, and the caps on
replications, troops and precision are enforced before anything runs."""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import sim.cli.commands
import sim.model
from sim.cli import main
from sim.experiment import Interrupted
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.experiments import run

REPO = Path(__file__).resolve().parents[2]
PERU = REPO / "scenarios" / "apec2024_peru.yaml"


def _exit_code(argv: list[str]) -> int:
    """`main`'s exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code or 0)


def _one_error_line(err: str) -> str:
    """The single `summit-sim: error:` line of `err`; no traceback anywhere."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("summit-sim: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An empty working folder holding small.yaml; logs of unexpected errors go under it too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    write(tmp_path, SMALL, "small.yaml")
    return tmp_path


def _leftovers(folder: Path) -> list[Path]:
    """Temporary files and folders a failed write could have left."""
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial")) or ".partial" in p.name]


# 1. No traceback: unexpected errors, --debug, exit codes


def test_an_unexpected_error_is_one_line_and_a_log_with_the_traceback(here, capsys, monkeypatch):
    def broken(scenario):
        raise KeyError("nan")

    monkeypatch.setattr(sim.cli.commands, "describe_scenario", broken)
    assert main(["validate", "small.yaml"]) == 1
    err = capsys.readouterr().err
    line = _one_error_line(err)
    assert err.count("\n") == 1
    assert line.startswith("summit-sim: error: unexpected KeyError: 'nan' (the traceback is in ")
    assert "--debug" in line
    (log,) = (here / "tmp").glob("summit-sim-*.log")
    assert str(log) in line
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert "KeyError: 'nan'" in text
    assert "command: summit-sim validate small.yaml" in text


@pytest.mark.parametrize(
    "argv", [["--debug", "validate", "small.yaml"], ["validate", "small.yaml", "--debug"]]
)
def test_debug_shows_the_traceback_instead(here, monkeypatch, argv):
    def broken(scenario):
        raise KeyError("nan")

    monkeypatch.setattr(sim.cli.commands, "describe_scenario", broken)
    with pytest.raises(KeyError, match="nan"):
        main(argv)
    assert not list((here / "tmp").iterdir())


def test_an_unprintable_message_stays_on_one_line(here, capsys, monkeypatch):
    def broken(scenario):
        raise RuntimeError("line one\nline two \u202e\x00 end")

    monkeypatch.setattr(sim.cli.commands, "describe_scenario", broken)
    assert main(["validate", "small.yaml"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "line one line two \\u202e\\x00 end" in line


def test_exit_codes(here, capsys, monkeypatch):
    assert main(["validate", "small.yaml"]) == 0
    write(here, SMALL.replace("seed: 11", "seed: -1"), "bad.yaml")
    assert main(["validate", "bad.yaml"]) == 2
    assert _exit_code(["run", "small.yaml", "--workers", "zero"]) == 2

    def interrupted(scenario):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.cli.commands, "describe_scenario", interrupted)
    assert main(["validate", "small.yaml"]) == 130
    assert capsys.readouterr().err.endswith("summit-sim: interrupted\n")


SMALL_SUMMIT = REPO / "scenarios" / "examples" / "small_summit.yaml"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(PERU)],
        # the summaries printed by rich, whose own handler of a closed pipe exits with 1
        ["run", str(SMALL_SUMMIT), "-n", "3", "--workers", "1", "--out", "{tmp}/run"],
        ["trace", str(SMALL_SUMMIT), "--out", "{tmp}/trace"],
    ],
    ids=["validate", "run", "trace"],
)
def test_a_closed_pipe_ends_quietly(args, tmp_path):
    """`summit-sim ... | head -1`: the reader is gone before anything is written; exit status 141."""
    cmd = [sys.executable, "-m", "sim", *(a.format(tmp=tmp_path) for a in args)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141
    assert "BrokenPipeError" not in err
    assert "Traceback" not in err
    assert "Exception ignored" not in err


def test_head_of_validate_prints_no_error():
    shell = f"{sys.executable} -m sim validate {PERU} | head -1"
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, timeout=60, cwd=REPO, check=False
    )
    assert done.stdout.endswith(": valid\n")
    assert done.stderr == ""


# 2. File-system errors


def test_out_under_sys_is_refused_with_one_line(here, capsys):
    # sysfs refuses new folders to every user, root included
    for argv in (["trace", "small.yaml"], ["run", "small.yaml", "-n", "2", "--workers", "1"]):
        assert main([*argv, "--out", "/sys/summit-sim-test", "--quiet"]) == 2
        line = _one_error_line(capsys.readouterr().err)
        assert line.startswith("summit-sim: error: /sys")
        assert "choose another --out" in line


def _read_only(monkeypatch, folder: Path) -> None:
    """Make `folder` refuse new entries, as a read-only folder does (chmod does not stop root)."""
    real_mkdir, real_open = os.mkdir, os.open

    def mkdir(path, mode=0o777, *args, **kwargs):
        if Path(os.fsdecode(path)).absolute().parent == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real_mkdir(path, mode, *args, **kwargs)

    def open_(path, flags, mode=0o777, *args, **kwargs):
        if Path(os.fsdecode(path)).absolute().parent == folder and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)


@pytest.mark.parametrize(
    "command", [["trace", "small.yaml"], ["run", "small.yaml", "-n", "2", "--workers", "1"]]
)
def test_out_in_a_read_only_folder_is_refused_with_one_line(here, capsys, monkeypatch, command):
    ro = here / "ro"
    ro.mkdir()
    _read_only(monkeypatch, ro)
    assert main([*command, "--out", "ro/out", "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "Permission denied (choose another --out)" in line
    assert list(ro.iterdir()) == []


@pytest.mark.parametrize(
    "command", [["trace", "small.yaml"], ["run", "small.yaml", "-n", "2", "--workers", "1"]]
)
def test_a_300_character_name_is_refused_at_once(here, capsys, command):
    assert main([*command, "--out", "x" * 300, "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "File name too long (choose another --out)" in line
    assert len(line) < 300
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "tmp"]


def test_a_full_disk_mid_run_is_one_line_and_the_run_resumes(here, capsys, monkeypatch):
    """No space left after two batches: exit 1 saying so, no temporary left, the folder kept incomplete;
    once there is room, --resume finishes it exactly as an uninterrupted run."""
    import sim.results.parts as parts

    real_replace, calls = os.replace, {"n": 0}

    def replace(src, dst, *args, **kwargs):
        in_parts = "parts" in os.fsdecode(dst)
        calls["n"] += in_parts
        if in_parts and calls["n"] > 6:  # three files per batch: the third batch does not fit
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(parts.os, "replace", replace)
    argv = ["run", "small.yaml", "-n", "150", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", "full"]) == 1
    err = capsys.readouterr().err
    line = _one_error_line(err)
    assert "No space left on device" in line
    assert "continue with: summit-sim run --resume full.incomplete" in err
    work = here / "full.incomplete"
    assert not (here / "full").exists()
    assert _leftovers(work) == []
    assert len(list((work / "parts").glob("*.rows.csv"))) == 2
    assert json.loads((work / "manifest.json").read_text())["runs"][0]["status"].startswith("failed: OSError")
    assert not (work / "writer.lock").exists()

    monkeypatch.setattr(parts.os, "replace", real_replace)
    assert main(["run", "--resume", str(work), "--quiet", "--workers", "1"]) == 0
    assert main([*argv, "--out", "whole"]) == 0
    for name in ("replications.csv", "gaps.csv", "summary.csv"):
        assert (here / "full" / name).read_bytes() == (here / "whole" / name).read_bytes()


def test_a_full_disk_while_tracing_leaves_nothing(here, capsys, monkeypatch):
    import sim.results.trace as trace

    def full(path, *args, **kwargs):
        path.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(trace, "write_fuel_csv", full)
    assert main(["trace", "small.yaml", "--out", "t", "--quiet"]) == 1
    assert "No space left on device" in _one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "tmp"]


def test_plot_on_a_read_only_folder_is_one_line_and_leaves_no_temporary(here, capsys, monkeypatch):
    from matplotlib.figure import Figure

    assert main(["trace", "small.yaml", "--out", "t", "--quiet"]) == 0
    before = {p: p.read_bytes() for p in (here / "t" / "figures").glob("*.png")}
    assert before

    def savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(b"")  # what a failing save leaves: an empty file
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(fname))

    monkeypatch.setattr(Figure, "savefig", savefig)
    assert main(["plot", "t"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "Read-only file system" in line
    assert "RESULTS_DIR must be a folder this user can write" in line
    assert _leftovers(here / "t") == []
    assert {p: p.read_bytes() for p in (here / "t" / "figures").glob("*.png")} == before


def test_a_second_trace_on_the_same_out_is_refused(here, capsys):
    assert main(["trace", "small.yaml", "--out", "t", "--quiet"]) == 0
    first = {p.name: p.read_bytes() for p in (here / "t").glob("*.csv")}
    assert main(["trace", "small.yaml", "--out", "t", "--quiet", "--seed", "3"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "t already exists and is not empty; choose another --out" in line
    assert {p.name: p.read_bytes() for p in (here / "t").glob("*.csv")} == first


def test_two_traces_at_once_on_the_same_out_the_later_is_refused(here, capsys, monkeypatch):
    """The other trace finishes while this one runs: this one is refused at the end, the other's folder
    is untouched and no temporary folder is left."""
    real = sim.model.run_replication  # the trace command imports it when it runs

    def other_finishes_meanwhile(*args, **kwargs):
        (here / "t").mkdir()
        (here / "t" / "events.csv").write_text("the other run's\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.model, "run_replication", other_finishes_meanwhile)
    assert main(["trace", "small.yaml", "--out", "t", "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "t was written by another run while this one ran: this one was not kept" in line
    assert [p.name for p in (here / "t").iterdir()] == ["events.csv"]
    assert (here / "t" / "events.csv").read_text() == "the other run's\n"
    assert _leftovers(here) == []


def test_temporaries_are_removed_when_a_write_fails(tmp_path, monkeypatch):
    from sim.results import files

    def no_room(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(dst))

    monkeypatch.setattr(files.os, "replace", no_room)
    with pytest.raises(OSError, match="No space"):
        files.write_json(tmp_path / "m.json", {"a": 1})
    with pytest.raises(OSError, match="No space"):
        files.write_table(tmp_path / "t.csv", ["a"], [[1]])
    assert list(tmp_path.iterdir()) == []


# 3. Dask scheduler errors


def test_a_scheduler_address_that_is_not_one_is_refused_at_once(here, capsys):
    pytest.importorskip("distributed")
    assert main(["run", "small.yaml", "-n", "2", "--scheduler", "not a url::", "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--scheduler 'not a url::' is not a Dask scheduler address" in line
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "tmp"]


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(here, capsys, monkeypatch):
    pytest.importorskip("distributed")
    import sim.experiment.executors as executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["run", "small.yaml", "-n", "2", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", "o", "--quiet"]
    assert main(argv) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot reach a Dask scheduler at tcp://127.0.0.1:{port} within 2 s" in line
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "tmp"]  # nothing done, nothing kept


# 4. Caps on the command line

CAPS = [
    (["run", "small.yaml", "-n", "100001"], "--replications/-n: must be at most 100,000, got 100,001"),
    (["run", "small.yaml", "-n", "10000000"], "must be at most 100,000, got 10,000,000"),
    (["run", "small.yaml", "--precision", "0.02", "--max-replications", "100001"], "must be at most 100,000"),
    (["run", "small.yaml", "--precision", "1e-300"], "--precision: must be at least 1e-06"),
    (["run", "small.yaml", "--troops", "1000000000000"], "--troops: must be at most 10,000,000"),
    (["trace", "small.yaml", "--troops", "10000001"], "--troops: must be at most 10,000,000"),
    (["compare", "small.yaml", "small.yaml", "--troops", "10000001"], "must be at most 10,000,000"),
    (["sweep", "small.yaml", "--troops", "0,1000000000000"], "troop levels must be from 0 to 10,000,000"),
]


@pytest.mark.parametrize(("argv", "message"), CAPS, ids=[" ".join(a[2:]) for a, _ in CAPS])
def test_caps_are_enforced_before_anything_runs(here, capsys, argv, message):
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "tmp"]


def test_the_api_has_the_same_caps(tmp_path):
    from sim.experiment import BadExperiment

    with pytest.raises(BadExperiment, match="at most 100,000"):
        run(write(tmp_path), replications=10**9, workers=1, out=tmp_path / "o")
    assert not (tmp_path / "o.incomplete").exists()


def test_a_resume_of_a_manifest_edited_to_a_billion_replications_is_refused(here, capsys):
    def stop(done, planned):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        run(here / "small.yaml", replications=200, workers=1, out=here / "cut", progress=stop)
    work = stopped.value.folder
    manifest = json.loads((work / "manifest.json").read_text())
    manifest["plan"]["replications"] = 10**9
    (work / "manifest.json").write_text(json.dumps(manifest))
    assert main(["run", "--resume", str(work), "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "replications must be at most 100,000 per level, got 1,000,000,000" in line
    assert not (work / "writer.lock").exists()


@pytest.mark.parametrize("command", ["trace", "run"])
def test_a_results_folder_has_the_permissions_the_umask_gives_any_folder(tmp_path, command):
    # A trace folder was made by tempfile.mkdtemp and kept its owner-only 0700: colleagues on a shared
    # machine could not read it, where a run's folder was 0755.
    old = os.umask(0o022)
    try:
        extra = ["-n", "2", "--workers", "1"] if command == "run" else []
        out = tmp_path / command
        assert main([command, str(SMALL_SUMMIT), "--out", str(out), "--quiet", *extra]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


@pytest.mark.parametrize("command", ["trace", "run", "size"])
@pytest.mark.parametrize("under", [False, True], ids=["the-file", "inside-the-file"])
def test_an_out_that_is_a_file_is_refused_as_one(here, capsys, command, under):
    # It said "already exists and is not empty" for a file (even an empty one), and "afile: File exists"
    # for a folder asked for inside it; size said "check the path" where --out was the path.
    Path("afile").write_text("")
    out = "afile/sub" if under else "afile"
    extra = [] if command == "trace" else ["-n", "2", "--workers", "1"]
    assert main([command, "small.yaml", "--out", out, *extra]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "afile is a file, not a folder" in line
    assert line.endswith("; choose another --out")
    assert sorted(p.name for p in Path(".").iterdir() if p.name.startswith("afile")) == ["afile"]
