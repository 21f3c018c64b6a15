"""Bad scenario files: each is refused with its field path, line and reason, and exit status 2.

Each test breaks one thing in a valid scenario (or writes a file that is not a scenario at all) and
checks both layers: `load_scenario` raises `ScenarioError` naming exactly the expected problem, and
`summit-sim validate` prints it as `FILE:LINE: field.path: message`, exits 2 and shows no traceback.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import Problem, ScenarioError, load_scenario
from sim.scenario.yaml_lines import load_with_lines

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios" / "examples").glob("*.yaml"))

VALID = """\
name: errors
timezone: America/Lima
start: 2024-11-14 00:00
end: 2024-11-17 00:00
cities:
  lima:
    lat: -12.046
    lon: -77.043
sites:
  venue:
    city: lima
  hotel:
    city: lima
  airport:
    city: lima
forces:
  police:
    headcount: 40
    cities:
      lima: 1.0
    absence_prob: 0.05
posts:
  gate:
    site: venue
    required: 4
    forces: [police]
    windows:
      - start: 2024-11-15 08:00
        end: 2024-11-15 18:00
    daily:
      - from: 22:00
        to: 06:00
tiers:
  leader:
    escort_team: 6
delegations:
  usa:
    tier: leader
    hotel: hotel
    escort_forces: [police]
    arrival:
      airport: airport
      scheduled: 2024-11-14 17:45
      delay_min:
        kind: exponential
        mean: 20
    departure:
      airport: airport
      scheduled: 2024-11-16 19:00
incidents:
  lima_incidents:
    city: lima
    rate_per_day: 6
    team: 4
    forces: [police]
    travel_min: 10
    on_scene_min:
      kind: uniform
      low: 20
      high: 40
"""


# -- helpers ---------------------------------------------------------------------------------------
def edit(old: str, new: str, text: str = VALID) -> str:
    """`text` with its one occurrence of `old` replaced."""
    assert text.count(old) == 1, f"{old!r} is not unique in the scenario"
    return text.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the only line of `text` containing `fragment`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}"
    return hits[0]


def lines_equal_to(text: str, exact: str) -> list[int]:
    """The 1-based numbers of the lines of `text` that are exactly `exact`."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line == exact]


