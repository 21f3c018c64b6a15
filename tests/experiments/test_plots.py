"""Figure functions (sim.plots) on small hand-made tables: each returns a Figure titled with the scenario
and the replications, with labelled axes and the expected lines; the shortfall grid's exact sums."""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from sim import plots
from sim.experiment.distributions import Histograms, _bin, upper_edges
from sim.metrics import METRICS
from sim.model import run_replication
from sim.plots import files as plot_files
from sim.plots.trace import step_count
from sim.results.files import INCOMPLETE
from sim.results.trace import write_trace_folder
from sim.scenario import load_scenario
from tests.helpers import ROOT
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.experiments import resume, sweep

START = dt.datetime(2024, 11, 14)
END = dt.datetime(2024, 11, 15)


def _summary(levels=(10, 20, 30), air=True) -> pd.DataFrame:
    rows = []
    for i, t in enumerate(levels):
        cov = 0.9 + 0.04 * i
        rows.append([t, "post_coverage", cov, cov - 0.01, cov + 0.01, 0.02, 20])
        gap = 1.0 - 0.5 * i
        rows.append([t, "critical_gap", gap, max(0.0, gap - 0.2), min(1.0, gap + 0.1), 0.3, 20])
        a = 0.5 + 0.2 * i if air else np.nan
        rows.append([t, "air_coverage", a, a - 0.05, a + 0.05, 0.1, 20 if air else 0])
        rows.append([t, "escort_delay_p95_min", 20 - 5 * i, 18 - 5 * i, 22 - 5 * i, 3, 20])
    return pd.DataFrame(rows, columns=["troops", "metric", "mean", "ci_low", "ci_high", "std", "n"])


TARGETS = {"post_coverage_min": 0.95, "p_critical_gap_max": 0.05, "escort_delay_p95_max_min": 15.0}


def _draw(fig) -> None:
    """Render the figure as a PNG would be (axis limits are checked only when drawn)."""
    fig.savefig(io.BytesIO(), format="png")


def test_coverage_vs_troops_has_a_panel_per_measure_with_band_target_and_answer():
    fig = plots.coverage_vs_troops(_summary(), TARGETS, scenario="tiny", replications=20, smallest=30)
    title = fig._suptitle.get_text()
    assert title.startswith("tiny: coverage and P(critical gap) against troop level")
    assert "20 replications per level" in title
    cov, gap, air = fig.axes
    assert [line.get_label() for line in cov.get_lines()] == [
        "mean post coverage",
        "target ≥ 95%",
        "smallest level meeting every target: 30",
    ]
    assert len(gap.get_lines()) == 3  # mean, target, smallest level
    assert len(air.get_lines()) == 2  # mean, smallest level (air coverage has no target)
    assert "post coverage" in cov.get_ylabel()
    assert "person-hours" in cov.get_ylabel()
    assert "troops" in air.get_xlabel()
    assert [t.get_text() for t in air.get_xticklabels()] == ["10", "20", "30"]
    assert len(cov.collections) == 1  # the CI band
    _draw(fig)


def test_coverage_vs_troops_leaves_out_air_coverage_when_not_measured():
    fig = plots.coverage_vs_troops(_summary(air=False), scenario="tiny", replications=20)
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["mean post coverage"]


def _scoped_summary() -> pd.DataFrame:
    """The whole event passes 95% coverage at 30 while the swept force's own posts stay short."""
    rows = [[t, "post_coverage[force=us]", c, c - 0.01, c + 0.01, 0.02, 20]
            for t, c in ((10, 0.5), (20, 0.7), (30, 0.9))]  # fmt: skip
    extra = pd.DataFrame(rows, columns=["troops", "metric", "mean", "ci_low", "ci_high", "std", "n"])
    return pd.concat([_summary(), extra], ignore_index=True)


def test_coverage_vs_troops_adds_the_swept_forces_posts_when_a_target_names_that_force():
    targets = {**TARGETS, "checks": [{"metric": "post_coverage", "force": "us", "min": 0.99},
                                     {"metric": "post_coverage", "city": "lima", "min": 0.9}]}  # fmt: skip
    fig = plots.coverage_vs_troops(_scoped_summary(), targets, scenario="tiny", replications=20, force="us")
    cov = fig.axes[0]
    labels = [line.get_label() for line in cov.get_lines()]
    assert labels == ["mean post coverage (whole event)", "target ≥ 95% (whole event)",
                      "mean post coverage, force us", "target ≥ 99%, force us"]  # fmt: skip
    scoped = cov.get_lines()[2]
    assert scoped.get_ydata().tolist() == pytest.approx([0.5, 0.7, 0.9])
    assert cov.get_ylim()[0] < 0.49  # the force's lowest bound is in view
    assert "dash-dot: the posts of force us" in fig._suptitle.get_text()
    other = plots.coverage_vs_troops(_scoped_summary(), targets, scenario="tiny", replications=20, force="uk")
    assert len(other.axes[0].get_lines()) == 2  # no target on the swept force: whole event only


