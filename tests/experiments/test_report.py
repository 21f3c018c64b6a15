"""Each results folder gets figures and a self-contained report.html; `summit-sim plot` redraws them
from the folder's files, byte for byte, and refuses a folder that is not a results folder."""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.api import start_experiment
from sim.cli import main
from sim.experiment import RunOptions, design_compare
from sim.numbers import fmt_interval, fmt_value
from sim.plots.files import read_results
from sim.report.answer import checks
from sim.results.tables import TARGET_COLUMNS
from sim.scenario import parse_scenario
from sim.stats import Interval
from tests.helpers import ROOT
from tests.helpers.experiment_scenarios import SMALL, UNSWEPT, write
from tests.helpers.experiments import compare, run, sweep

EXAMPLE = ROOT / "scenarios" / "examples" / "small_summit.yaml"

# SMALL with both posts critical and targets on the demands they name: the U.S. force's posts, the gate
# alone, the U.S. delegation's escorts (a percentile target, checked as the share within 10 min).
SCOPED = SMALL.replace("""  critical_gap_tolerance_min: 30
""", """  critical_gap_tolerance_min: 30
  checks:
    - {metric: post_coverage, force: us, min: 0.995}
    - {metric: critical_gap, post: gate, max: 0.05}
    - {metric: escort_delay_p95_min, delegation: usa, max: 10}
""").replace("""    forces: [us]
    priority: 5""", """    forces: [us]
    critical: true
    priority: 5""")  # fmt: skip
assert SCOPED.count("critical: true") == 2
assert "checks:" in SCOPED


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sweep"
    return sweep(parse_scenario(SMALL), [12, 18, 24, 30, 36], replications=40, workers=1, out=out,
                 command_line="summit-sim sweep small.yaml --troops 12:36:6 -n 40")  # fmt: skip


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _failing_posts(folder, level) -> list[str]:
    """The critical posts short beyond the tolerance at `level`, worst first, read from posts.csv."""
    posts = pd.read_csv(folder / "posts.csv", dtype={"troops": str})
    p = posts[
        (posts["troops"] == str(level)) & (posts["critical"] == 1) & (posts["p_over_tolerance_mean"] > 0)
    ]
    return p.sort_values(["p_over_tolerance_mean", "short_ph_mean"], ascending=False)["post"].tolist()


def test_sweep_writes_its_figures(swept):
    names = sorted(p.name for p in (swept.folder / "figures").iterdir())
    smallest = swept.manifest.answer["smallest_meeting_level"]
    assert smallest is not None
    below = {12: None, 18: 12, 24: 18, 30: 24, 36: 30}[smallest]
    demands = [f"demands_at_{lv}.png" for lv in (below, smallest) if _failing_posts(swept.folder, lv)]
    assert f"demands_at_{below}.png" in demands  # the level below the answer has a failing critical post
    assert names == sorted([
        "coverage_vs_troops.png", "targets_vs_troops.png", "marginal_value.png", "escort_delay_ecdf.png",
        "response_time_ecdf.png", f"shortfall_at_{smallest}.png", f"shortfall_at_{below}.png", *demands,
    ])  # fmt: skip
    for path in (swept.folder / "figures").iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_answers_the_question_and_embeds_every_figure(swept):
    html = (swept.folder / "report.html").read_text()
    smallest = swept.manifest.answer["smallest_meeting_level"]
    assert f"Smallest troop level meeting every target, each with 95% confidence: {smallest}" in html
    assert "What is the smallest headcount of the force “us”" in html
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(list((swept.folder / "figures").iterdir())) >= 8
    assert not re.search(r'src="(?!data:)|<link|<script', html)  # nothing loaded from elsewhere
    for section in ("The question", "The answer", "The scenario", "Results per level",
                    "What falls short, worst first", "Figures", "Where the worst gaps are",
                    "How it was computed"):  # fmt: skip
        assert f">{section}</h2>" in html
    assert "<li>post coverage ≥ 97%</li>" in html  # the targets by their names in targets.csv
    assert "<li>P(critical gap) ≤ 20%</li>" in html
    assert "are defined in <code>docs/metrics.md</code> of the summit-sim project" in " ".join(html.split())
    assert not re.search(r"\d\.\de[-+]\d\d", html)  # no 1.7e-04 for people
    m = swept.manifest.to_json()
    assert m["scenarios"][0]["sha256"] in html
    assert "summit-sim sweep small.yaml --troops 12:36:6 -n 40" in html
    assert f"Root seed {m['seed']}" in html
    assert "Wilson score 95% interval" in html
    assert "Student-t 95% interval" in html
    assert f"summit-sim {m['version']}" in html


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "scoped"
    return sweep(parse_scenario(SCOPED), [12, 24], replications=20, workers=1, out=out)


