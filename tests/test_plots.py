"""Figure functions (sim.plots) on small hand-made tables: each returns a Figure titled with the scenario
and the replications, with labelled axes and the expected lines; the shortfall grid's exact sums."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from sim import plots
from sim.experiment.distributions import Histograms, _bin, upper_edges
from sim.model import run_replication
from sim.plots.trace import step_count
from sim.results.trace import write_trace_folder
from sim.scenario import load_scenario

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


def test_coverage_vs_troops_has_a_panel_per_measure_with_band_target_and_answer():
    fig = plots.coverage_vs_troops(_summary(), TARGETS, scenario="tiny", replications=20, smallest=30)
    title = fig._suptitle.get_text()
    assert title.startswith("tiny: coverage and P(critical gap) against troop level")
    assert "20 replications per level" in title
    cov, gap, air = fig.axes
    assert [line.get_label() for line in cov.get_lines()] == [
        "mean post coverage",
        "target 0.95",
        "smallest level meeting every target: 30",
    ]
    assert len(gap.get_lines()) == 3  # mean, target, smallest level
    assert len(air.get_lines()) == 2  # mean, smallest level (air coverage has no target)
    assert "post coverage" in cov.get_ylabel()
    assert "person-hours" in cov.get_ylabel()
    assert "troops" in air.get_xlabel()
    assert [t.get_text() for t in air.get_xticklabels()] == ["10", "20", "30"]
    assert len(cov.collections) == 1  # the CI band


def test_coverage_vs_troops_leaves_out_air_coverage_when_not_measured():
    fig = plots.coverage_vs_troops(_summary(air=False), scenario="tiny", replications=20)
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["mean post coverage"]


def test_targets_vs_troops_has_a_panel_per_target_with_met_and_missed_bounds():
    checks = pd.DataFrame(
        [[t, target, metric, bound, limit, value, met]
         for t, met_cov, met_gap, met_esc in ((10, 0, 0, 0), (20, 1, 0, 0), (30, 1, 1, 1))
         for target, metric, bound, limit, value, met in (
             ("post_coverage_min", "post_coverage", "ci_low", 0.95, 0.9, met_cov),
             ("p_critical_gap_max", "critical_gap", "ci_high", 0.05, 0.5, met_gap),
             ("escort_delay_p95_max_min", "escort_delay_p95_min", "ci_high", 15.0, 12.0, met_esc))],
        columns=["troops", "target", "metric", "bound", "limit", "value", "met"],
    )  # fmt: skip
    fig = plots.targets_vs_troops(_summary(), checks, scenario="tiny", replications=20, smallest=30)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "post coverage ≥ 0.95 (lower 95% bound)",
        "P(critical gap) ≤ 0.05 (upper 95% bound)",
        "escort delay p95 ≤ 15 min (upper 95% bound)",
    ]
    met, missed = visible[0].collections[1:3]  # after the CI band: the met and missed bounds
    assert len(met.get_offsets()) == 2
    assert len(missed.get_offsets()) == 1
    assert "tiny: each target against troop level" in fig._suptitle.get_text()


def test_marginal_value_shows_each_step_with_its_interval():
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
    assert visible[1].get_ylabel().startswith("Δ post shortfall")
    assert "paired difference" in fig._suptitle.get_text()


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
    fig = plots.response_time_ecdf(_dist(), target_min=[20, 15, 20], target_p90_min=30, scenario="tiny",
                                   replications=3)  # fmt: skip
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert [x for x in labels if "target" in x] == ["incident target 15 min", "incident target 20 min",
                                                    "p90 target 30 min"]  # fmt: skip
    assert len([x for x in labels if "troops" in x]) == 2


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
    scenario = load_scenario(Path(__file__).parents[1] / "scenarios" / "examples" / "small_summit.yaml")
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