def write(tmp_path: Path, content: str | bytes, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def problems_in(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return e.value.problems


def validate_fails(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `summit-sim validate PATH`; check it exits 2 with no traceback; return its stderr."""
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    return err


def refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    path: str,
    line: int | None,
    fragment: str,
) -> Problem:
    """Assert the file is refused for exactly one problem at `line`, `path`, with `fragment`."""
    file = write(tmp_path, content)
    problems = problems_in(file)
    assert len(problems) == 1, problems
    (p,) = problems
    assert (p.file, p.line, p.path) == (str(file), line, path)
    assert fragment in p.message
    err = validate_fails(file, capsys)
    where = str(file) if line is None else f"{file}:{line}"
    prefix = f"{where}: {path}: " if path else f"{where}: "
    lines = err.splitlines()
    assert lines == [str(p), "summit-sim: 1 problem in the scenario"]
    assert lines[0].startswith(prefix)
    return p


# -- the valid scenario and the examples -----------------------------------------------------------
def test_the_base_scenario_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, VALID)
    assert main(["validate", str(file)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[0] == f"{file}: valid"
    assert "police: 40 people (lima 100%; security 100%); 12on12off, absence 0.05" in out
    assert "gate at venue: 4 security from police, priority 5" in out


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_validates(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(example)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"{example}: valid\n")
    scenario = load_scenario(example)
    for name, force in scenario.forces.items():
        assert f"  {name}: {force.headcount} people (" in out


# -- reading the file ------------------------------------------------------------------------------
def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("    headcount: 40\n", "\theadcount: 40\n")  # a tab cannot indent YAML
    refused(tmp_path, capsys, text, "", line_of(text, "\theadcount"), "YAML syntax error")


def test_unclosed_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'name: "errors\nstart: 2024-11-14 00:00\n'
    refused(tmp_path, capsys, text, "", 3, "YAML syntax error")


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(tmp_path, capsys, "", "", None, "the file is empty")


def test_file_of_comments_only_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(tmp_path, capsys, "# a scenario, some day\n\n", "", None, "the file is empty")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- name: a\n- name: b\n", "a list"), ("42\n", "a number"), ("just words\n", "a string")],
    ids=["list", "number", "string"],
)
def test_document_must_be_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, kind: str
) -> None:
    refused(tmp_path, capsys, text, "", 1, f"a scenario is a YAML mapping of fields, not {kind}")


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    refused(tmp_path, capsys, content, "", None, "binary data, not a YAML text file")


def test_non_utf8_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = edit("name: errors\n", "name: errors\ndescription: Caf\xe9 de Lima\n").encode("latin-1")
    offset = content.index(b"\xe9")
    refused(tmp_path, capsys, content, "", None, f"not UTF-8 text (bad byte at offset {offset})")


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "nowhere.yaml"
    assert problems_in(file) == [Problem(str(file), None, "", "no such file")]
    assert validate_fails(file, capsys).splitlines()[0] == f"{file}: no such file"


def test_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert problems_in(tmp_path) == [Problem(str(tmp_path), None, "", "is a directory, not a scenario file")]
    assert validate_fails(tmp_path, capsys).startswith(f"{tmp_path}: is a directory")


def test_duplicate_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("    headcount: 40\n", "    headcount: 40\n    headcount: 400\n")
    refused(tmp_path, capsys, text, "", line_of(text, "headcount: 400"), "duplicate key 'headcount'")


def test_merged_keys_may_be_overridden() -> None:
    # `<<: *name` copies a mapping in; keys written beside it win, and are not duplicates.
    data, _ = load_with_lines("base: &b {lat: 1, lon: 2}\nlima:\n  <<: *b\n  lat: 3\n")
    assert data["lima"] == {"lat": 3, "lon": 2}


def test_python_tags_are_refused_and_never_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    text = edit("name: errors\n", f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    refused(
        tmp_path, capsys, text, "", 1, "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object:collections.OrderedDict {lat: 1.0}",
        "!!python/name:os.system",
        "!custom {lat: 1.0}",
        "!!set {a, b}",
    ],
    ids=["object", "name", "local-tag", "set"],
)
def test_only_plain_data_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str], tagged: str) -> None:
    text = edit("    lat: -12.046\n", f"    lat: {tagged}\n")
    refused(tmp_path, capsys, text, "", line_of(text, tagged), "is not allowed: a scenario is plain data")


@pytest.fixture
def no_gc_at_depth() -> Iterator[None]:
    """Finalise earlier tests' garbage now, not at the bottom of a stack at the recursion limit."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.usefixtures("no_gc_at_depth")
def test_self_containing_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("name: errors\n", "name: errors\nnote: &loop [*loop]\n")
    refused(tmp_path, capsys, text, "", None, "an alias (*name) contains itself")


@pytest.mark.usefixtures("no_gc_at_depth")
def test_absurdly_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "name: " + "[" * 2000 + "]" * 2000 + "\n"
    refused(tmp_path, capsys, text, "", None, "nested too deeply")


def test_times_of_day_are_not_sexagesimal_numbers() -> None:
    # YAML 1.1 reads 12:30 as 12 x 60 + 30 = 750; a scenario reads it as half past twelve.
    data, _ = load_with_lines("first_start: 12:30\nfrom: 06:00\nn: 750\n")
    assert data == {"first_start": "12:30", "from": "06:00", "n": 750}


def test_unquoted_times_of_day_reach_the_scenario(tmp_path: Path) -> None:
    text = edit("    absence_prob: 0.05\n", "    absence_prob: 0.05\n    shift:\n      first_start: 12:30\n")
    s = load_scenario(write(tmp_path, text))
    assert s.forces["police"].shift.first_start == dt.time(12, 30)
    assert (s.posts["gate"].daily[0].from_, s.posts["gate"].daily[0].to) == (dt.time(22, 0), dt.time(6, 0))


# -- single fields ---------------------------------------------------------------------------------
def test_unknown_top_level_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("end: 2024-11-17 00:00\n", "end: 2024-11-17 00:00\nreplication: 5\n")
    refused(tmp_path, capsys, text, "replication", line_of(text, "replication:"), "unknown key")


def test_unknown_nested_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("    headcount: 40\n", "    headcount: 40\n    head_count: 40\n")
    refused(tmp_path, capsys, text, "forces.police.head_count", line_of(text, "head_count"), "unknown key")


def test_unknown_key_in_a_distribution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("        mean: 20\n", "        mean: 20\n        scale: 3\n")
    path = "delegations.usa.arrival.delay_min.scale"
    refused(tmp_path, capsys, text, path, line_of(text, "scale:"), "unknown key")


def test_missing_required_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("    required: 4\n", "")
    refused(
        tmp_path, capsys, text, "posts.gate.required", line_of(text, "  gate:"), "required field is missing"
    )


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        ("headcount: 40", "headcount: forty", "forces.police.headcount", "valid integer"),
        ("headcount: 40", "headcount: 40.5", "forces.police.headcount", "valid integer"),
        ("headcount: 40", 'headcount: "40"', "forces.police.headcount", "valid integer"),
        ("lat: -12.046", "lat: south", "cities.lima.lat", "valid number"),
        ("forces: [police]\n    windows", "forces: police\n    windows", "posts.gate.forces", "valid list"),
        ("escort_team: 6", "escort_team: 0", "tiers.leader.escort_team", "greater than or equal to 1"),
        ("timezone: America/Lima", "timezone: Lima", "timezone", "unknown IANA timezone 'Lima'"),
        ("    to: 06:00", "    to: 6:00", "posts.gate.daily[0].to", "expected a time of day as HH:MM"),
        ("    to: 06:00", "    to: 24:00", "posts.gate.daily[0].to", "expected a time of day as HH:MM"),
    ],
    ids=[
        "word-for-count",
        "fraction-for-count",
        "quoted-count",
        "word-for-number",
        "name-for-list",
        "empty-team",
        "unknown-timezone",
        "one-digit-hour",
        "hour-24",
    ],
)
def test_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, path: str, fragment: str
) -> None:
    text = edit(old, new)
    refused(tmp_path, capsys, text, path, line_of(text, new.splitlines()[0].strip()), fragment)


