"""Bad scenario files: each is refused with its field path, line and reason, and exit status 2.

Most cases are rows of a table: an input (usually the valid scenario below with one thing broken, or a
file that is not a scenario at all), the field path of the problem, the line it is reported at and part
of the message. Each row is checked on both layers: `load_scenario` raises `ScenarioError` naming exactly
that one problem, and `summit-sim validate` prints it as `FILE:LINE: field.path: message`, exits 2 and
shows no traceback. Cases with more than one problem, or that check something else too, are tests of
their own.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.scenario import Problem, ScenarioError, load_scenario
from sim.scenario.pools import pools_at
from sim.scenario.yaml_lines import load_with_lines
from tests.helpers import ROOT

EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))

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


@dataclass(frozen=True)
class Exactly:
    """A whole line, for when every fragment of it is on other lines too."""

    line: str


@dataclass(frozen=True)
class Refused:
    """A file's content and the one problem it must be refused for.

    `path` is the dotted field path ("" for the file as a whole). `at` is where the problem is reported:
    a line number, the only line containing this text, an `Exactly` line, or `None` for no line.
    The message must contain `fragment` and end with `ends`.
    """

    content: str | bytes
    path: str
    at: int | str | Exactly | None
    fragment: str
    ends: str = ""

    def line(self) -> int | None:
        if self.at is None or isinstance(self.at, int):
            return self.at
        assert isinstance(self.content, str)
        if isinstance(self.at, Exactly):
            (n,) = lines_equal_to(self.content, self.at.line)
            return n
        return line_of(self.content, self.at)


def bad(
    old: str,
    new: str,
    path: str,
    fragment: str,
    *,
    at: int | str | Exactly = "",
    ends: str = "",
    base: str = VALID,
) -> Refused:
    """`base` with `old` replaced by `new`, refused at `path` with `fragment` (and `ends`).

    The problem is reported on the line containing `at`; by default, the one line that `new` adds or changes.
    """
    if at == "":
        changed = [line.strip() for line in new.splitlines() if line not in old.splitlines()]
        assert len(changed) == 1, f"say which of the changed lines {changed} the problem is on"
        at = changed[0]
    return Refused(edit(old, new, base), path, at, fragment, ends)


def after(line: str, added: str, path: str, fragment: str, *, at: int | str | Exactly = "") -> Refused:
    """The valid scenario with `added` written after its only line `line`; otherwise as `bad`."""
    return bad(f"{line}\n", f"{line}\n{added}\n", path, fragment, at=at)


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


def refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused) -> Problem:
    """Assert the file is refused for exactly the one problem `case` describes, on both layers."""
    file = write(tmp_path, case.content)
    line = case.line()
    problems = problems_in(file)
    assert len(problems) == 1, problems
    (p,) = problems
    assert (p.file, p.line, p.path) == (str(file), line, case.path)
    assert case.fragment in p.message
    assert p.message.endswith(case.ends)
    err = validate_fails(file, capsys)
    where = str(file) if line is None else f"{file}:{line}"
    prefix = f"{where}: {case.path}: " if case.path else f"{where}: "
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
    assert "police: 40 people: lima 40 security; 12on12off, absence 0.05" in out
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
        line = next(x for x in out.splitlines() if x.startswith(f"  {name}: {force.headcount} people: "))
        people = pools_at(force, force.headcount)  # the people the model runs
        for city in dict.fromkeys(c for c, _ in people):
            roles = {r: n for (c, r), n in people.items() if c == city}
            shown = (
                f"{city} {sum(roles.values())} ({', '.join(f'{r} {n}' for r, n in roles.items())})"
                if len(roles) > 1
                else f"{city} {sum(roles.values())} {next(iter(roles))}"
            )
            assert shown in line, (shown, line)


def test_validate_shows_the_people_the_model_runs_by_city_and_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The U.S. force splits by city, then by each city's own roles: "security 100%" (the unused default
    # `roles`) and city shares adding up to 101% were shown where the people are.
    assert main(["validate", str(ROOT / "scenarios" / "apec2024_peru.yaml")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("  us: "))
    assert line.startswith(
        "  us: 600 people: lima 291 (security 157, aviation 60, logistics 74), pisco 273 (security 56, "
        "aviation 169, logistics 48), chiclayo 36 (security 24, logistics 12); "
    )
    assert 291 + 273 + 36 == 600


# -- reading the file ------------------------------------------------------------------------------
def tagged(tag: str) -> Refused:
    """The valid scenario with a latitude written as `tag`: only plain data tags are allowed."""
    return bad("    lat: -12.046\n", f"    lat: {tag}\n", "", "is not allowed: a scenario is plain data")


_LATIN1 = edit("name: errors\n", "name: errors\ndescription: Caf\xe9 de Lima\n").encode("latin-1")
_MAPPING = "a scenario is a YAML mapping of fields, not "

#: Files that cannot be read as a scenario at all.
READING = {
    # a tab cannot indent YAML
    "yaml-syntax-error": bad("    headcount: 40\n", "\theadcount: 40\n", "", "YAML syntax error"),
    "unclosed-quote": Refused('name: "errors\nstart: 2024-11-14 00:00\n', "", 3, "YAML syntax error"),
    "empty-file": Refused("", "", None, "the file is empty"),
    "comments-only": Refused("# a scenario, some day\n\n", "", None, "the file is empty"),
    "document-is-a-list": Refused("- name: a\n- name: b\n", "", 1, _MAPPING + "a list"),
    "document-is-a-number": Refused("42\n", "", 1, _MAPPING + "a number"),
    "document-is-a-string": Refused("just words\n", "", 1, _MAPPING + "a string"),
    "binary-file": Refused(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "", None, "binary data, not a YAML text file"
    ),
    "non-utf8-bytes": Refused(
        _LATIN1, "", None, f"not UTF-8 text (bad byte at offset {_LATIN1.index(0xE9)})"
    ),
    "duplicate-key": after("    headcount: 40", "    headcount: 400", "", "duplicate key 'headcount'"),
    "tag-object": tagged("!!python/object:collections.OrderedDict {lat: 1.0}"),
    "tag-name": tagged("!!python/name:os.system"),
    "tag-local": tagged("!custom {lat: 1.0}"),
    "tag-set": tagged("!!set {a, b}"),
}

#: Structures that would recurse without end.
TOO_DEEP = {
    "self-containing-alias": Refused(
        edit("name: errors\n", "name: errors\nnote: &loop [*loop]\n"),
        "",
        None,
        "an alias (*name) contains itself",
    ),
    # libyaml (PyYAML's C parser, used when present) stops at its own depth limit, with the line;
    # the pure-Python parser would recurse until Python's limit, which the loader reports instead.
    "absurdly-deep-nesting": Refused(
        "name: " + "[" * 2000 + "]" * 2000 + "\n",
        "",
        1 if yaml.__with_libyaml__ else None,
        "exceeded maximum nesting depth" if yaml.__with_libyaml__ else "nested too deeply",
    ),
}


@pytest.mark.parametrize("case", READING.values(), ids=READING)
def test_unreadable_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused
) -> None:
    refused(tmp_path, capsys, case)


@pytest.fixture
def no_gc_at_depth() -> Iterator[None]:
    """Finalise earlier tests' garbage now, not at the bottom of a stack at the recursion limit."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.usefixtures("no_gc_at_depth")
