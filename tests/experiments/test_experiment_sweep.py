"""Sweeps, single runs, comparisons and precision stopping on a small scenario (sim.experiment)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiment.tables import interval_of
from sim.scenario import parse_scenario
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.experiments import compare, run, sweep

LEVELS = list(range(12, 37, 3))


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "sweep"
    return sweep(parse_scenario(SMALL), LEVELS, replications=80, workers=2, out=out)


def test_results_folder_has_every_file(swept):
    names = {p.name for p in swept.folder.iterdir()}
    expected = {
        "manifest.json",
        "replications.csv",
        "summary.csv",
        "gaps.csv",
        "differences.csv",
        "targets.csv",
        "distributions.csv",
        "posts.csv",
        "air.csv",
        "forces.csv",
        "delegations.csv",
        "incidents.csv",
        "report.html",
    }
    assert expected | {"figures"} == names
    assert (swept.folder / "figures" / "coverage_vs_troops.png").stat().st_size > 10_000
    manifest = json.loads((swept.folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["troop_levels"] == LEVELS
    assert manifest["replications"] == 80
    assert manifest["seed"] == 11  # the scenario's
    assert manifest["scenarios"][0]["resolved"]["forces"]["us"]["swept"] is True
    assert not swept.folder.with_name("sweep.incomplete").exists()


def test_mean_post_coverage_does_not_decrease_with_troops(swept):
    means = [swept.answer.summaries[str(t)]["post_coverage"].mean for t in LEVELS]
    assert np.all(np.diff(means) >= 0)
    assert means[0] < 0.97 < means[-1]  # the sweep brackets the target


def test_smallest_meeting_level_is_the_first_whose_intervals_satisfy_the_targets(swept):
    summary = pd.read_csv(swept.folder / "summary.csv").set_index(["troops", "metric"])
    targets = parse_scenario(SMALL).targets

    def meets(t: int) -> bool:
        cov, gap = summary.loc[(t, "post_coverage")], summary.loc[(t, "critical_gap")]
        return cov.ci_low >= targets.post_coverage_min and gap.ci_high <= targets.p_critical_gap_max

    first = next(t for t in LEVELS if meets(t))
    assert swept.answer.smallest_meeting == str(first)
    assert swept.manifest.answer["smallest_meeting_level"] == first
    assert LEVELS[0] < first < LEVELS[-1]


def test_summary_matches_the_replications(swept):
    reps = pd.read_csv(swept.folder / "replications.csv")
    summary = pd.read_csv(swept.folder / "summary.csv").set_index(["troops", "metric"])
    for t in (LEVELS[0], LEVELS[-1]):
        for metric in ("post_coverage", "critical_gap", "escort_delay_mean_min"):
            iv = interval_of(metric, reps.loc[reps.troops == t, metric].to_numpy())
            row = summary.loc[(t, metric)]
            assert (row["mean"], row.ci_low, row.ci_high, row.n) == pytest.approx(
                (iv.mean, iv.ci_low, iv.ci_high, iv.n)
            )


def test_marginal_steps_are_paired_differences(swept):
    diffs = pd.read_csv(swept.folder / "differences.csv")
    assert list(zip(diffs.troops_from.unique(), diffs.troops_to.unique(), strict=True)) == list(
        itertools.pairwise(LEVELS)
    )
    reps = pd.read_csv(swept.folder / "replications.csv")
    step = diffs[
        (diffs.troops_from == 18) & (diffs.troops_to == 21) & (diffs.metric == "post_coverage")
    ].iloc[0]
    d = reps[reps.troops == 21].post_coverage.to_numpy() - reps[reps.troops == 18].post_coverage.to_numpy()
    assert step["mean"] == pytest.approx(d.mean())
    assert step.significant == int(step.ci_low > 0 or step.ci_high < 0)


def test_load_results_gives_the_same_tables(swept):
    res = sim.load_results(swept.folder)
    assert res.smallest_meeting_level == int(swept.answer.smallest_meeting)
    assert list(res.means().index) == LEVELS
    assert len(res.replications) == 80 * len(LEVELS)
    assert set(res.gaps.columns) >= {
        "troops",
        "replication",
        "city",
        "site",
        "demand",
        "start",
        "end",
        "short",
    }


def test_run_at_one_level(tmp_path):
    outcome = run(parse_scenario(SMALL), troops=30, replications=10, workers=1, out=tmp_path / "run")
    reps = pd.read_csv(outcome.folder / "replications.csv")
    assert list(reps.troops.unique()) == [30]
    assert list(reps.replication) == list(range(10))
    assert (outcome.folder / "figures").is_dir()
    assert outcome.answer.labels == ["30"]


def test_compare_a_scenario_with_itself_finds_no_difference(tmp_path):
    """On common random numbers the same scenario twice gives identical replications: every paired
    difference is exactly 0, with an interval of width 0."""
    a = write(tmp_path, SMALL, "a.yaml")
    b = write(tmp_path, SMALL, "b.yaml")
    outcome = compare(a, b, troops=20, replications=15, workers=1, out=tmp_path / "cmp")
    assert outcome.answer.labels == ["a", "b"]
    ((_, _, diffs),) = outcome.answer.differences
    assert all(iv.mean == 0 and iv.half_width == 0 for iv in diffs.values() if iv.n)
    res = sim.load_results(outcome.folder)
    assert set(res.differences.variant_from) == {"a"}
    assert not res.differences.significant.any()


def test_compare_more_troops_is_significantly_better(tmp_path):
    fewer = SMALL.replace("headcount: 24", "headcount: 18")
    a, b = write(tmp_path, fewer, "fewer.yaml"), write(tmp_path, SMALL, "more.yaml")
    res = sim.compare(a, b, replications=20, workers=1, out=tmp_path / "cmp")
    cov = res.differences.set_index("metric").loc["post_coverage"]
    assert cov["mean"] > 0
    assert cov.significant == 1


def test_precision_adds_replications_until_target_metrics_are_precise(tmp_path):
    outcome = run(parse_scenario(SMALL), troops=21, precision=0.05, max_replications=400, workers=1,
                  out=tmp_path / "p")  # fmt: skip
    n = outcome.answer.replications
    assert 20 < n < 400
    assert outcome.precision_met
    summary = outcome.answer.summaries["21"]
    assert summary["post_coverage"].half_width <= 0.05
    assert summary["critical_gap"].half_width <= 0.05
    assert outcome.manifest.replications == n


def test_precision_stops_at_the_cap_and_says_so(tmp_path):
    outcome = run(parse_scenario(SMALL), troops=18, precision=0.001, max_replications=30, workers=1,
                  out=tmp_path / "p")  # fmt: skip
    assert outcome.answer.replications == 30
    assert outcome.precision_met is False