def test_negative_headcount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("headcount: 40", "headcount: -5")
    p = refused(
        tmp_path,
        capsys,
        text,
        "forces.police.headcount",
        line_of(text, "headcount"),
        "greater than or equal to 0",
    )
    assert p.message.endswith("(got -5)")


def test_negative_duration_in_a_distribution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("        mean: 20\n", "        mean: -20\n")
    refused(
        tmp_path,
        capsys,
        text,
        "delegations.usa.arrival.delay_min.mean",
        line_of(text, "mean: -20"),
        "greater than 0",
    )


def test_negative_plain_number_duration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A plain number means `fixed`; the problem is reported at the number, not at a hidden `value`.
    text = edit("travel_min: 10", "travel_min: -10")
    path = "incidents.lima_incidents.travel_min"
    refused(tmp_path, capsys, text, path, line_of(text, "travel_min"), "greater than or equal to 0")


def test_negative_uniform_bound(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("      low: 20\n", "      low: -20\n")
    path = "incidents.lima_incidents.on_scene_min.low"
    refused(tmp_path, capsys, text, path, line_of(text, "low: -20"), "greater than or equal to 0")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("1.5", "less than or equal to 1"), ("-0.1", "greater than or equal to 0")],
    ids=["above-one", "below-zero"],
)
def test_probability_outside_0_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, fragment: str
) -> None:
    text = edit("absence_prob: 0.05", f"absence_prob: {value}")
    refused(tmp_path, capsys, text, "forces.police.absence_prob", line_of(text, "absence_prob"), fragment)


def test_target_probability_outside_0_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("end: 2024-11-17 00:00\n", "end: 2024-11-17 00:00\ntargets:\n  p_critical_gap_max: 5\n")
    path = "targets.p_critical_gap_max"
    refused(tmp_path, capsys, text, path, line_of(text, "p_critical_gap_max"), "less than or equal to 1")


def test_city_split_must_sum_to_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("      lima: 1.0\n", "      lima: 0.7\n")
    p = refused(
        tmp_path, capsys, text, "forces.police.cities", line_of(text, "    cities:"), "shares must sum to 1"
    )
    assert "got 0.7" in p.message


def test_role_split_must_sum_to_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(
        "    absence_prob: 0.05\n", "    absence_prob: 0.05\n    roles: {security: 0.6, logistics: 0.6}\n"
    )
    refused(
        tmp_path,
        capsys,
        text,
        "forces.police.roles",
        line_of(text, "roles:"),
        "shares must sum to 1, got 1.2",
    )