@pytest.mark.parametrize("case", TOO_DEEP.values(), ids=TOO_DEEP)
def test_endless_structure_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused
) -> None:
    refused(tmp_path, capsys, case)


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "nowhere.yaml"
    assert problems_in(file) == [Problem(str(file), None, "", "no such file")]
    assert validate_fails(file, capsys).splitlines()[0] == f"{file}: no such file"


def test_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert problems_in(tmp_path) == [Problem(str(tmp_path), None, "", "is a directory, not a scenario file")]
    assert validate_fails(tmp_path, capsys).startswith(f"{tmp_path}: is a directory")


def test_merged_keys_may_be_overridden() -> None:
    # `<<: *name` copies a mapping in; keys written beside it win, and are not duplicates.
    data, _ = load_with_lines("base: &b {lat: 1, lon: 2}\nlima:\n  <<: *b\n  lat: 3\n")
    assert data["lima"] == {"lat": 3, "lon": 2}


def test_python_tags_are_refused_and_never_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    apply = f'name: !!python/object/apply:os.system ["touch {marker}"]'
    message = "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    refused(tmp_path, capsys, bad("name: errors", apply, "", message, at=1))
    assert not marker.exists()


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
_HH_MM = "expected a time of day as HH:MM"

#: One field wrong on its own: bad(old text, new text, field path, message fragment), reported on the
#: changed line unless `at` says otherwise.
FIELDS = {
    "unknown-top-level-key": after(
        "end: 2024-11-17 00:00", "replication: 5", "replication", "unknown key (did you mean 'replications'?)"
    ),
    "unknown-nested-key": after(
        "    headcount: 40", "    head_count: 40", "forces.police.head_count", "unknown key"
    ),
    "unknown-key-in-a-distribution": after(
        "        mean: 20", "        scale: 3", "delegations.usa.arrival.delay_min.scale", "unknown key"
    ),
    # reported at the mapping that lacks it
    "missing-required-field": bad(
        "    required: 4\n", "", "posts.gate.required", "required field is missing", at="  gate:"
    ),
    # -- a value of the wrong type or form
    "word-for-count": bad("headcount: 40", "headcount: forty", "forces.police.headcount", "valid integer"),
    "fraction-for-count": bad("headcount: 40", "headcount: 40.5", "forces.police.headcount", "valid integer"),
    "quoted-count": bad("headcount: 40", 'headcount: "40"', "forces.police.headcount", "valid integer"),
    "word-for-number": bad("lat: -12.046", "lat: south", "cities.lima.lat", "valid number"),
    "name-for-list": bad(
        "forces: [police]\n    windows",
        "forces: police\n    windows",
        "posts.gate.forces",
        "expected a list (one `- item` line each, or [a, b]), got 'police'",
    ),
    "empty-team": bad(
        "escort_team: 6", "escort_team: 0", "tiers.leader.escort_team", "greater than or equal to 1"
    ),
    "unknown-timezone": bad(
        "timezone: America/Lima", "timezone: Lima", "timezone", "unknown IANA timezone 'Lima'"
    ),
    "one-digit-hour": bad("    to: 06:00", "    to: 6:00", "posts.gate.daily[0].to", _HH_MM),
    "hour-24": bad("    to: 06:00", "    to: 24:00", "posts.gate.daily[0].to", _HH_MM),
    "utc-offset": bad(
        "start: 2024-11-14 00:00",
        "start: 2024-11-14T00:00:00-05:00",
        "start",
        "give local times without a UTC offset",
    ),
    # -- a number out of range
    "negative-headcount": bad(
        "headcount: 40",
        "headcount: -5",
        "forces.police.headcount",
        "greater than or equal to 0",
        ends="(got -5)",
    ),
    "negative-mean-in-a-distribution": bad(
        "mean: 20", "mean: -20", "delegations.usa.arrival.delay_min.mean", "greater than 0"
    ),
    # A plain number means `fixed`; the problem is reported at the number, not at a hidden `value`.
    "negative-plain-number-duration": bad(
        "travel_min: 10",
        "travel_min: -10",
        "incidents.lima_incidents.travel_min",
        "greater than or equal to 0",
    ),
    "negative-uniform-bound": bad(
        "low: 20", "low: -20", "incidents.lima_incidents.on_scene_min.low", "greater than or equal to 0"
    ),
    "probability-above-one": bad(
        "absence_prob: 0.05", "absence_prob: 1.5", "forces.police.absence_prob", "less than or equal to 1"
    ),
    "probability-below-zero": bad(
        "absence_prob: 0.05", "absence_prob: -0.1", "forces.police.absence_prob", "greater than or equal to 0"
    ),
    "target-probability-above-one": after(
        "end: 2024-11-17 00:00",
        "targets:\n  p_critical_gap_max: 5",
        "targets.p_critical_gap_max",
        "less than or equal to 1",
        at="p_critical_gap_max",
    ),
    # -- fields that disagree within one mapping: reported at the mapping
    "city-split-not-one": bad(
        "lima: 1.0", "lima: 0.7", "forces.police.cities", "shares must sum to 1, got 0.7", at="    cities:"
    ),
    "role-split-not-one": after(
        "    absence_prob: 0.05",
        "    roles: {security: 0.6, logistics: 0.6}",
        "forces.police.roles",
        "shares must sum to 1, got 1.2",
    ),
    "window-ending-before-it-starts": bad(
        "end: 2024-11-15 18:00",
        "end: 2024-11-15 06:00",
        "posts.gate.windows[0]",
        "end (2024-11-15 06:00:00) must be after start",
        at="- start: 2024-11-15 08:00",
    ),
    "scenario-ending-before-it-starts": bad(  # at `end`, its field and line (it was the file's first line)
        "end: 2024-11-17 00:00",
        "end: 2024-11-13 00:00",
        "end",
        "must be after start (2024-11-14 00:00:00)",
        at="end: 2024-11-13 00:00",
    ),
    "departure-before-arrival": bad(
        "scheduled: 2024-11-16 19:00",
        "scheduled: 2024-11-14 12:00",
        "delegations.usa",
        "departure.scheduled must be after",
        at="  usa:",
    ),
    "rotation-without-rest-over-its-day-limit": after(
        "    absence_prob: 0.05",
        "    shift: {shift_h: 12, rotation: ['1', '2'], max_consecutive_days: 6}",
        "forces.police.shift",
        "the rotation works every day in a row, more than max_consecutive_days 6",
    ),
    "rotation-over-its-weekly-hours": after(
        "    absence_prob: 0.05",
        "    shift: {shift_h: 12, rotation: ['1111-11', '2222-22'], max_hours_week: 60}",
        "forces.police.shift",
        "the rotation works up to 72 h in 7 days, more than max_hours_week 60",
    ),
    "pattern-and-rotation": after(
        "    absence_prob: 0.05",
        "    shift: {pattern: 8h3crew, shift_h: 8, rotation: ['1', '2', '3']}",
        "forces.police.shift",
        "give either `pattern` (8h3crew) or `shift_h` and `rotation`, not both",
    ),
    "rotation-shift-that-does-not-exist": after(
        "    absence_prob: 0.05",
        "    shift: {shift_h: 12, rotation: ['13']}",
        "forces.police.shift",
        "shift 3 does not exist: 12-hour shifts make 2 a day",
    ),
    "pools-not-adding-up-to-headcount": bad(
        "    cities:\n      lima: 1.0\n    absence_prob",
        "    pools:\n      lima: {security: 30, logistics: 5}\n    absence_prob",
        "forces.police",
        "`pools` add up to 35 people but headcount is 40",
        at="  police:",
    ),
    "strength-steps-out-of-order": after(
        "    absence_prob: 0.05",
        "    strength: [{from: 2024-11-16 00:00, headcount: 80}, {from: 2024-11-15 00:00, headcount: 60}]",
        "forces.police.strength",
        "steps must be in time order: 2024-11-15 00:00:00 is not after 2024-11-16 00:00:00",
    ),
}