def _target(folder, level, metric) -> pd.Series:
    checks = pd.read_csv(folder / "targets.csv", dtype={"troops": str})
    return checks[(checks["troops"] == level) & (checks["metric"] == metric)].iloc[0]


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"') : html.index(f'id="{end}"')]


def test_report_names_a_failing_scoped_target_with_its_estimate_and_bound(scoped):
    html = (scoped.folder / "report.html").read_text()
    c = _target(scoped.folder, "24", "post_coverage[force=us]")
    assert (c["target"], c["status"]) == ("post coverage [force us] ≥ 99.5%", "not met")
    answer = _section(html, "answer", "scenario")
    assert "No troop level from 12 to 24 meets every target, each with 95% confidence." in answer
    row = (f"<td class=\"l\">{c['target']}</td><td>{fmt_value(c['metric'], c['estimate'])}</td>"
           f"<td>lower 95% bound {fmt_value(c['metric'], c['value'])} ≥ 99.5%</td>")  # fmt: skip
    assert row in answer
    assert answer.index(row) < answer.index("P(critical gap) [post gate]")  # missed before undecided
    escort = _target(scoped.folder, "12", "escort_within_10min_frac[delegation=usa]")
    assert escort["status"] == "not met"  # no escort for the U.S. delegation at 12: every movement late
    grid = _section(html, "tables", "demands")
    assert f'<td class="l">{escort["target"]}</td><td class="no">0.00%<span class="v">not met' in grid


def test_a_percentile_target_shows_its_percentile_on_its_scope(scoped):
    html = (scoped.folder / "report.html").read_text()
    c = _target(scoped.folder, "24", "escort_within_10min_frac[delegation=usa]")
    assert (c["target_metric"], c["scope"]) == ("escort_delay_p95_min", "delegation=usa")
    s = pd.read_csv(scoped.folder / "summary.csv", dtype={"troops": str})
    p95 = s[(s["troops"] == "24") & (s["metric"] == "escort_delay_p95_min[delegation=usa]")].iloc[0]
    note = f"{fmt_value(c['metric'], c['estimate'])} (p95 {fmt_value(p95['metric'], p95['mean'])})"
    assert f'<td class="l">{c["target"]}</td><td>{note}</td>' in _section(html, "answer", "scenario")


def test_only_a_percentile_target_gets_a_percentile_note():
    # A share target at 90% (written as a share) and a p90 target on the same scope: only the p90
    # target, by the metric it was written on (targets.csv's target_metric), shows the p90.
    col = "response_within_20min_frac[stream=qrf]"
    rows = [
        ["24", name, written, "stream=qrf", col, "ci_low", 0.9, 0.95, 1, "met", 0.97, 20, ""]
        for name, written in (("share", "response_within_frac"), ("p90", "response_time_p90_min"))
    ]
    t = SimpleNamespace(
        key="troops",
        checks=pd.DataFrame(rows, columns=["troops", *TARGET_COLUMNS]),
        summary=pd.DataFrame({"troops": ["24"], "metric": ["response_time_p90_min[stream=qrf]"],
                              "mean": [12.5], "n": [20]}),
    )  # fmt: skip
    estimates = {c["target"]: c["estimate"] for c in checks(t, "24")}  # type: ignore[arg-type]
    assert estimates == {"share": "97.00%", "p90": "97.00% (p90 12.5 min)"}


