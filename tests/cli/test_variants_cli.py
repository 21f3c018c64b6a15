"""Variants on the command line: `--set` on every command, overlays, `compare --variant`, `sweep --vary`."""

from __future__ import annotations

import csv
import json

import pytest

from sim.cli import main
from tests.helpers.experiment_scenarios import SMALL, write


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Run in an empty folder, so that `results/` appearing would be noticed."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, SMALL, "small.yaml")
    return tmp_path


def test_validate_set_prints_exactly_the_changed_value(here, capsys) -> None:
    assert main(["validate", "small.yaml", "--set", "forces.us.absence_prob=0.2"]) == 0
    out = capsys.readouterr().out
    assert "--set changes, from the file (1 field):\n  forces.us.absence_prob: 0.1 -> 0.2\n" in out
    assert "  us: 24 people: " in out


def test_validate_an_overlay_prints_what_it_changes_from_its_base(here, capsys) -> None:
    (here / "o.yaml").write_text("base: small.yaml\ntimezone: America/Lima\nposts: {gate: {required: 5}}\n")
    assert main(["validate", "o.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("o.yaml: valid\nan overlay on small.yaml; what it changes (1 field):\n")
    assert "  posts.gate.required: 6 -> 5\n" in out


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "forces.uss.absence_prob=0.2",
            "--set forces.uss.absence_prob=0.2: forces has no force named 'uss' (known: us)",
        ),
        ("forces.us.absence_prob=2", "--set forces.us.absence_prob=2: forces.us.absence_prob: "),
        ("forces.us.absence=0.2", "forces.us has no field 'absence' (did you mean 'absence_prob'?)"),
    ],
)
def test_a_bad_set_exits_2_with_the_located_message_and_writes_nothing(
    here, capsys, setting, message
) -> None:
    for argv in (["run", "small.yaml", "-n", "2", "--workers", "1"], ["validate", "small.yaml"]):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert err.endswith("summit-sim: 1 problem in the scenario\n")
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml"]


def test_a_bad_overlay_value_is_refused_at_the_overlay_line(here, capsys) -> None:
    (here / "o.yaml").write_text(
        "base: small.yaml\ntimezone: America/Lima\nforces:\n  us: {absence_prob: -1}\n"
    )
    assert main(["run", "o.yaml", "-n", "2", "--workers", "1"]) == 2
    assert capsys.readouterr().err.startswith("o.yaml:4: forces.us.absence_prob: ")
    assert sorted(p.name for p in here.iterdir()) == ["o.yaml", "small.yaml"]


def test_compare_variants_and_a_common_set(here, capsys) -> None:
    argv = ["compare", "small.yaml", "--set", "forces.us.absence_prob=0.05", "--variant", "fewer",
            "--set", "forces.us.headcount=20", "--variant", "more", "--set", "forces.us.headcount=30",
            "-n", "6", "--workers", "1", "--out", "c"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "What differs between the variants" in out
    assert "Holm" in out
    manifest = json.loads((here / "c" / "manifest.json").read_text())
    assert [v["label"] for v in manifest["variants"]] == ["tiny", "fewer", "more"]
    assert [s.get("overrides", []) for s in manifest["scenarios"]] == [
        ["forces.us.absence_prob=0.05"],
        ["forces.us.absence_prob=0.05", "forces.us.headcount=20"],
        ["forces.us.absence_prob=0.05", "forces.us.headcount=30"],
    ]
    assert manifest["differs"] == [{"path": "forces.us.headcount", "values": [24, 20, 30]}]
    with (here / "c" / "differences.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["variant_from"] for r in rows} == {"tiny"}
    assert {r["variant_to"] for r in rows} == {"fewer", "more"}
    assert {"p_value", "significant_holm"} <= set(rows[0])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "small.yaml", "--variant", "x"], "--variant x changes nothing"),
        (["compare", "small.yaml", "--variant", "x", "--set", "seed=1", "--variant", "x"], "named twice"),
        (["sweep", "small.yaml", "--vary", "forces.us.absence_prob=0.1:0.05:0.01"], "is below START"),
        (["sweep", "small.yaml", "--vary", "troops=1,2", "--troops", "3,4"], "varied twice"),
        (["sweep", "small.yaml", "--vary-group", "forces.*.headcount=0:1:0.5"], "a factor must be above 0"),
        (["run", "--resume", "x", "--set", "seed=1"], "drop --set"),
    ],
)
def test_bad_variant_options_exit_2(here, capsys, argv, message) -> None:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own refusals
        code = int(e.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in here.iterdir()) == ["small.yaml"]


def test_a_sweep_over_any_input_is_keyed_by_it(here, capsys) -> None:
    argv = ["sweep", "small.yaml", "--vary", "forces.us.absence_prob=0.05,0.3", "--troops", "20",
            "-n", "4", "--workers", "1", "--out", "s"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Sweep of tiny over forces.us.absence_prob, at 20 troops of the swept force" in out
    with (here / "s" / "summary.csv").open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames
        assert reader.fieldnames[0] == "forces.us.absence_prob"
        assert {r["forces.us.absence_prob"] for r in reader} == {"0.05", "0.3"}
    manifest = json.loads((here / "s" / "manifest.json").read_text())
    assert manifest["inputs"] == ["forces.us.absence_prob"]
    assert [(v["troops"], v["values"]) for v in manifest["variants"]] == [
        (20, {"forces.us.absence_prob": 0.05}),
        (20, {"forces.us.absence_prob": 0.3}),
    ]
    assert (here / "s" / "figures" / "coverage_vs_troops.png").is_file()