def on_scene(body: str, fragment: str, param: str = "") -> Refused:
    """The incidents' time on scene (uniform, 20 to 40) written as `body`, refused with `fragment`.

    A problem with one `param` is reported at that parameter, one with the whole distribution at its key.
    """
    path, at = "incidents.lima_incidents.on_scene_min", "on_scene_min:"
    if param:
        path += f".{param}"
        (at,) = (line.strip() for line in body.splitlines() if line.strip().startswith(f"{param}:"))
    return bad("kind: uniform\n      low: 20\n      high: 40", body, path, fragment, at=at)


#: Distributions that cannot be: on_scene(body, message fragment[, the parameter at fault]).
DISTRIBUTIONS = {
    "uniform-high-below-low": on_scene(
        "kind: uniform\n      low: 20\n      high: 10", "high (10.0) is below low (20.0)"
    ),
    "triangular-mode-outside": on_scene(
        "kind: triangular\n      low: 20\n      mode: 50\n      high: 40", "needs low <= mode <= high"
    ),
    "normal-sd-zero": on_scene("kind: normal\n      mean: 30\n      sd: 0", "greater than 0", "sd"),
    "normal-no-mass": on_scene(
        "kind: normal\n      mean: -300\n      sd: 10", "almost no probability lies between low and high"
    ),
    "lognormal-mean-zero": on_scene("kind: lognormal\n      mean: 0\n      sd: 10", "greater than 0", "mean"),
    "exponential-mean-negative": on_scene("kind: exponential\n      mean: -5", "greater than 0", "mean"),
    "empirical-weights-mismatch": on_scene(
        "kind: empirical\n      values: [10, 20, 30]\n      weights: [1, 2]",
        "weights has 2 entries but values has 3",
    ),
    "empirical-no-values": on_scene("kind: empirical\n      values: []", "at least 1 item", "values"),
    "unknown-kind": on_scene(
        "kind: gamma\n      shape: 2",
        "a distribution has unknown kind 'gamma' (one of empirical, exponential, fixed,",
    ),
    "missing-kind": on_scene("low: 20\n      high: 40", "needs a `kind`"),
}


