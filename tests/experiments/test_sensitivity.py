"""`sensitivity`: deterministic for a seed, the dominant input of a toy scenario ranked first by both
the tornado and Morris, and the tornado's extremes equal to `size` runs at those settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiment.sensitivity import MorrisResult
from sim.plots.decide import morris_figure, tornado_figure
from sim.report.decide import _tornado_base
from sim.results.sensitivity import run_sensitivity
from sim.results.sizing import run_size
from sim.scenario.loader import scenario_yaml
from tests.helpers.tiny import HEADER, tiny

# One day, a critical gate of 5 around the clock and a day door of 3: absences decide the troops needed,
# the handover overlap (people arriving early) cannot lower coverage at all.
TOY = """
seed: 5
targets: {post_coverage_min: 0.98, p_critical_gap_max: 0.25}
forces:
  us:
    headcount: 30
    swept: true
    cities: {lima: 1}
    absence_prob: 0.1
posts:
  gate: {site: lcc, required: 5, forces: [us], critical: true, daily: [{from: "00:00", to: "00:00"}]}
  door: {site: hotel, required: 3, forces: [us], daily: [{from: "08:00", to: "20:00"}]}
"""
VARY = ("forces.us.absence_prob=0:0.3", "forces.us.shift.handover_min=0:30")
OPTIONS = {"resolution": 2, "replications": 12, "max_replications": 12, "trajectories": 3,
           "morris_replications": 8, "workers": 1}  # fmt: skip


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy")
    path = folder / "toy.yaml"
    path.write_text(scenario_yaml(tiny(TOY, HEADER.replace("end: 2024-11-06", "end: 2024-11-05"))))
    return path


@pytest.fixture(scope="module")
def first(toy: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    return run_sensitivity(toy, vary=VARY, out=tmp_path_factory.mktemp("s") / "a", **OPTIONS)


def test_the_dominant_input_ranks_first_in_the_tornado_and_in_morris(first: object) -> None:
    a = first.answer  # type: ignore[attr-defined]
    assert a["top"][0] == "forces.us.absence_prob"
    bars = {t["input"]: t for t in a["tornado"]}
    assert bars["forces.us.absence_prob"]["needed_high"] > bars["forces.us.absence_prob"]["needed_low"]
    assert (
        bars["forces.us.shift.handover_min"]["needed_low"]
        == bars["forces.us.shift.handover_min"]["needed_high"]
    )
    m = first.result.morris  # type: ignore[attr-defined]
    assert m.ranking("p_all_met")[0] == "forces.us.absence_prob"
    effects = m.effects["p_all_met"]
    assert effects["forces.us.absence_prob"]["mu_star"] > effects["forces.us.shift.handover_min"]["mu_star"]


def test_sensitivity_is_deterministic_for_a_seed(first: object, toy: Path, tmp_path: Path) -> None:
    again = run_sensitivity(toy, vary=VARY, out=tmp_path / "b", **OPTIONS)
    folder = first.folder  # type: ignore[attr-defined]
    for name in ("tornado.csv", "morris.csv", "design.csv", "search.csv", "replications.csv"):
        assert (again.folder / name).read_text() == (folder / name).read_text(), name


def test_the_tornado_extremes_equal_size_runs_at_those_settings(
    first: object, toy: Path, tmp_path: Path
) -> None:
    bars = {t["input"]: t for t in first.answer["tornado"]}  # type: ignore[attr-defined]
    bar = bars["forces.us.absence_prob"]
    for end in ("low", "high"):
        sized = run_size(toy, sets=(f"forces.us.absence_prob={bar[end]}",), resolution=2, replications=12,
                         max_replications=12, workers=1, out=tmp_path / end)  # fmt: skip
        assert sized.result.answer == bar[f"needed_{end}"]


def test_morris_alone_at_a_given_level_ranks_by_mu_star(toy: Path, tmp_path: Path) -> None:
    options = OPTIONS | {"tornado": False, "troops": 20}
    found = run_sensitivity(toy, vary=VARY, out=tmp_path / "m", **options)
    assert found.result.base is None
    assert found.result.tornado == []
    assert found.answer["top"][0] == "forces.us.absence_prob"
    assert found.result.morris is not None
    assert found.result.morris.troops == 20
    assert found.answer["morris_replications"] == 3 * 3 * 8


def test_with_p_all_met_stuck_at_zero_the_inputs_are_ranked_by_the_targets_metrics() -> None:
    # P(every target met) is 0 at every point (a target no input reaches): μ* is 0 for every input, so
    # ranking by it would only repeat the order given; each target's own P(met) decides instead, summed.
    effects = {
        "p_all_met": {"a": {"mu_star": 0.0}, "b": {"mu_star": 0.0}},
        "met:post coverage": {"a": {"mu_star": 0.05}, "b": {"mu_star": 0.0}},
        "met:escort": {"a": {"mu_star": 0.0}, "b": {"mu_star": 0.2}},
        "met:air coverage": {"a": {"mu_star": 0.0}, "b": {"mu_star": 0.0}},
        "post_coverage": {"a": {"mu_star": 0.9}, "b": {"mu_star": 0.0}},  # a column mean: not summed
    }
    m = MorrisResult(435, 4, 4, 20, np.zeros((2, 2)), {}, effects)  # type: ignore[arg-type]
    assert m.ranking("p_all_met") == []
    assert m.targets_ranking() == ["b", "a"]


def test_with_a_target_out_of_reach_morris_runs_where_the_other_targets_are_met(tmp_path: Path) -> None:
    # A critical tower only a one-person local force may staff: P(critical gap) is 1 at every troop level.
    # Morris must run at the troops meeting every other target (`size`'s reachable answer), not at the
    # scenario's headcount (it ran there: "at None troops", where nothing the troops move is short).
    text = TOY.replace(
        "targets: {post_coverage_min: 0.98, p_critical_gap_max: 0.25}",
        "targets:\n  post_coverage_min: null\n  p_critical_gap_max: 0.25\n"
        "  checks: [{metric: worst_post_coverage, force: us, min: 0.98}]",
    ).replace(
        "posts:",
        "  local: {headcount: 1, cities: {lima: 1}}\nposts:\n"
        "  tower: {site: lcc, required: 3, forces: [local], critical: true,\n"
        '          daily: [{from: "00:00", to: "00:00"}]}',
    )
    path = tmp_path / "tower.yaml"
    path.write_text(scenario_yaml(tiny(text, HEADER.replace("end: 2024-11-06", "end: 2024-11-05"))))
    options = OPTIONS | {"trajectories": 2}
    found = run_sensitivity(path, vary=VARY, tornado=False, out=tmp_path / "s", **options)
    base = found.result.base
    assert base is not None
    assert base.answer is None
    assert base.reachable is not None
    assert base.reachable.answer is not None
    assert found.result.morris is not None
    assert found.result.morris.troops == int(base.reachable.answer)
    assert found.answer["reachable"] == {"answer": int(base.reachable.answer)}
    assert found.answer["flat"] == [c.describe() for c in base.flat]


def test_the_morris_figure_shows_the_targets_when_p_all_met_does_not_move() -> None:
    rows = [
        {"output": "p_all_met", "input": "a", "mu_star": "0", "sigma": "0"},
        {"output": "p_all_met", "input": "b", "mu_star": "0", "sigma": "0"},
        {"output": "met:escort", "input": "a", "mu_star": "0.25", "sigma": "0.1"},
        {"output": "met:qrf", "input": "a", "mu_star": "0.5", "sigma": "0.2"},
        {"output": "met:escort", "input": "b", "mu_star": "0.125", "sigma": "0"},
        {"output": "post_coverage", "input": "b", "mu_star": "9", "sigma": "9"},  # a column mean: not summed
    ]
    ax = morris_figure(rows, "p_all_met").axes[0]
    assert "summed" in ax.get_title()
    points = {t.get_text(): t.xy for t in ax.texts}
    assert points == {"a": (0.75, pytest.approx(0.3)), "b": (0.125, 0.0)}


def test_the_tornado_starts_from_what_the_troops_can_meet_when_a_target_is_out_of_reach() -> None:
    # At the file's values no level meets every target (an air requirement is short of aircraft), so the
    # answer has no `needed`; the bars start from the reachable answer, as each end's search reports it.
    # (The figure was blank: no bars without a base, and the labels outside the axes.)
    answer = {"command": "sensitivity", "needed": None, "reachable": {"answer": 435}}
    base = _tornado_base(answer)
    assert base == 435
    rows = [
        {"input": "rate", "low": "1", "high": "4", "needed_low": "420", "needed_high": "505", "swing": "85"},
        {
            "input": "cordon",
            "low": "14",
            "high": "24",
            "needed_low": "420",
            "needed_high": "480",
            "swing": "60",
        },
    ]
    ax = tornado_figure(rows, base, "troops").axes[0]
    spans = sorted(tuple(sorted((p.get_x(), p.get_x() + p.get_width()))) for p in ax.patches)
    assert spans == [(420, 435), (420, 435), (435, 480), (435, 505)]
    assert ax.get_xlim()[0] <= 420
    assert ax.get_xlim()[1] >= 505
    # with no level at all to start from, each end is still drawn (as a point), inside the axes
    ax = tornado_figure(rows, None, "troops").axes[0]
    assert sorted(x for line in ax.lines for x in line.get_xdata()) == [420, 420, 480, 505]
    assert ax.get_xlim()[1] >= 505
