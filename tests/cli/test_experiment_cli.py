"""`summit-sim run | sweep | compare`: bad options exit 2 with one clear line, and write nothing."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.numbers import fmt_value, metric_name
from tests.helpers import ROOT
from tests.helpers.experiment_scenarios import SMALL, UNSWEPT, write


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Run in an empty folder, so that `results/` appearing would be noticed."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, SMALL, "small.yaml")
    write(tmp_path, UNSWEPT, "unswept.yaml")
    return tmp_path


BAD = [
    (["sweep", "small.yaml", "--troops", "5:1"], "STOP (1) is below START (5)"),
    (["sweep", "small.yaml", "--troops", "0:100"], "the step is missing"),
    (["sweep", "small.yaml", "--troops", "ten"], "whole numbers"),
    (["sweep", "small.yaml"], "`sweep` needs --troops"),
    (["run", "small.yaml", "--replications", "0"], "argument --replications/-n: must be 1 or more, got 0"),
    (["run", "small.yaml", "--replications", "10", "--precision", "0.02"], "not allowed with argument"),
    (["run", "small.yaml", "--precision", "2"], "must be between 0 and 1"),
    (["run", "small.yaml", "--workers", "0"], "--workers: must be 1 or more"),
    (["run", "missing.yaml"], "missing.yaml: no such file"),
    (["run", "unswept.yaml", "--troops", "10"], "needs a force marked `swept: true`"),
    (["sweep", "unswept.yaml", "--troops", "0:10:5"], "needs a force marked `swept: true`"),
    (["compare", "small.yaml"], "`compare` needs at least two variants"),
    (["run", "--resume", "nowhere.incomplete"], "not an incomplete results folder"),
    (["run", "small.yaml", "--resume", "x.incomplete"], "--resume takes its settings from the folder"),
]


def _exit_code(argv: list[str]) -> int:
    """`main`'s exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code)


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_options_exit_2_with_a_message_and_write_nothing(here, capsys, argv, message):
    code = _exit_code(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (here / "results").exists()
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml", "unswept.yaml"]


def test_existing_output_folder_is_refused(here, capsys):
    (here / "taken").mkdir()
    (here / "taken" / "file").write_text("x")
    assert main(["run", "small.yaml", "-n", "2", "--out", "taken", "--quiet"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_sweep_prints_the_table_and_the_smallest_meeting_level(here, capsys):
    code = main(["sweep", "small.yaml", "--troops", "12:36:6", "-n", "80", "--workers", "1", "--out", "out"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Sweep of tiny" in out
    assert "post coverage" in out
    assert "P(critical gap)" in out
    assert "What each step buys" in out
    assert "Targets (each checked on the demand it names)" in out
    assert "12 → 18" in out
    assert "Smallest troop level meeting every target, each with 95% confidence: " in out
    manifest = json.loads((here / "out" / "manifest.json").read_text())
    assert manifest["command_line"].startswith("summit-sim ")
    assert (
        f"meeting every target, each with 95% confidence: {manifest['answer']['smallest_meeting_level']}"
        in out
    )


def test_sweep_says_plainly_when_no_level_meets_the_targets(here, capsys):
    assert main(["sweep", "small.yaml", "--troops", "6,12", "-n", "10", "--workers", "1", "--out", "o"]) == 0
    out = capsys.readouterr().out
    assert "No troop level in 6–12 meets every target, each with 95% confidence." in out


def test_run_and_compare_print_their_tables(here, capsys):
    assert main(["run", "small.yaml", "-n", "10", "--workers", "1", "--out", "r", "--troops", "30"]) == 0
    out = capsys.readouterr().out
    assert "tiny at 30 troops" in out
    assert "This level" in out
    write(here, SMALL.replace("headcount: 24", "headcount: 30"), "more.yaml")
    assert main(["compare", "small.yaml", "more.yaml", "-n", "10", "--workers", "1", "--out", "c"]) == 0
    out = capsys.readouterr().out
    assert "Paired comparison" in out
    assert "B − A" in out


def test_quiet_prints_nothing_and_default_out_is_under_results(here, capsys):
    assert main(["run", "small.yaml", "-n", "3", "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    (folder,) = (here / "results" / "tiny").iterdir()
    assert folder.name.startswith("run-")
    assert (folder / "manifest.json").is_file()


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sweep", "--help"], ["compare", "--help"]])
def test_help_is_printed(argv, capsys):
    assert _exit_code(argv) == 0
    assert "usage: summit-sim" in capsys.readouterr().out


def test_the_results_line_names_air_alerts_csv_only_when_it_is_written(tmp_path, capsys):
    from tests.helpers import ROOT

    def results_line() -> str:  # the console wraps it: from "results:" to the end, on one line
        out = capsys.readouterr().out
        return " ".join(out[out.index("results: ") :].split())

    example = ROOT / "scenarios" / "examples" / "air_alert.yaml"
    assert main(["run", str(example), "-n", "2", "--workers", "1", "--out", str(tmp_path / "a")]) == 0
    line = results_line()
    assert (tmp_path / "a" / "air_alerts.csv").is_file()
    assert "incidents.csv, air_alerts.csv; metrics defined in docs/metrics.md" in line
    assert main(["run", str(write(tmp_path)), "-n", "2", "--workers", "1", "--out", str(tmp_path / "b")]) == 0
    line = results_line()
    assert not (tmp_path / "b" / "air_alerts.csv").exists()
    assert "incidents.csv; metrics defined in docs/metrics.md" in line


def test_trace_prints_metrics_by_name_with_units_and_their_columns(tmp_path, capsys):
    # The trace's table spoke in raw column names and bare numbers (`gap_person_hours 48`,
    # `utilization 1`) and added a row `post_coverage[lima]` that no file has.
    example = ROOT / "scenarios" / "examples" / "two_cities.yaml"
    assert main(["trace", str(example), "--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    cells = [line.split("│")[1:4] for line in out.splitlines() if line.count("│") == 4]
    rows = {name.strip(): rest for name, *rest in cells}
    written = (tmp_path / "t" / "metrics.csv").read_text().splitlines()[1:]
    for line in written:  # every metric of metrics.csv, by its name, in its unit, beside its column
        column, value = line.split(",")
        name = metric_name(column)
        assert rows[name][1].strip() == column
        assert rows[name][0].strip() == fmt_value(column, float(value))
    assert rows["person-hours short"][0].strip().endswith(" person-h")
    assert rows["post coverage [city pisco]"][1].strip() == ""  # per city: not a column of metrics.csv
    assert "trace.json" in out