@pytest.mark.parametrize("case", FIELDS.values(), ids=FIELDS)
def test_bad_field_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused) -> None:
    refused(tmp_path, capsys, case)


@pytest.mark.parametrize("case", DISTRIBUTIONS.values(), ids=DISTRIBUTIONS)
def test_impossible_distribution_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused
) -> None:
    refused(tmp_path, capsys, case)


# -- cross-references and windows (checked once every field is valid) ------------------------------
def outside(old: str, new: str, path: str) -> Refused:
    """`old` replaced by `new`, a time outside the scenario window."""
    return bad(
        old, new, path, "is outside the scenario window", ends="2024-11-14 00:00:00 to 2024-11-17 00:00:00"
    )


_ARMY = "\nforces:\n  army:\n    headcount: 10\n    swept: true\n    cities: {lima: 1.0}\n"
_SWEPT_POLICE = edit("    absence_prob: 0.05\n", "    absence_prob: 0.05\n    swept: true\n")

#: Names that point nowhere (reported at the name) and times outside their window.
REFERENCES = {
    "unknown-site-city": bad(
        "  venue:\n    city: lima",
        "  venue:\n    city: cusco",
        "sites.venue.city",
        "unknown city 'cusco' (known: lima)",
    ),
    "unknown-force-city-split": bad(
        "      lima: 1.0", "      callao: 1.0", "forces.police.cities.callao", "unknown city 'callao'"
    ),
    "unknown-incident-city": bad(
        "    city: lima\n    rate_per_day",
        "    city: cusco\n    rate_per_day",
        "incidents.lima_incidents.city",
        "unknown city 'cusco'",
    ),
    "unknown-post-site": bad(
        "    site: venue",
        "    site: palace",
        "posts.gate.site",
        "unknown site 'palace' (known: airport, hotel, venue)",
    ),
    "unknown-hotel": bad(
        "    hotel: hotel", "    hotel: sheraton", "delegations.usa.hotel", "unknown site 'sheraton'"
    ),
    "unknown-airport": bad(
        "      airport: airport\n      scheduled: 2024-11-14",
        "      airport: jorge_chavez\n      scheduled: 2024-11-14",
        "delegations.usa.arrival.airport",
        "unknown site 'jorge_chavez'",
    ),
    "unknown-post-force": bad(
        "    forces: [police]\n    windows",
        "    forces: [police, army]\n    windows",
        "posts.gate.forces[1]",
        "unknown force 'army' (known: police)",
    ),
    "unknown-escort-force": bad(
        "escort_forces: [police]",
        "escort_forces: [marines]",
        "delegations.usa.escort_forces[0]",
        "unknown force 'marines'",
    ),
    "unknown-incident-force": bad(
        "    team: 4\n    forces: [police]",
        "    team: 4\n    forces: [qrf]",
        "incidents.lima_incidents.forces[0]",
        "unknown force 'qrf'",
    ),
    "unknown-tier": bad(
        "    tier: leader",
        "    tier: minister",
        "delegations.usa.tier",
        "unknown tier 'minister' (known: leader)",
    ),
    "outside-window-start": outside(
        "- start: 2024-11-15 08:00", "- start: 2024-11-13 08:00", "posts.gate.windows[0].start"
    ),
    "outside-window-end": outside(
        "end: 2024-11-15 18:00", "end: 2024-11-17 18:00", "posts.gate.windows[0].end"
    ),
    "outside-arrival": outside(
        "scheduled: 2024-11-14 17:45", "scheduled: 2024-11-12 17:45", "delegations.usa.arrival.scheduled"
    ),
    "outside-departure": outside(
        "scheduled: 2024-11-16 19:00", "scheduled: 2024-11-18 19:00", "delegations.usa.departure.scheduled"
    ),
    "outside-daily-first-date": outside(
        "    to: 06:00\n", "    to: 06:00\n        first_date: 2024-11-20\n", "posts.gate.daily[0].first_date"
    ),
    "outside-incidents-last": outside(
        "    rate_per_day: 6\n",
        "    rate_per_day: 6\n    last: 2024-11-18 00:00\n",
        "incidents.lima_incidents.last",
    ),
    "programme-movement-outside-the-stay": bad(
        "    departure:\n",
        "    programme:\n      - at: 2024-11-14 09:00\n        to: venue\n    departure:\n",
        "delegations.usa.programme[0].at",
        "outside the delegation's stay",
        at="at: 2024-11-14 09:00",
    ),
    "unscheduled-period-ending-before-it-starts": bad(
        "    departure:\n",
        "    unscheduled:\n      rate_per_day: 4\n      duration_min: 30\n"
        "      first: 2024-11-16 00:00\n      last: 2024-11-15 00:00\n    departure:\n",
        "delegations.usa.unscheduled.last",
        "must be after first",
        at="last: 2024-11-15",
    ),
    "two-swept-forces": bad(
        "\nforces:\n",
        _ARMY,
        "forces",
        "only one force may be `swept: true`, found army, police",
        at=Exactly("forces:"),
        base=_SWEPT_POLICE,
    ),
}


