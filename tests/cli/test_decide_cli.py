"""`summit-sim size`, `allocate` and `sensitivity` on the command line: the answer printed, the folder
and its report written, bad input refused with exit status 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from tests.experiments.test_allocate import TWO_CITIES

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


@pytest.fixture
def two_gates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "two_gates.yaml"
    path.write_text(TWO_CITIES)
    return path


def test_size_prints_the_level_the_evidence_below_and_the_replications(
    two_gates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "size",
                "two_gates.yaml",
                "-n",
                "20",
                "--max-replications",
                "20",
                "--resolution",
                "2",
                "--workers",
                "1",
                "--out",
                "s",
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "troops meet every target, each with 95% confidence (found)" in out
    assert "one step below" in out
    below = next(line for line in out.splitlines() if "one step below" in line)
    # the verdict said is the one judged: "undecided" here (its bound straddles the limit), never
    # "not met on 20 replications (...: undecided)"
    assert "undecided on 20 replications" in below
    assert below.rstrip(")").split("; estimate")[0].endswith(": undecided")
    assert "replications spent:" in out
    report = (two_gates.parent / "s" / "report.html").read_text()
    assert "Needed" in report
    assert "troops (every target met, each with 95% confidence)" in report
    # the request shown reproduces the decision; the folder's status (written after the report, so it
    # read "incomplete" in every finished report) is not part of it
    assert "&#34;status&#34;" not in report
    assert '"status"' not in report
    assert json.loads((two_gates.parent / "s" / "decide.json").read_text())["status"] == "complete"


def test_allocate_prints_the_split_beside_the_fixed_shares_and_writes_the_overlay(
    two_gates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["allocate", "two_gates.yaml", "-n", "20", "--workers", "1", "--out", "a", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "saved)" in out
    assert "lima.security" in out
    assert "cusco.security" in out
    folder = two_gates.parent / "a"
    assert (folder / "split_overlay.yaml").is_file()
    assert (folder / "split_scenario.yaml").is_file()
    assert main(["validate", str(folder / "split_scenario.yaml")]) == 0
    report = (folder / "report.html").read_text()
    assert "Where" in report
    assert "lima.security" in report


def test_bad_decision_options_are_refused_with_nothing_written(
    two_gates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_swept = EXAMPLES / "one_post.yaml"
    assert main(["allocate", str(no_swept), "-n", "4", "--out", "x", "--quiet"]) == 2
    assert main(["sensitivity", "two_gates.yaml", "--out", "y"]) == 2
    assert (
        main(["sensitivity", "two_gates.yaml", "--vary", "forces.us.absence_prob=0.3:0.1", "--out", "z"]) == 2
    )
    assert main(["size", "two_gates.yaml", "--vary", "forces.us.no_such_field", "--out", "w"]) == 2
    err = capsys.readouterr().err
    assert "swept: true" in err
    assert "LOW (0.3) must be below HIGH (0.1)" in err
    assert not any((two_gates.parent / name).exists() for name in ("x", "y", "z", "w"))