def test_window_ending_before_it_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("end: 2024-11-15 18:00", "end: 2024-11-15 06:00")
    path = "posts.gate.windows[0]"
    p = refused(
        tmp_path, capsys, text, path, line_of(text, "- start: 2024-11-15 08:00"), "must be after start"
    )
    assert "2024-11-15 06:00" in p.message


def test_scenario_ending_before_it_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("end: 2024-11-17 00:00", "end: 2024-11-13 00:00")
    refused(tmp_path, capsys, text, "", 1, "end (2024-11-13 00:00:00) must be after start")


def test_departure_before_arrival(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("scheduled: 2024-11-16 19:00", "scheduled: 2024-11-14 12:00")
    refused(
        tmp_path,
        capsys,
        text,
        "delegations.usa",
        line_of(text, "  usa:"),
        "departure.scheduled must be after",
    )


def test_utc_offset_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("start: 2024-11-14 00:00", "start: 2024-11-14T00:00:00-05:00")
    refused(tmp_path, capsys, text, "start", 3, "give local times without a UTC offset")


_DISTRIBUTIONS = {
    "uniform-high-below-low": (
        "kind: uniform\n      low: 20\n      high: 10",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "high (10.0) is below low (20.0)",
    ),
    "triangular-mode-outside": (
        "kind: triangular\n      low: 20\n      mode: 50\n      high: 40",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "needs low <= mode <= high",
    ),
    "normal-sd-zero": (
        "kind: normal\n      mean: 30\n      sd: 0",
        "incidents.lima_incidents.on_scene_min.sd",
        "sd: 0",
        "greater than 0",
    ),
    "normal-no-mass": (
        "kind: normal\n      mean: -300\n      sd: 10",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "almost no probability lies between low and high",
    ),
    "lognormal-mean-zero": (
        "kind: lognormal\n      mean: 0\n      sd: 10",
        "incidents.lima_incidents.on_scene_min.mean",
        "mean: 0",
        "greater than 0",
    ),
    "exponential-mean-negative": (
        "kind: exponential\n      mean: -5",
        "incidents.lima_incidents.on_scene_min.mean",
        "mean: -5",
        "greater than 0",
    ),
    "empirical-weights-mismatch": (
        "kind: empirical\n      values: [10, 20, 30]\n      weights: [1, 2]",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "weights has 2 entries but values has 3",
    ),
    "empirical-no-values": (
        "kind: empirical\n      values: []",
        "incidents.lima_incidents.on_scene_min.values",
        "values: []",
        "at least 1 item",
    ),
    "unknown-kind": (
        "kind: gamma\n      shape: 2",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "a distribution has unknown kind 'gamma' (one of empirical, exponential, fixed,",
    ),
    "missing-kind": (
        "low: 20\n      high: 40",
        "incidents.lima_incidents.on_scene_min",
        "on_scene_min:",
        "needs a `kind`",
    ),
}


@pytest.mark.parametrize(
    ("body", "path", "at", "fragment"), list(_DISTRIBUTIONS.values()), ids=list(_DISTRIBUTIONS)
)
def test_impossible_distribution_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, path: str, at: str, fragment: str
) -> None:
    text = edit("kind: uniform\n      low: 20\n      high: 40", body)
    refused(tmp_path, capsys, text, path, line_of(text, at), fragment)


