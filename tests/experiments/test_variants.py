"""Variants as experiments: an overlay runs exactly as the full file it stands for; a 3-way comparison on
common random numbers holds the 2-way comparisons it contains; a two-input sweep's frontier is monotone
where the model is; overrides and levels are applied again on `--resume`."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest

from sim.experiment import RunOptions, design_compare, design_run
from sim.experiment.design import design_vary, load_source
from sim.experiment.vary import frontier, parse_vary
from sim.results import experiment as results_experiment
from sim.results.experiment import _variants_of
from sim.results.manifest import Manifest
from sim.scenario import load_scenario, scenario_yaml
from sim.stats import Interval, holm, paired_p_value
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.tiny import HEADER


def _start(design, options):  # no figures and no report: these tests read the tables
    return results_experiment.start(design, options, None, render=None)


def _rows(folder: Path, name: str = "replications.csv") -> list[list[str]]:
    with (folder / name).open(newline="") as f:
        return list(csv.reader(f))


def test_an_overlay_gives_the_results_of_the_full_file_it_stands_for(tmp_path: Path) -> None:
    write(tmp_path, SMALL, "base.yaml")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("base: base.yaml\ntimezone: America/Lima\nforces: {us: {absence_prob: 0.2}}\n")
    full = tmp_path / "full.yaml"
    full.write_text(scenario_yaml(load_scenario(overlay)))  # the merged file, written out
    outs = []
    for name, path in (("o", overlay), ("f", full)):
        options = RunOptions(replications=8, workers=1, troops=20, out=tmp_path / name)
        outs.append(_start(design_run(path, options), options).folder)
    assert _rows(outs[0]) == _rows(outs[1])
    base = RunOptions(replications=8, workers=1, troops=20, out=tmp_path / "b")
    assert _rows(_start(design_run(tmp_path / "base.yaml", base), base).folder) != _rows(outs[0])


def test_a_three_way_comparison_holds_the_two_way_comparisons(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL, "small.yaml")
    a = load_source(path)
    b = load_source(path, {"forces.us.absence_prob": 0.2}, label="b")
    c = load_source(path, {"posts.gate.required": 5}, label="c")

    def compare(*sources: object, out: str) -> Path:
        options = RunOptions(replications=10, workers=1, troops=22, out=tmp_path / out)
        return _start(design_compare(*sources, options=options), options).folder

    three = compare(a, b, c, out="abc")
    pairs = {"b": compare(a, b, out="ab"), "c": compare(a, c, out="ac")}
    rows3 = _rows(three)
    for label, folder in pairs.items():
        rows2 = _rows(folder)
        assert rows2[0] == rows3[0]
        assert list(rows2[1:]) == [r for r in rows3[1:] if r[0] in ("tiny", label)]
        diffs3 = [r[:9] for r in _rows(three, "differences.csv")[1:] if r[1] == label]
        assert diffs3 == [r[:9] for r in _rows(folder, "differences.csv")[1:]]
        assert diffs3  # there is something to compare


def test_holm_steps_down_and_the_p_value_is_the_paired_t_test() -> None:
    assert holm([0.01, 0.04, 0.03]) == [True, False, False]  # 0.01 < 0.05/3; 0.03 > 0.05/2 stops
    assert holm([0.01, 0.02, 0.04]) == [True, True, True]  # 0.01 < 0.0167, 0.02 < 0.025, 0.04 < 0.05
    assert holm([float("nan"), 0.04]) == [False, True]  # a NaN is not tested and not counted
    # mean 1, s 2, n 16: t = 2 on 15 degrees of freedom, two-sided p = 0.0639 (tables: 0.06392)
    assert paired_p_value(Interval(1.0, 0.0, 2.0, 2.0, 16)) == pytest.approx(0.06392, abs=5e-5)
    assert paired_p_value(Interval(0.0, 0.0, 0.0, 0.0, 10)) == 1.0
    assert paired_p_value(Interval(0.5, 0.5, 0.5, 0.0, 10)) == 0.0


TWO_FORCES = HEADER + textwrap.dedent("""
    seed: 5
    targets:
      p_critical_gap_max: 0.3
      critical_gap_tolerance_min: 30
    forces:
      us:
        headcount: 8
        swept: true
        cities: {lima: 1}
        shift: {pattern: 12on12off, first_start: "07:00"}
        absence_prob: 0.15
      host:
        headcount: 4
        cities: {lima: 1}
        shift: {pattern: 12on12off, first_start: "07:00"}
        absence_prob: 0.15
    posts:
      gate:
        site: lcc
        required: 6
        forces: [host, us]
        critical: true
        daily: [{from: "00:00", to: "00:00"}]
    """)  # fmt: skip


def test_a_two_input_frontier_is_monotone_where_the_model_is(tmp_path: Path) -> None:
    """More of either force never takes a person off duty in a replication (common random numbers), and
    P(critical gap) is checked on a Wilson bound, which only falls as failures fall: so a grid point that
    meets the targets has every point above and to its right meeting them, and the smallest host force
    meeting them never grows with the troops."""
    path = write(tmp_path, TWO_FORCES, "two.yaml")
    options = RunOptions(replications=20, workers=1, out=tmp_path / "grid")
    inputs = [parse_vary("troops=4:12:4"), parse_vary("forces.host.headcount=2:10:2")]
    outcome = _start(design_vary(path, inputs, options), options)
    manifest = outcome.manifest
    meets = {(v.values["troops"], v.values["forces.host.headcount"]): outcome.answer.meets(v.label)
             for v in manifest.variants}  # fmt: skip
    for (x, y), ok in meets.items():
        if ok:
            assert all(meets[(x2, y2)] for (x2, y2) in meets if x2 >= x and y2 >= y), (x, y)
    front = frontier((x, y, ok) for (x, y), ok in meets.items())
    needed = [y if y is not None else float("inf") for y in front.values()]
    assert needed == sorted(needed, reverse=True)
    assert len(set(needed)) > 1  # the frontier moves: the test could have failed
    with (outcome.folder / "summary.csv").open() as f:
        assert next(csv.reader(f))[0] == "levels"


def test_resume_applies_the_overrides_and_levels_again(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL, "small.yaml")
    options = RunOptions(replications=2, workers=1, out=tmp_path / "s")
    source = load_source(path, ["forces.us.absence_prob=0.3"])
    design = design_vary(source, [parse_vary("posts.gate.required=4,5")], options)
    manifest = Manifest.new(design, options, tmp_path / "s", 1)
    again = _variants_of(Manifest.from_json(manifest.to_json()))
    assert [(v.label, v.scenario, v.troops) for v in again] == [(v.label, v.scenario, v.troops)
                                                                for v in design.variants]  # fmt: skip
    assert [v.scenario.posts["gate"].required for v in again] == [4, 5]
    assert {v.scenario.forces["us"].absence_prob for v in again} == {0.3}


def test_the_api_sweep_over_an_input_takes_one_troop_level_as_a_whole_number(tmp_path):
    # `sweep(path, vary={...}, troops=600)`, as sim.api's docstring shows it, raised "'int' object is not
    # iterable"; only `troops=[600]` worked. Both hold the headcount at that level.
    from sim import api

    path = write(tmp_path, SMALL, "base.yaml")
    vary = {"posts.gate.required": [4, 5]}
    common = {"replications": 2, "workers": 1, "seed": 3}
    as_int = api.sweep(path, vary=vary, troops=16, out=tmp_path / "int", **common)
    as_list = api.sweep(path, vary=vary, troops=[16], out=tmp_path / "list", **common)
    assert _rows(as_int.folder) == _rows(as_list.folder)
    assert _rows(as_int.folder) != _rows(
        api.sweep(path, vary=vary, troops=24, out=tmp_path / "24", **common).folder
    )