def test_intervals_stay_within_the_metrics_range_but_differences_do_not():
    assert (
        fmt_interval("post_coverage", Interval(0.9964, 0.9890, 1.0039, 0.01, 30)) == "99.64% (98.90–100.00%)"
    )
    assert fmt_interval("escort_delay_p95_min", Interval(2.88, -2.75, 8.51, 5, 30)) == "2.88 min (0.00–8.51)"
    assert fmt_interval("gap_person_hours", Interval(0.0, -0.3, 0.3, 0.5, 30)) == "0.0 person-h (0.0–0.3)"
    # a person-hours difference below a whole person-hour, its interval clear of 0, was "0 person-h *"
    assert fmt_interval("gap_person_hours", Interval(-0.3, -0.5, -0.1, 0.2, 30), difference=True) == (
        "-0.3 person-h (-0.5–-0.1)"
    )
    diff = Interval(2.88, -2.75, 8.51, 5, 30)
    assert fmt_interval("escort_delay_p95_min", diff, difference=True) == "2.88 min (-2.75–8.51)"
    share = Interval(-0.02, -0.05, 0.01, 0.01, 30)
    assert fmt_interval("post_coverage", share, difference=True) == "-2.00 pp (-5.00–1.00 pp)"
    assert fmt_interval("post_coverage", Interval(1.0, math.nan, math.nan, 0, 1)) == "100.00% (n=1)"


def test_a_number_too_small_for_its_decimals_shows_a_significant_digit():
    # A step that buys 0.004 percentage points, its interval clear of 0, read "0.00% *" (and a step
    # that buys nothing, "-0.00% (-0.00–0.00%)"): the number behind the star is shown.
    step = Interval(0.00004, 0.00001, 0.00007, 0.00003, 20)
    assert fmt_interval("post_coverage", step, difference=True) == "0.004 pp (0.001–0.007 pp)"
    noise = Interval(-0.0000012, -0.0000046, 0.0000022, 0.0000034, 20)
    assert fmt_interval("post_coverage", noise, difference=True) == "-0.0001 pp (-0.0005–0.0002 pp)"
    assert fmt_value("post_coverage", 0.98576) == "98.58%"  # at two decimals as before
    assert fmt_value("post_coverage", 1e-9) == fmt_value("post_coverage", -1e-9) == "0.00%"  # no "-0.00%"


def test_a_run_without_a_swept_force_gets_its_report_and_shortfall(tmp_path):
    # Its level is the empty label, which CSV reads back as NaN: the tables are read with "" instead.
    scenario = parse_scenario(UNSWEPT.replace("headcount: 24", "headcount: 8"))
    r = run(scenario, replications=5, workers=1, out=tmp_path / "run")
    html = (r.folder / "report.html").read_text()
    assert "the scenario&#39;s staffing" in html
    tables = read_results(r.folder)
    assert tables.labels == [""]
    assert not tables.summary[tables.summary["troops"] == ""].empty
    by_site, _by_city = tables.shortfall[""]
    assert float(by_site.to_numpy().sum()) > 0  # gaps.csv read at the empty label too
    assert (r.folder / "figures" / "shortfall_at_.png").is_file()


def test_report_says_when_replications_not_troops_are_missing_and_how_many(scoped):
    html = (scoped.folder / "report.html").read_text()
    c = _target(scoped.folder, "24", "critical_gap[post=gate]")
    assert (c["status"], int(c["replications_needed"])) == ("undecided", 73)  # 0 of 20: Wilson needs 73
    answer = _section(html, "answer", "scenario")
    assert (f"<td class=\"l\">{c['target']}</td><td>0.00%</td><td>upper 95% bound 16.11% ≤ 5%</td>\n"
            "      <td class=\"l\"><span class=\"undecided\">undecided: replications, not troops, are "
            "missing: about 73 would show it</span>") in answer  # fmt: skip
    assert "undecided (~73 reps)" in _section(html, "tables", "demands")


def test_report_says_so_when_only_replications_are_missing_at_the_top_level(tmp_path):
    # At 36 troops every estimate meets its target and only the replications are too few to show it.
    r = run(parse_scenario(SCOPED), troops=36, replications=20, workers=1, out=tmp_path / "run")
    assert r.manifest.answer["replications_short"] == {"36": 73}
    html = (r.folder / "report.html").read_text()
    assert ("At 36 troops every estimate meets its target: replications, not troops, are missing. About 73 "
            "replications would show it (--replications 73, or --precision).") in html  # fmt: skip