def _checks(rows) -> pd.DataFrame:
    cols = ["troops", "target", "metric", "bound", "limit", "value", "met", "status", "estimate", "n",
            "replications_needed"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _check(level, name, metric, limit, value, status, estimate, bound="ci_low", needed=""):
    """One row of targets.csv."""
    return [level, name, metric, bound, limit, value, int(status == "met"), status, estimate, 20, needed]


def _three_targets() -> pd.DataFrame:
    rows = []
    statuses = {10: ("not met", "not met", "not met"), 20: ("met", "not met", "undecided"),
                30: ("met", "undecided", "met")}  # fmt: skip
    for t, (cov, gap, esc) in statuses.items():
        for (name, metric, bound, limit, value), status in zip((
            ("post coverage ≥ 0.95", "post_coverage", "ci_low", 0.95, 0.96),
            ("P(critical gap) [post gate] ≤ 0.05", "critical_gap", "ci_high", 0.05, 0.2),
            ("escort delay p95 ≤ 15 min (≥ 95% within it)", "escort_delay_p95_min", "ci_high", 15.0, 12.0),
        ), (cov, gap, esc), strict=True):  # fmt: skip
            need = 73 if status == "undecided" else ""
            rows.append([t, name, metric, bound, limit, value, int(status == "met"), status, value, 20, need])
    return _checks(rows)


def test_targets_vs_troops_draws_a_panel_per_named_target_most_binding_first():
    fig = plots.targets_vs_troops(_summary(), _three_targets(), scenario="tiny", replications=20)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    # still undecided at the highest level first, then met from 30 on, then met from 20 on
    assert [ax.get_title() for ax in visible] == [
        "P(critical gap) [post gate] ≤ 0.05",
        "escort delay p95 ≤ 15 min (≥ 95% within it)",
        "post coverage ≥ 0.95",
    ]
    gap = visible[0]
    assert [line.get_label() for line in gap.get_lines()][:2] == ["mean", "target"]
    missed, undecided = gap.collections[1:3]  # after the CI band: the bound at each status, in order
    assert len(missed.get_offsets()) == 2
    assert len(undecided.get_offsets()) == 1
    assert undecided.get_facecolor()[0][:3] == pytest.approx(to_rgb("tab:orange"))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "checked bound: undecided (more replications would show it)" in legend
    assert "tiny: each target against troop level" in fig._suptitle.get_text()
    assert "not shown" not in fig._suptitle.get_text()
    _draw(fig)


def test_targets_vs_troops_caps_the_panels_and_says_how_many_are_left_out():
    rows = []
    for k in range(15):
        for t in (10, 20, 30):
            met = int(t >= 10 + 10 * (k % 3))
            rows.append([t, f"post coverage [post p{k}] ≥ 0.95", f"post_coverage[post=p{k}]", "ci_low", 0.95,
                         0.96 if met else 0.9, met, "met" if met else "not met", 0.96, 20, ""])  # fmt: skip
    fig = plots.targets_vs_troops(_summary(), _checks(rows), scenario="tiny", replications=20, max_panels=6)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 6
    assert "6 of 15 targets shown, most binding first; 9 not shown" in fig._suptitle.get_text()
    assert visible[0].get_title() == "post coverage [post p2] ≥ 0.95"  # met only from 30 on
    _draw(fig)


def test_figures_survive_infinite_means():
    s = _summary()
    s.loc[s["metric"] == "escort_delay_p95_min", ["mean", "ci_low", "ci_high"]] = np.inf
    s.loc[(s["metric"] == "post_coverage") & (s["troops"] == 10), ["mean", "ci_low", "ci_high"]] = np.inf
    rows = [[t, "escort delay p95 ≤ 15 min", "escort_delay_p95_min", "ci_high", 15.0, np.inf, 0, "not met",
             np.inf, 20, ""] for t in (10, 20, 30)]  # fmt: skip
    fig = plots.targets_vs_troops(s, _checks(rows), scenario="tiny", replications=20)
    assert "∞ at 10, 20, 30" in [t.get_text() for t in fig.axes[0].texts]
    _draw(fig)
    _draw(plots.coverage_vs_troops(s, TARGETS, scenario="tiny", replications=20))
    v = s[s["troops"] != 10].assign(variant=lambda d: d["troops"].astype(str)).drop(columns="troops")
    d = pd.DataFrame([["escort_delay_p95_min", np.nan, np.nan, np.nan, np.nan, 20, 0],
                      ["post_coverage", 0.04, 0.03, 0.05, 0.01, 20, 1]],
                     columns=["metric", "mean", "ci_low", "ci_high", "std", "n", "significant"])  # fmt: skip
    fig = plots.compare_variants(v, d, scenario="tiny", replications=20)
    assert "∞" in [t.get_text() for ax in fig.axes for t in ax.texts]
    _draw(fig)
    steps = pd.DataFrame([[10, 20, "post_coverage", np.nan, np.nan, np.nan, np.nan, 20, 0],
                          [20, 30, "post_coverage", 0.1, 0.05, 0.15, 0.02, 20, 1]],
                         columns=["troops_from", "troops_to", "metric", "mean", "ci_low", "ci_high", "std",
                                  "n", "significant"])  # fmt: skip
    _draw(plots.marginal_value(steps, scenario="tiny", replications=20))


def _degenerate_summary(levels: tuple[int, ...], case: str) -> pd.DataFrame:
    """`summary.csv` as one replication leaves it (`nan interval`: a mean, no interval) or with every
    metric unmeasured (`all nan`), with a force's own posts as well."""
    rows = []
    for t in levels:
        for metric in ("post_coverage", "post_coverage[force=us]", "critical_gap", "air_coverage",
                       "escort_delay_p95_min"):  # fmt: skip
            mean = 0.9 if case == "nan interval" else np.nan
            rows.append([t, metric, mean, np.nan, np.nan, np.nan, 1 if case == "nan interval" else 0])
    return pd.DataFrame(rows, columns=["troops", "metric", "mean", "ci_low", "ci_high", "std", "n"])


@pytest.mark.filterwarnings("error")  # not even an All-NaN RuntimeWarning on the way
@pytest.mark.parametrize("levels", [(20, 40), (40,)], ids=["two levels", "one level"])
@pytest.mark.parametrize("case", ["nan interval", "all nan"])
def test_figures_draw_with_one_replication_nan_intervals_and_all_nan_metrics(case, levels):
    """`sweep --troops 20,40 -n 1` stopped with "Axis limits cannot be NaN": every figure must draw."""
    s = _degenerate_summary(levels, case)
    targets = {**TARGETS, "checks": [{"metric": "post_coverage", "force": "us", "min": 0.9}]}
    fig = plots.coverage_vs_troops(s, targets, scenario="tiny", replications=1, smallest=40)
    _draw(fig)
    for ax in fig.axes:
        assert all(math.isfinite(x) for x in (*ax.get_ylim(), *ax.get_xlim()))
    if case == "nan interval":  # the means are drawn, inside the axis
        low, high = fig.axes[0].get_ylim()
        assert low < 0.9 < high
        assert "1 replication" in fig._suptitle.get_text()
    checks = _checks([[t, "post coverage ≥ 0.95", "post_coverage", "ci_low", 0.95, np.nan, 0, "undecided",
                       s["mean"].iloc[0], 1, 2] for t in levels])  # fmt: skip
    _draw(plots.targets_vs_troops(s, checks, scenario="tiny", replications=1, smallest=np.nan))
    steps = pd.DataFrame([[levels[0], levels[-1], m, s["mean"].iloc[0], np.nan, np.nan, np.nan, 1, 0]
                          for m in ("post_coverage", "gap_person_hours")],
                         columns=["troops_from", "troops_to", "metric", "mean", "ci_low", "ci_high", "std",
                                  "n", "significant"])  # fmt: skip
    _draw(plots.marginal_value(steps, scenario="tiny", replications=1))
    variants = s.assign(variant=s["troops"].astype(str)).drop(columns="troops")
    _draw(plots.compare_variants(variants, steps.drop(columns=["troops_from", "troops_to"]), scenario="tiny",
                                 replications=1))  # fmt: skip
    posts = pd.DataFrame([[str(levels[0]), "gate", "lima", "lcc", 1, "us", np.nan, np.nan, np.nan, np.nan,
                           np.nan, np.nan, 1.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]],
                         columns=["troops", "post", "city", "site", "critical", "forces", "coverage_mean",
                                  "coverage_ci_low", "coverage_ci_high", "short_ph_mean", "short_ph_ci_low",
                                  "short_ph_ci_high", "p_over_tolerance_mean", "p_over_tolerance_ci_low",
                                  "p_over_tolerance_ci_high", "longest_gap_h_mean", "longest_gap_h_p50",
                                  "longest_gap_h_p90", "longest_gap_h_max"])  # fmt: skip
    air = pd.DataFrame([[str(levels[0]), "requirement", "helo", 0.5, np.nan, np.nan]],
                       columns=["troops", "scope", "value", "coverage_mean", "coverage_ci_low",
                                "coverage_ci_high"])  # fmt: skip
    level = str(levels[0])
    helo = "air_coverage[requirement=helo]"
    air_check = _checks([_check(level, "air coverage [requirement helo] ≥ 0.95", helo, np.nan, np.nan,
                                "undecided", 0.5)])  # fmt: skip
    _draw(plots.demands_at_level(posts, air, air_check, level=level, scenario="tiny", replications=1))
    never = pd.DataFrame([[str(levels[0]), q, np.inf, 3] for q in ("escort_wait_min", "response_min")],
                         columns=["troops", "quantity", "upper_min", "count"])  # fmt: skip
    unset = [("target", np.nan, np.nan)]
    _draw(plots.escort_delay_ecdf(never, share_targets=unset, scenario="tiny", replications=1))
    _draw(plots.response_time_ecdf(never, target_min=[np.nan], scenario="tiny", replications=1))


def test_a_sweep_of_one_replication_draws_its_figures_and_a_folder_that_failed_to_draw_resumes(
    tmp_path, monkeypatch
):
    scenario = write(tmp_path, SMALL)
    out = tmp_path / "sweep"

    def broken(*args, **kwargs):
        raise ValueError("Axis limits cannot be NaN or Inf")  # as coverage_vs_troops did

    monkeypatch.setattr(plot_files, "coverage_vs_troops", broken)
    with pytest.raises(ValueError, match="Axis limits"):
        sweep(scenario, [12, 24], replications=1, workers=1, out=out)
    left = tmp_path / ("sweep" + INCOMPLETE)
    assert left.is_dir()
    assert not out.exists()
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        done = resume(left, workers=1)
    assert done.folder == out
    assert not left.exists()
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert {"coverage_vs_troops.png", "marginal_value.png", "targets_vs_troops.png"} <= set(figures)
    assert (out / "report.html").is_file()
    with warnings.catch_warnings():  # the real tables of one replication: NaN intervals everywhere
        warnings.simplefilter("error", RuntimeWarning)
        assert sorted(plots.save_figures(out)) == sorted(p[:-4] for p in figures)
    one = tmp_path / "one"
    sweep(scenario, [24], replications=1, workers=1, out=one)  # a sweep of one level
    assert (one / "report.html").is_file()
    assert list((one / "figures").glob("*.png"))


def test_marginal_value_shows_each_step_with_its_interval_and_the_better_direction():
    d = pd.DataFrame(
        [[a, b, m, 0.1, 0.05, 0.15, 0.02, 20, 1] for a, b in ((10, 20), (20, 30))
         for m in ("post_coverage", "gap_person_hours")],
        columns=["troops_from", "troops_to", "metric", "mean", "ci_low", "ci_high", "std", "n",
                 "significant"],
    )  # fmt: skip
    fig = plots.marginal_value(d, scenario="tiny", replications=20)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["10→20", "20→30"]
    assert visible[0].get_ylabel().startswith("Δ post coverage  (↑ better)")
    assert "percentage points" in visible[0].get_ylabel()
    assert visible[1].get_ylabel().startswith("Δ post shortfall  (↓ better)")
    assert "paired difference" in fig._suptitle.get_text()


def test_metric_labels_name_the_metrics_of_today_scoped_or_not():
    assert "late_response_frac" not in plots.sweep.METRIC_LABELS
    for metric in METRICS:
        assert metric in plots.sweep.METRIC_LABELS, metric
    assert plots.metric_label("post_coverage[force=us]")[0] == "post coverage [force us]"
    short, axis = plots.metric_label("escort_within_15min_frac[delegation=usa]")
    assert short == "movements escorted within 15 min [delegation usa]"
    assert axis.endswith("(share of movements)")
    assert plots.sweep.better("unanswered_incidents") == -1
    assert plots.sweep.better("response_within_30min_frac[city=pisco]") == 1


def test_demands_at_level_draws_failing_critical_posts_and_air_requirements_worst_first():
    posts = pd.DataFrame([
        ["20", "gate", "lima", "lcc", 1, "us", 0.9, 0.85, 0.95, 30, 25, 35, 0.5, 0.3, 0.7, 2, 1.5, 4, 6],
        ["20", "door", "lima", "hotel", 1, "us", 0.5, 0.4, 0.6, 70, 60, 80, 1.0, 0.84, 1.0, 12, 12, 12, 12],
        ["20", "lobby", "lima", "hotel", 0, "us", 0.1, 0.0, 0.2, 90, 80, 99, 1.0, 0.84, 1.0, 20, 20, 20, 20],
        ["20", "fine", "lima", "lcc", 1, "us", 1.0, 1.0, 1.0, 0, 0, 0, 0.0, 0.0, 0.16, 0, 0, 0, 0],
        ["10", "gate", "lima", "lcc", 1, "us", 0.1, 0.05, 0.15, 90, 85, 95, 1.0, 0.84, 1.0, 30, 30, 30, 30],
    ], columns=["troops", "post", "city", "site", "critical", "forces", "coverage_mean", "coverage_ci_low",
                "coverage_ci_high", "short_ph_mean", "short_ph_ci_low", "short_ph_ci_high",
                "p_over_tolerance_mean", "p_over_tolerance_ci_low", "p_over_tolerance_ci_high",
                "longest_gap_h_mean", "longest_gap_h_p50", "longest_gap_h_p90",
                "longest_gap_h_max"])  # fmt: skip
    air = pd.DataFrame(
        [["20", "requirement", "helo", 0.7, 0.6, 0.8], ["20", "requirement", "awacs", 0.97, 0.96, 0.98],
         ["20", "requirement", "full", 1.0, 1.0, 1.0], ["20", "city", "lima", 0.8, 0.75, 0.85]],
        columns=["troops", "scope", "value", "coverage_mean", "coverage_ci_low", "coverage_ci_high"],
    )  # fmt: skip
    checks = _checks([_check("20", "air coverage [requirement helo] ≥ 0.95", "air_coverage[requirement=helo]",
                             0.95, 0.6, "not met", 0.7)])  # fmt: skip
    assert plots.failing_posts(posts, "20")["post"].tolist() == ["door", "gate"]  # critical, worst first
    assert plots.failing_air(air, "20")["value"].tolist() == ["helo", "awacs"]
    fig = plots.demands_at_level(posts, air, checks, level="20", scenario="tiny", replications=20)
    ax_p, ax_a = fig.axes
    assert [t.get_text() for t in ax_p.get_yticklabels()] == ["door (hotel)", "gate (lcc)"]
    notes = [t.get_text() for t in ax_p.texts]
    assert notes[0] == "100%; coverage 50%; longest gap p90 12 h"
    assert [t.get_text() for t in ax_a.get_yticklabels()] == ["helo", "awacs"]
    assert [t.get_text() for t in ax_a.texts] == ["70%; target ≥ 95%: not met", "97%"]
    assert ax_a.patches[0].get_facecolor()[:3] == pytest.approx(to_rgb("tab:red"))
    assert "tiny: what falls short at 20 troops, worst first" in fig._suptitle.get_text()
    _draw(fig)
    quiet = plots.demands_at_level(posts.iloc[3:4], air.iloc[2:3], level="20", scenario="tiny")
    assert "no critical post short beyond the tolerance in any replication" in [
        t.get_text() for t in quiet.axes[0].texts
    ]
    assert "every air requirement fully covered" in [t.get_text() for t in quiet.axes[1].texts]


def test_names_moved_out_of_sweep_stay_importable_from_it():
    assert plots.sweep.targets_vs_troops is plots.targets.targets_vs_troops is plots.targets_vs_troops
    assert plots.sweep.binding_order is plots.targets.binding_order
    assert plots.sweep.METRIC_LABELS is plots.labels.METRIC_LABELS
    assert plots.sweep.better is plots.labels.better
    assert plots.sweep.metric_label is plots.labels.metric_label is plots.metric_label


def test_air_targets_name_the_requirement_each_target_checks():
    checks = _checks([
        _check("20", "air coverage [requirement helo] ≥ 0.95", "air_coverage[requirement=helo]", 0.95, 0.6,
               "not met", 0.7),
        _check("20", "air coverage [city lima] ≥ 0.9", "air_coverage[city=lima]", 0.9, 0.95, "met", 0.97),
        _check("10", "air coverage [requirement awacs] ≥ 0.9", "air_coverage[requirement=awacs]", 0.9, 0.5,
               "not met", 0.6),
    ])  # fmt: skip
    found = plots.demands.air_targets(checks, "20")
    assert found[["requirement", "target"]].values.tolist() == [
        ["helo", "air coverage [requirement helo] ≥ 0.95"]
    ]
    assert plots.demands.air_targets(None, "20").empty


def test_share_targets_come_from_the_checked_columns_of_targets_csv():
    checks = _checks([
        _check("10", "escort delay p95 ≤ 15 min", "escort_within_15min_frac", 0.95, 0.9, "not met", 0.9),
        _check("10", "escort delay p95 [delegation usa] ≤ 15 min", "escort_within_15min_frac[delegation=usa]",
               0.95, 0.9, "not met", 0.9),
        _check("20", "escort delay p95 ≤ 15 min", "escort_within_15min_frac", 0.95, 0.97, "met", 0.98),
        _check("10", "movements escorted within 6 min [tier t1] ≥ 0.8", "escort_within_6min_frac[tier=t1]",
               0.8, 0.7, "not met", 0.75),
        _check("10", "response p90 ≤ 30 min", "response_within_30min_frac", 0.9, 0.95, "met", 0.96),
    ])  # fmt: skip
    assert plot_files.share_targets(checks, "escort") == [
        ("target: ≥ 95% within 15 min (whole event; delegation usa)", 15.0, 0.95),
        ("target: ≥ 80% within 6 min (tier t1)", 6.0, 0.8),
    ]
    assert plot_files.share_targets(checks, "response") == [
        ("target: ≥ 90% within 30 min (whole event)", 30.0, 0.9)]  # fmt: skip
    fig = plots.escort_delay_ecdf(_dist(), share_targets=plot_files.share_targets(checks, "escort"),
                                  scenario="tiny", replications=3)  # fmt: skip
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "target: ≥ 80% within 6 min (tier t1)" in labels
    assert 0.8 in [line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() != "-"]
    _draw(fig)


# -- shortfall by site and hour --------------------------------------------------------------------
GAPS = pd.DataFrame(
    [
        ["post", "gate", "lima", "venue", "2024-11-14 00:30:00", "2024-11-14 02:15:00", 2],
        ["post", "door", "lima", "hotel", "2024-11-14 23:00:00", "2024-11-15 03:00:00", 1],  # past the end
        ["post", "gate", "lima", "venue", "2024-11-14 05:00:00", "2024-11-14 05:30:00", 4],
        ["air", "watch", "lima", "venue", "2024-11-14 05:00:00", "2024-11-14 09:00:00", 1],  # not people
    ],
    columns=["demand", "name", "city", "site", "start", "end", "short"],
)


def test_shortfall_by_hour_splits_each_interval_over_the_hours_it_touches():
    t = plots.shortfall_by_hour(GAPS, START, END, by="site", replications=2)
    assert list(t.index) == ["venue", "hotel"]  # most person-hours first
    assert len(t.columns) == 24
    venue = t.loc["venue"].to_numpy()
    # 2 people from 00:30 to 02:15 and 4 from 05:00 to 05:30, over 2 replications
    assert venue[:6] == pytest.approx([0.5, 1.0, 0.25, 0, 0, 1.0])
    assert venue.sum() == pytest.approx((2 * 1.75 + 4 * 0.5) / 2)
    assert t.loc["hotel"].to_numpy()[23] == pytest.approx(0.5)  # clipped at the end of the window
    by_city = plots.shortfall_by_hour(GAPS, START, END, by="city", replications=2)
    assert by_city.loc["lima"].sum() == pytest.approx(t.to_numpy().sum())


def test_shortfall_grid_adds_chunks_to_the_same_total():
    whole = plots.shortfall_by_hour(GAPS, START, END)
    grid = plots.ShortfallGrid(START, END)
    grid.add(GAPS.iloc[:2])
    grid.add(GAPS.iloc[2:])
    pd.testing.assert_frame_equal(grid.table(), whole)


def test_top_places_and_hours():
    t = plots.shortfall_by_hour(GAPS, START, END)
    top = plots.top_places(t)
    assert list(top.index) == ["venue", "hotel"]
    assert top.loc["venue", "person_hours"] == pytest.approx(5.5)
    assert top.loc["venue", "worst_hour"] == pd.Timestamp("2024-11-14 01:00")  # the first of two at 2.0
    hours = plots.top_hours(t, n=3)
    assert list(hours.columns) == ["site", "hour", "person_hours"]
    assert hours.values.tolist() == [
        ["venue", pd.Timestamp("2024-11-14 01:00"), 2.0],
        ["venue", pd.Timestamp("2024-11-14 05:00"), 2.0],
        ["venue", pd.Timestamp("2024-11-14 00:00"), 1.0],  # ties keep the table order
    ]


def test_shortfall_heatmap_has_site_and_city_panels_in_local_time():
    by_site = plots.shortfall_by_hour(GAPS, START, END, by="site")
    by_city = plots.shortfall_by_hour(GAPS, START, END, by="city")
    fig = plots.shortfall_heatmap(by_site, by_city, level="20", scenario="tiny", replications=5,
                                  timezone="America/Lima")  # fmt: skip
    site, city, colorbar = fig.axes
    assert "tiny: where and when: post shortfall at 20 troops" in fig._suptitle.get_text()
    assert "5 replications per level" in fig._suptitle.get_text()
    assert [t.get_text() for t in site.get_yticklabels()] == ["venue  (5.5 ph)", "hotel  (1 ph)"]
    assert city.get_xlabel() == "local time (America/Lima)"
    assert "person-hours short" in colorbar.get_ylabel()
    assert mdates.num2date(site.get_xlim()[0]).replace(tzinfo=None) == START


def test_shortfall_heatmap_says_when_nobody_was_short():
    empty = plots.shortfall_by_hour(GAPS.iloc[:0], START, END)
    fig = plots.shortfall_heatmap(empty, scenario="tiny", replications=5)
    assert "no shortfall at any site" in [t.get_text() for t in fig.axes[0].texts]


# -- distributions ---------------------------------------------------------------------------------
def _dist() -> pd.DataFrame:
    rows = []
    for label, counts in (("10", {0.0: 6, 5.0: 2, 30.0: 1, np.inf: 1}), ("20", {0.0: 9, 5.0: 1})):
        for upper, n in counts.items():
            rows.append([label, "escort_wait_min", upper, n])
        rows.append([label, "response_min", 12.0, 10])
    return pd.DataFrame(rows, columns=["troops", "quantity", "upper_min", "count"])


def test_ecdf_from_histograms():
    curves = plots.ecdf(_dist(), "escort_wait_min")
    assert list(curves) == ["10", "20"]
    assert curves["10"]["share"].tolist() == pytest.approx([0.6, 0.8, 0.9, 1.0])
    assert curves["20"]["upper_min"].tolist() == [0.0, 5.0]


def test_escort_delay_ecdf_has_a_line_per_level_and_the_target():
    fig = plots.escort_delay_ecdf(_dist(), target_p95_min=15, scenario="tiny", replications=3)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["10 troops (n=10; 10.0% > 30 min or never)", "20 troops (n=10)"]
    assert "p95 target 15 min" in labels
    assert ax.get_xlabel().startswith("minutes waited for an escort")
    assert ax.get_ylabel() == "share of movements waiting at most x"
    assert "tiny: escort delay: empirical CDF" in fig._suptitle.get_text()


def test_response_time_ecdf_marks_each_target_once():
    fig = plots.response_time_ecdf(_dist(), target_min=[20, 15, 20, 30], target_p90_min=30, scenario="tiny",
                                   replications=3)  # fmt: skip
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert [x for x in labels if "target" in x] == ["p90 target 30 min", "incident target 15 min",
                                                    "incident target 20 min"]  # fmt: skip
    assert len([x for x in labels if "troops" in x]) == 2


def test_ecdf_draws_at_most_four_targets_and_says_how_many_more():
    many = [(f"target {m} min", float(m), 0.9) for m in (5, 10, 15, 20, 25, 30)]
    fig = plots.response_time_ecdf(_dist(), share_targets=many, scenario="tiny", replications=3)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert [x for x in labels if x.startswith("target")] == [t[0] for t in many[:4]]
    assert "2 more targets not drawn" in fig._suptitle.get_text()


def test_histograms_bin_right_closed_with_zero_and_beyond():
    edges = upper_edges()
    assert edges[0] == 0
    assert edges[1] == 0.5
    assert edges[-2] == 720
    assert np.isinf(edges[-1])
    assert _bin(np.array([0.0, 1e-12, 0.2, 0.5, 0.51, 720.0, 720.1, np.inf, np.nan])).tolist() == [
        0, 0, 1, 1, 2, 1440, 1441, 1441, 1441]  # fmt: skip
    rows = [["x", "escort_wait_min", "0.5", "3"], ["x", "response_min", "inf", "2"]]
    back = Histograms.from_rows(r[1:] for r in rows)
    assert back.rows("x") == [["x", "escort_wait_min", "0.5", 3], ["x", "response_min", "inf", 2]]


# -- trace timelines -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    scenario = load_scenario(ROOT / "scenarios" / "examples" / "small_summit.yaml")
    record = run_replication(scenario, seed=1, trace=True)
    folder = tmp_path_factory.mktemp("trace")
    write_trace_folder(folder, scenario, record, {"post_coverage": 1.0})
    return plots.read_trace(folder), record


def test_trace_figures_show_air_fuel_and_posts_over_local_time(trace):
    tables, record = trace
    figs = plots.trace_figures(tables)
    assert list(figs) == ["post_shortfalls", "air_coverage", "fuel_levels"]
    for fig in figs.values():
        assert fig._suptitle.get_text().startswith("small_summit: ")
        assert "1 replication; replication 0, seed 1, 40 troops" in fig._suptitle.get_text()
        assert all(
            ax.get_xlabel() in ("local time (America/Lima)", "")
            for ax in fig.axes
            if ax.get_label() != "<colorbar>"
        )
    air = figs["air_coverage"].axes
    assert len(air) == len(record.stations) == 1
    assert air[0].get_title(loc="left").startswith("venue_watch: mh60 over venue (lima)")
    assert air[0].get_ylabel() == "aircraft"
    fuel = figs["fuel_levels"].axes
    assert len(fuel) == 1
    assert fuel[0].get_ylabel() == "stock (gal)"
    posts = figs["post_shortfalls"].axes[0]
    short = {g.name for g in record.gaps if g.demand == "post"}
    assert len(posts.get_yticklabels()) == len(short)


def test_trace_tables_match_the_record(trace):
    tables, record = trace
    ledger = record.fuel["base_fuel"]
    assert tables.fuel["level_gal"].tolist() == [gal for _, gal in ledger.levels]
    on = tables.air[tables.air["kind"] == "on_station"]
    assert (on["end_h"] - on["start_h"]).sum() == pytest.approx(record.stations["venue_watch"].on_station_ah,
                                                                abs=1e-3)  # fmt: skip


def test_step_count_counts_covering_intervals():
    grid = pd.DatetimeIndex(["2024-11-14 00:00", "2024-11-14 01:00", "2024-11-14 02:00", "2024-11-14 03:00"])
    starts = pd.Series(pd.to_datetime(["2024-11-14 00:00", "2024-11-14 01:00"]))
    ends = pd.Series(pd.to_datetime(["2024-11-14 02:00", "2024-11-14 03:00"]))
    assert step_count(starts, ends, grid).tolist() == [1, 2, 1, 0]


def test_figure_labels_carry_the_metrics_units_and_ticks_the_same_decimals():
    # compare_variants' "post shortfall" panel read "11.68 h" on a person-hours axis, and a share axis
    # read "99.5%, 99.2%, 99%, 98.8%" for evenly spaced ticks.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.numbers import fmt_short
    from sim.plots.common import percent_axis

    assert fmt_short("gap_person_hours", 11.68) == "11.68 person-h"
    assert fmt_short("flight_hours", 23.87) == "23.87 h"
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0.982, 0.996])
    percent_axis(ax)
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len({len(label.split(".")[-1]) for label in labels}) == 1, labels
    assert all(label.endswith("%") for label in labels)


def test_error_bars_of_a_summary_stay_in_the_metrics_range_but_a_differences_do_not():
    # compare_variants drew escort-delay whiskers below 0 min, where the tables cut the interval at 0.
    import pandas as pd

    from sim.plots.levels import error_bars

    d = pd.DataFrame({"mean": [2.0, 0.99], "ci_low": [-1.0, 0.97], "ci_high": [5.0, 1.01]})
    mean, err = error_bars(d.iloc[:1], "escort_delay_p95_min")
    assert (mean[0] - err[0, 0], mean[0] + err[1, 0]) == (0.0, 5.0)
    mean, err = error_bars(d.iloc[1:], "post_coverage")
    assert mean[0] + err[1, 0] == 1.0
    mean, err = error_bars(d.iloc[:1])  # a difference: as computed
    assert mean[0] - err[0, 0] == -1.0