# -- cross-references and windows (checked once every field is valid) ------------------------------
@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        (
            "  venue:\n    city: lima",
            "  venue:\n    city: cusco",
            "sites.venue.city",
            "unknown city 'cusco' (known: lima)",
        ),
        ("      lima: 1.0", "      callao: 1.0", "forces.police.cities.callao", "unknown city 'callao'"),
        (
            "    city: lima\n    rate_per_day",
            "    city: cusco\n    rate_per_day",
            "incidents.lima_incidents.city",
            "unknown city 'cusco'",
        ),
        (
            "    site: venue",
            "    site: palace",
            "posts.gate.site",
            "unknown site 'palace' (known: airport, hotel, venue)",
        ),
        ("    hotel: hotel", "    hotel: sheraton", "delegations.usa.hotel", "unknown site 'sheraton'"),
        (
            "      airport: airport\n      scheduled: 2024-11-14",
            "      airport: jorge_chavez\n      scheduled: 2024-11-14",
            "delegations.usa.arrival.airport",
            "unknown site 'jorge_chavez'",
        ),
        (
            "    forces: [police]\n    windows",
            "    forces: [police, army]\n    windows",
            "posts.gate.forces[1]",
            "unknown force 'army' (known: police)",
        ),
        (
            "escort_forces: [police]",
            "escort_forces: [marines]",
            "delegations.usa.escort_forces[0]",
            "unknown force 'marines'",
        ),
        (
            "    team: 4\n    forces: [police]",
            "    team: 4\n    forces: [qrf]",
            "incidents.lima_incidents.forces[0]",
            "unknown force 'qrf'",
        ),
        (
            "    tier: leader",
            "    tier: minister",
            "delegations.usa.tier",
            "unknown tier 'minister' (known: leader)",
        ),
    ],
    ids=[
        "site-city",
        "force-city-split",
        "incident-city",
        "post-site",
        "hotel",
        "airport",
        "post-force",
        "escort-force",
        "incident-force",
        "tier",
    ],
)
def test_unknown_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, path: str, fragment: str
) -> None:
    text = edit(old, new)
    wrong = fragment.split("'")[1]
    refused(tmp_path, capsys, text, path, line_of(text, wrong), fragment)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("- start: 2024-11-15 08:00", "- start: 2024-11-13 08:00", "posts.gate.windows[0].start"),
        ("end: 2024-11-15 18:00", "end: 2024-11-17 18:00", "posts.gate.windows[0].end"),
        ("scheduled: 2024-11-14 17:45", "scheduled: 2024-11-12 17:45", "delegations.usa.arrival.scheduled"),
        ("scheduled: 2024-11-16 19:00", "scheduled: 2024-11-18 19:00", "delegations.usa.departure.scheduled"),
        (
            "    to: 06:00\n",
            "    to: 06:00\n        first_date: 2024-11-20\n",
            "posts.gate.daily[0].first_date",
        ),
        (
            "    rate_per_day: 6\n",
            "    rate_per_day: 6\n    last: 2024-11-18 00:00\n",
            "incidents.lima_incidents.last",
        ),
    ],
    ids=["window-start", "window-end", "arrival", "departure", "daily-first-date", "incidents-last"],
)
def test_time_outside_the_scenario_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, path: str
) -> None:
    text = edit(old, new)
    changed = next(line for line in new.splitlines() if line not in old.splitlines()).strip()
    p = refused(tmp_path, capsys, text, path, line_of(text, changed), "is outside the scenario window")
    assert p.message.endswith("2024-11-14 00:00:00 to 2024-11-17 00:00:00")


def test_programme_movement_outside_the_stay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(
        "    departure:\n",
        "    programme:\n      - at: 2024-11-14 09:00\n        to: venue\n    departure:\n",
    )
    path = "delegations.usa.programme[0].at"
    refused(
        tmp_path, capsys, text, path, line_of(text, "at: 2024-11-14 09:00"), "outside the delegation's stay"
    )


def test_unscheduled_period_ending_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit(
        "    departure:\n",
        "    unscheduled:\n      rate_per_day: 4\n      duration_min: 30\n"
        "      first: 2024-11-16 00:00\n      last: 2024-11-15 00:00\n    departure:\n",
    )
    path = "delegations.usa.unscheduled.last"
    refused(tmp_path, capsys, text, path, line_of(text, "last: 2024-11-15"), "must be after first")