@pytest.mark.parametrize("case", REFERENCES.values(), ids=REFERENCES)
def test_bad_reference_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused) -> None:
    refused(tmp_path, capsys, case)


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


# -- messages in the file's terms (issue 11) -------------------------------------------------------
_PYDANTIC_WORDS = ("instance of", "valid dictionary", "object to extract fields", "Extra inputs")

#: Mistakes whose message must say what the file should hold, in its own words.
MESSAGES = {
    "misspelt-key": bad(
        "    headcount: 40\n    cities:\n      lima: 1.0\n    absence_prob",
        "    headcount: 40\n    cities:\n      lima: 1.0\n    absense_prob",
        "forces.police.absense_prob",
        "unknown key (did you mean 'absence_prob'?)",
    ),
    "misspelt-distribution-parameter": after(
        "      high: 40",
        "      hihg: 45",
        "incidents.lima_incidents.on_scene_min.hihg",
        "did you mean 'high'?",
    ),
    "abbreviated-key": after(
        "    rate_per_day: 6",
        "    busy: false",
        "incidents.lima_incidents.busy",
        "unknown key (did you mean 'busy_includes_travel'?)",
    ),
    "key-like-nothing": after(
        "    absence_prob: 0.05",
        "    zzz: 1",
        "forces.police.zzz",
        "unknown key (not a field here; check the spelling in scenarios/README.md)",
    ),
    "comma-in-a-flow-mapping-name": bad(
        "  lima:\n    lat: -12.046\n    lon: -77.043",
        "  lima: {name: Lima, Peru, lat: -12.046, lon: -77.043}",
        "cities.lima.Peru",
        "unknown key; a comma inside {...} separates entries: if it belongs to the value before it, quote "
        'that value (name: "Lima, Peru")',
    ),
    "scalar-for-a-force": bad(
        "  police:\n    headcount: 40\n    cities:\n      lima: 1.0\n    absence_prob: 0.05\n",
        "  police: 40\n",
        "forces.police",
        "expected a mapping of force fields, got 40",
    ),
    "list-for-the-forces": bad(
        "forces:\n  police:\n    headcount: 40\n    cities:\n      lima: 1.0\n    absence_prob: 0.05\n",
        "forces:\n  - police\n",
        "forces",
        "expected a mapping of names to force fields, got a list",
        at=Exactly("forces:"),
    ),
    "word-for-a-distribution": bad(
        "travel_min: 10",
        "travel_min: ten",
        "incidents.lima_incidents.travel_min",
        "expected a number (a fixed value) or a mapping of distribution fields with a `kind`",
        ends="got 'ten'",
    ),
    "missing-timezone": bad(
        "timezone: America/Lima\n",
        "",
        "timezone",
        "required field is missing (the IANA timezone of every date and time in the file, for example "
        "America/Lima)",
        at=1,
    ),
}