def test_report_shows_the_failing_critical_posts_worst_first(scoped, tmp_path):
    html = (scoped.folder / "report.html").read_text()
    worst = _failing_posts(scoped.folder, "24")
    assert worst == ["hotel_door"]  # the gate is never short at 24
    short = _section(html, "demands", "figures")
    assert "<h3>At 24 troops</h3>" in short
    assert f'<tr><td class="l">{worst[0]}</td><td class="l">hotel (lima)</td><td class="l">us</td>' in short
    assert "Per force (and per city where it serves)" in short
    assert "figures/demands_at_24.png" in html
    r = run(parse_scenario(SCOPED), troops=12, replications=20, workers=1, out=tmp_path / "run12")
    order = _failing_posts(r.folder, "12")
    assert len(order) == 2
    short = _section((r.folder / "report.html").read_text(), "demands", "figures")
    assert short.index(f'<td class="l">{order[0]}</td>') < short.index(f'<td class="l">{order[1]}</td>')
    assert "Delegations (and tiers, cities) whose escorts were late" in short
    assert '<td class="l">delegation</td><td class="l">usa</td><td>∞</td>' in short


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
    assert (
        "30 troops meets every target, each with 95% confidence." in html or "30 troops does NOT meet" in html
    )
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


def test_report_escapes_invisible_and_control_characters_from_the_file(tmp_path):
    # A right-to-left override would reorder what the reader sees, a NUL hide what follows it: the
    # report shows both as their escapes, and keeps the rest of the text as it was.
    text = UNSWEPT.replace("timezone:", 'description: "exercise \\u202egpj.exe \\0 end"\ntimezone:', 1)
    scenario = parse_scenario(text)
    assert scenario.description == "exercise \u202egpj.exe \x00 end"
    r = run(scenario, replications=2, workers=1, out=tmp_path / "run")
    html = (r.folder / "report.html").read_text()
    assert "\u202e" not in html
    assert "\x00" not in html
    assert "<p>exercise \\u202egpj.exe \\x00 end</p>" in html


def test_the_sweep_table_counts_missed_and_undecided_targets_apart():
    from sim.report.console import _not_met

    def check(met: bool, status: str) -> SimpleNamespace:
        return SimpleNamespace(met=met, status=status)

    met, missed, undecided = check(True, "met"), check(False, "not met"), check(False, "undecided")
    assert _not_met([met, met]) == "none"
    assert _not_met([met, undecided, undecided]) == "2 undecided (of 3)"  # was "2 of 3 (2 undecided)"
    assert _not_met([missed, undecided, met]) == "1 missed, 1 undecided (of 3)"
    assert _not_met([missed, met, met]) == "1 missed (of 3)"


def test_an_estimate_and_its_bounds_have_the_same_decimals():
    # "12.98 min (12.46–13.5)" and "0.4962 person-h (0.0020–0.9905)": each number had its own.
    assert (
        fmt_interval("escort_delay_p95_min", Interval(12.98, 12.46, 13.5, 1, 30)) == "12.98 min (12.46–13.50)"
    )
    pair = Interval(0.4962, 0.002, 0.9905, 0.5, 30)
    assert fmt_interval("gap_person_hours", pair, difference=True) == "0.496 person-h (0.002–0.991)"
    # a bound that excludes 0 never prints as 0 (it read "-1 person-h (-2–0) *")
    assert fmt_interval("overtime_person_hours", Interval(-1.2, -2.1, -0.3, 1, 30), difference=True) == (
        "-1.2 person-h (-2.1–-0.3)"
    )


def test_a_compare_of_three_variants_names_each_pair_and_holm(tmp_path):
    # With three variants the one "B − A" table listed every metric twice, the variant named nowhere, and
    # its "significant" was the uncorrected one where the answer spoke of Holm's correction.
    base = write(tmp_path, SMALL, "base.yaml")
    fewer = write(tmp_path, SMALL.replace("headcount: 24", "headcount: 18"), "fewer.yaml")
    least = write(tmp_path, SMALL.replace("headcount: 24", "headcount: 12"), "least.yaml")
    options = RunOptions(replications=10, workers=1, out=str(tmp_path / "cmp3"))
    c = start_experiment(design_compare(base, fewer, least, options=options), options)
    html = (c.folder / "report.html").read_text()
    whole = html
    assert "Each variant − the first, paired on common random numbers" in whole
    for pair in ("fewer − base", "least − base"):
        assert f'<td class="l">post coverage</td><td class="l">{pair}</td>' in whole
    assert "(Holm)" in whole
    assert "The two variants side by side" not in html