def test_delegation_sites_in_another_city(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("  airport:\n    city: lima\n", "  airport:\n    city: pisco\n")
    text = edit("\ncities:\n", "\ncities:\n  pisco:\n    lat: -13.7\n    lon: -76.2\n", text)
    file = write(tmp_path, text)
    arrival, departure = lines_equal_to(text, "      airport: airport")
    problems = problems_in(file)
    assert [(p.path, p.line) for p in problems] == [
        ("delegations.usa.arrival.airport", arrival),
        ("delegations.usa.departure.airport", departure),
    ]
    for p in problems:
        assert p.message == (
            "site 'airport' is in pisco, but the delegation's hotel 'hotel' is in lima: "
            "escorts work within one city"
        )
    assert validate_fails(file, capsys).splitlines()[-1] == "summit-sim: 2 problems in the scenario"


def test_two_swept_forces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("    absence_prob: 0.05\n", "    absence_prob: 0.05\n    swept: true\n")
    army = "\nforces:\n  army:\n    headcount: 10\n    swept: true\n    cities: {lima: 1.0}\n"
    text = edit("\nforces:\n", army, text)
    (line,) = lines_equal_to(text, "forces:")
    refused(tmp_path, capsys, text, "forces", line, "only one force may be `swept: true`, found army, police")


def test_unknown_air_and_fuel_references(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    air = """\
aircraft_types:
  heli: {operator: army, cruise_kt: 120, fuel_capacity_gal: 360, burn_gal_per_h: 150, crew: 4}
aircraft:
  helos: {type: blackhawk, base: heliport}
air_coverage:
  over_venue: {type: heli, over: palace, daily: [{from: 08:00, to: 20:00}]}
delegation_overwatch: {type: apache}
fuel_points:
  fuel: {site: pisco, capacity_gal: 1000, initial_gal: 500}
fuel_trucks:
  trucks: {count: 1, depot: airport, serves: [fuel, depot], operator: police, capacity_gal: 500, every_h: 6}
"""
    text = VALID + air
    file = write(tmp_path, text)
    assert [(p.path, p.line, p.message.split(" (known")[0]) for p in problems_in(file)] == [
        ("aircraft_types.heli.operator", line_of(text, "operator: army"), "unknown force 'army'"),
        ("aircraft.helos.type", line_of(text, "blackhawk"), "unknown aircraft type 'blackhawk'"),
        ("aircraft.helos.base", line_of(text, "heliport"), "unknown site 'heliport'"),
        ("air_coverage.over_venue.over", line_of(text, "over: palace"), "unknown site 'palace'"),
        ("delegation_overwatch.type", line_of(text, "apache"), "unknown aircraft type 'apache'"),
        ("fuel_points.fuel.site", line_of(text, "pisco"), "unknown site 'pisco'"),
        ("fuel_trucks.trucks.serves[1]", line_of(text, "serves"), "unknown fuel point 'depot'"),
    ]
    validate_fails(file, capsys)


# -- several problems ------------------------------------------------------------------------------
def test_every_field_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("headcount: 40", "headcount: -5")
    text = edit("absence_prob: 0.05", "absence_prob: 1.5", text)
    text = edit("    required: 4\n", "    required: 4\n    requred: 5\n", text)
    text = edit("      high: 40", "      high: 10", text)
    file = write(tmp_path, text)
    expected = {
        ("forces.police.headcount", line_of(text, "headcount: -5")),
        ("forces.police.absence_prob", line_of(text, "absence_prob: 1.5")),
        ("posts.gate.requred", line_of(text, "requred")),
        ("incidents.lima_incidents.on_scene_min", line_of(text, "on_scene_min")),
    }
    assert {(p.path, p.line) for p in problems_in(file)} == expected
    err = validate_fails(file, capsys)
    assert err.splitlines()[-1] == "summit-sim: 4 problems in the scenario"
    assert len(err.splitlines()) == 5


def test_cross_references_wait_for_valid_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken_reference = edit("    site: venue", "    site: palace")
    both = edit("headcount: 40", "headcount: -5", broken_reference)
    assert [p.path for p in problems_in(write(tmp_path, both))] == ["forces.police.headcount"]
    # With the field fixed, the reference problem surfaces.
    assert [p.path for p in problems_in(write(tmp_path, broken_reference))] == ["posts.gate.site"]
    validate_fails(tmp_path / "scenario.yaml", capsys)


def test_every_reference_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = edit("    site: venue", "    site: palace")
    text = edit("    tier: leader", "    tier: minister", text)
    text = edit("escort_forces: [police]", "escort_forces: [marines]", text)
    paths = [p.path for p in problems_in(write(tmp_path, text))]
    assert paths == ["posts.gate.site", "delegations.usa.tier", "delegations.usa.escort_forces[0]"]


# -- the real command line -------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["python-tag", "negative-headcount"])
def test_python_m_sim_validate_exits_2_without_traceback(tmp_path: Path, case: str) -> None:
    marker = tmp_path / "ran"
    if case == "python-tag":
        text = edit("name: errors\n", f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
        expected = f"{tmp_path / 'scenario.yaml'}:1: YAML error: tag "
    else:
        text = edit("headcount: 40", "headcount: -5")
        line = line_of(text, "headcount: -5")
        expected = f"{tmp_path / 'scenario.yaml'}:{line}: forces.police.headcount: Input should be greater"
    file = write(tmp_path, text)
    run = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(expected)
    assert not marker.exists()