@pytest.mark.parametrize("case", MESSAGES.values(), ids=MESSAGES)
def test_messages_speak_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Refused
) -> None:
    p = refused(tmp_path, capsys, case)
    assert not any(word in p.message for word in _PYDANTIC_WORDS)


def test_fields_not_indented_under_their_key_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit("  venue:\n    city: lima\n", "  venue:\n  city: lima\n")
    assert [(p.path, p.line, p.message) for p in problems_in(write(tmp_path, text))] == [
        (
            "sites.venue",
            line_of(text, "venue:"),
            "expected a mapping of site fields, got nothing (are its fields indented under it?)",
        ),
        (
            "sites.city",
            *lines_equal_to(text, "  city: lima"),
            "expected a mapping of site fields, got 'lima'",
        ),
    ]
    err = validate_fails(tmp_path / "scenario.yaml", capsys)
    assert not any(word in err for word in (*_PYDANTIC_WORDS, "Site"))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\\u202Egate", "\\u202egate"),
        ("ga\\0te", "ga\\x00te"),
        ("ga\\x1bte", "ga\\x1bte"),
        ("g\\u2066a", "g\\u2066a"),
    ],
    ids=["right-to-left-override", "nul", "escape", "left-to-right-isolate"],
)
def test_invisible_and_control_characters_are_escaped_when_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: str, shown: str
) -> None:
    # A post named with a YAML escape: the name is refused, and echoed with the character escaped.
    text = edit("  gate:\n", f'  "{raw}":\n')
    (p,) = problems_in(write(tmp_path, text))
    assert p.path == f"posts.{raw.encode().decode('unicode_escape')}"  # the problem holds the name as it is
    assert f"posts.{shown}:" in str(p)
    assert str(p).isprintable()
    err = validate_fails(tmp_path / "scenario.yaml", capsys)
    assert f"posts.{shown}:" in err
    assert all(line.isprintable() for line in err.splitlines())


def test_a_file_name_with_control_characters_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, "- a list\n", name="bad\u202e\x1b.yaml")
    (p,) = problems_in(file)
    assert str(p).startswith(f"{tmp_path}/bad\\u202e\\x1b.yaml:1: ")
    assert all(line.isprintable() for line in validate_fails(file, capsys).splitlines())


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
