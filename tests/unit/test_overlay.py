"""Overlay scenarios: a base and only what changes, merged and validated whole, each problem located in
the file (and at the line) that wrote the value it names."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario, parse_scenario, scenario_data
from sim.scenario.loader import load_scenario_files
from sim.scenario.overlay import files_sha256, overlay_base, scenario_files, scenario_sha256
from sim.scenario.overrides import differences
from tests.helpers import ROOT
from tests.helpers.experiment_scenarios import SMALL


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path, "base.yaml", SMALL)


def test_the_shipped_example_changes_exactly_its_fields() -> None:
    reference = load_scenario(ROOT / "scenarios/apec2024_peru.yaml")
    overlay = load_scenario(ROOT / "scenarios/examples/one_mh60_down.yaml")
    found = {(d.path, d.a, d.b) for d in differences(reference, overlay)}
    assert found == {
        ("name", "apec2024_peru", "apec2024_peru_mh60_down"),
        ("aircraft.mh60_ag8.count", 3, 2),
        ("forces.us.absence_prob", 0.02, 0.04),
        ("forces.host_police.absence_prob", 0.03, 0.06),
        ("forces.host_military.absence_prob", 0.02, 0.04),
    }


def test_an_overlay_is_the_full_file_it_stands_for(tmp_path: Path, base: Path) -> None:
    overlay = write(tmp_path, "sub/more.yaml", """\
        base: ../base.yaml
        timezone: America/Lima
        forces:
          us: {absence_prob: 0.2}
        posts:
          gate: {required: 5}
        """)  # fmt: skip
    full = SMALL.replace("absence_prob: 0.1", "absence_prob: 0.2").replace("required: 6", "required: 5")
    assert load_scenario(overlay) == parse_scenario(full)
    assert overlay_base(overlay) == tmp_path / "sub" / "../base.yaml"
    assert overlay_base(base) is None
    assert scenario_files(overlay) == [overlay, tmp_path / "sub" / "../base.yaml"]
    # what loading finds, without reading the files again
    assert load_scenario_files(overlay) == (load_scenario(overlay), tuple(scenario_files(overlay)))
    assert load_scenario_files(base) == (load_scenario(base), (base,))


def test_a_list_replaces_the_whole_list_and_null_deletes_a_key(tmp_path: Path, base: Path) -> None:
    overlay = write(tmp_path, "o.yaml", """\
        base: base.yaml
        timezone: America/Lima
        posts:
          hotel_door:
            daily: [{from: "09:00", to: "10:00"}]
            priority: null
        """)  # fmt: skip
    s = load_scenario(overlay)
    door = s.posts["hotel_door"]
    assert [(w.from_.hour, w.to.hour) for w in door.daily] == [(9, 10)]
    assert "priority" not in scenario_data(s)["posts"]["hotel_door"]  # back to the default
    assert (
        door.priority == parse_scenario(SMALL.replace("    priority: 5\n", "")).posts["hotel_door"].priority
    )


def test_a_bad_value_set_by_the_overlay_is_located_at_the_overlay_line(tmp_path: Path, base: Path) -> None:
    overlay = write(tmp_path, "o.yaml", """\
        base: base.yaml
        timezone: America/Lima
        forces:
          us:
            absence_prob: 1.5
        """)  # fmt: skip
    with pytest.raises(ScenarioError) as e:
        load_scenario(overlay)
    (p,) = e.value.problems
    assert (p.file, p.line, p.path) == (str(overlay), 5, "forces.us.absence_prob")


def test_each_problem_is_in_the_file_that_wrote_its_value(tmp_path: Path, base: Path) -> None:
    overlay = write(tmp_path, "o.yaml", """\
        base: base.yaml
        timezone: America/Lima
        posts:
          gate: {forces: [nobody]}
        """)  # fmt: skip
    with pytest.raises(ScenarioError) as e:
        load_scenario(overlay)
    assert [(p.file, p.line) for p in e.value.problems] == [(str(overlay), 4)]
    assert SMALL.count("site: hotel\n") == 1
    text = SMALL.replace("site: hotel\n", "site: nowhere\n")
    write(tmp_path, "base.yaml", text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(overlay)
    found = {(p.file, p.path) for p in e.value.problems}
    assert found == {(str(base), "posts.hotel_door.site"), (str(overlay), "posts.gate.forces[0]")}


def test_a_loop_and_a_missing_base_are_located_at_the_base_line(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "name: a\ntimezone: America/Lima\nbase: b.yaml\n")
    write(tmp_path, "b.yaml", "base: a.yaml\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(a)
    (p,) = e.value.problems
    assert p.path == "base"
    assert "loop" in p.message
    assert p.line is not None
    c = write(tmp_path, "c.yaml", "timezone: America/Lima\nbase: missing.yaml\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(c)
    (p,) = e.value.problems
    assert (p.file, p.line, p.path) == (str(c), 2, "base")
    assert "no such file" in p.message


def test_the_sha256_of_an_overlay_changes_with_its_base(tmp_path: Path, base: Path) -> None:
    overlay = write(tmp_path, "o.yaml", "base: base.yaml\ntimezone: America/Lima\n")
    before = scenario_sha256(overlay)
    assert files_sha256(load_scenario_files(overlay)[1]) == before
    write(tmp_path, "base.yaml", SMALL.replace("seed: 11", "seed: 12"))
    assert scenario_sha256(overlay) != before
    assert load_scenario(overlay).seed == 12
