"""Each results folder gets figures and a self-contained report.html; `summit-sim plot` redraws them
from the folder's files, byte for byte, and refuses a folder that is not a results folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.cli import main
from tests.helpers.experiments import compare, run, sweep
from sim.scenario import parse_scenario
from tests.experiment_scenarios import SMALL, write

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "examples" / "small_summit.yaml"


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sweep"
    return sweep(parse_scenario(SMALL), [12, 18, 24, 30, 36], replications=40, workers=1, out=out,
                 command_line="summit-sim sweep small.yaml --troops 12:36:6 -n 40")  # fmt: skip


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sweep_writes_its_figures(swept):
    names = sorted(p.name for p in (swept.folder / "figures").iterdir())
    smallest = swept.manifest.answer["smallest_meeting_level"]
    assert smallest is not None
    below = {12: None, 18: 12, 24: 18, 30: 24, 36: 30}[smallest]
    assert names == sorted([
        "coverage_vs_troops.png", "targets_vs_troops.png", "marginal_value.png", "escort_delay_ecdf.png",
        "response_time_ecdf.png", f"shortfall_at_{smallest}.png", f"shortfall_at_{below}.png",
    ])  # fmt: skip
    for path in (swept.folder / "figures").iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_answers_the_question_and_embeds_every_figure(swept):
    html = (swept.folder / "report.html").read_text()
    smallest = swept.manifest.answer["smallest_meeting_level"]
    assert f"Smallest troop level meeting every target with 95% confidence: {smallest}" in html
    assert "What is the smallest headcount of the force “us”" in html
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(list((swept.folder / "figures").iterdir())) == 7
    assert not re.search(r'src="(?!data:)|<link|<script', html)  # nothing loaded from elsewhere
    for section in ("The question", "The answer", "The scenario", "Results per level", "Figures",
                    "Where the worst gaps are", "How it was computed"):  # fmt: skip
        assert f">{section}</h2>" in html
    m = swept.manifest.to_json()
    assert m["scenarios"][0]["sha256"] in html
    assert "summit-sim sweep small.yaml --troops 12:36:6 -n 40" in html
    assert f"Root seed {m['seed']}" in html
    assert "Wilson score 95% interval" in html
    assert "Student-t 95% interval" in html
    assert f"summit-sim {m['version']}" in html


def test_plot_redraws_the_same_files(swept, capsys):
    before = _files(swept.folder)
    for path in (swept.folder / "figures").iterdir():
        path.unlink()
    (swept.folder / "report.html").unlink()
    assert main(["plot", str(swept.folder)]) == 0
    assert "report.html" in capsys.readouterr().out
    assert _files(swept.folder) == before


def test_run_and_compare_folders_get_a_report(tmp_path):
    r = run(parse_scenario(SMALL), troops=30, replications=10, workers=1, out=tmp_path / "run")
    html = (r.folder / "report.html").read_text()
    assert "30 troops meets every target with 95% confidence." in html or "30 troops does NOT meet" in html
    assert sorted(p.name for p in (r.folder / "figures").iterdir()) == [
        "escort_delay_ecdf.png", "response_time_ecdf.png", "shortfall_at_30.png"]  # fmt: skip
    a = write(tmp_path, SMALL.replace("headcount: 24", "headcount: 18"), "fewer.yaml")
    b = write(tmp_path, SMALL, "more.yaml")
    c = compare(a, b, replications=10, workers=1, out=tmp_path / "cmp")
    html = (c.folder / "report.html").read_text()
    assert "What does variant B (more) change against variant A (fewer)" in html
    assert "B − A, significant at 95%: post coverage" in html
    assert (c.folder / "figures" / "compare_variants.png").is_file()


def test_plot_refuses_a_folder_that_is_not_a_results_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["plot", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "is not a results folder (no manifest.json" in err
    assert "Traceback" not in err
    assert main(["plot", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "x.incomplete").mkdir()
    (tmp_path / "x.incomplete" / "manifest.json").write_text(json.dumps({"status": "incomplete"}))
    assert main(["plot", str(tmp_path / "x.incomplete")]) == 2
    assert "unfinished run" in capsys.readouterr().err


def test_trace_writes_timeline_figures_and_plot_redraws_them(tmp_path, capsys):
    out = tmp_path / "trace"
    assert main(["trace", str(EXAMPLE), "--seed", "1", "--out", str(out), "--quiet"]) == 0
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == ["air_coverage.png", "fuel_levels.png", "post_shortfalls.png"]
    assert {"air.csv", "fuel.csv", "trace.json", "events.csv", "gaps.csv", "metrics.csv"} <= {
        p.name for p in out.iterdir()}  # fmt: skip
    before = _files(out)
    assert main(["plot", str(out), "--quiet"]) == 0
    assert _files(out) == before
