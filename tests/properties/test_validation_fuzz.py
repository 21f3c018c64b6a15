"""Loader fuzzing (issue 5): whatever the file holds, loading it either gives a valid scenario or raises
`ScenarioError` with located problems - never another exception.

Three sources of input: arbitrary text; arbitrary YAML documents (hypothesis recursive strategies of
plain data, some shaped like scenarios with real field names as keys); and random mutations of the
reference scenario (delete a key, change a value's type, negate a number, rename a key). A mutant that
still loads must also run.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.model import run_replication
from sim.scenario import Scenario, ScenarioError, parse_scenario
from sim.scenario.yaml_lines import load_with_lines
from tests.helpers import ROOT
from tests.helpers.validation_strategies import scenario_data

REFERENCE = ROOT / "scenarios" / "apec2024_peru.yaml"
REFERENCE_DATA, _ = load_with_lines(REFERENCE.read_text(encoding="utf-8"))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name and alias in the scenario's models, so fuzzed keys reach deep validators."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, f in model.model_fields.items():
        names.add(f.alias or name)
        for arg in _walk_types(f.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _field_names(arg, seen)
    return names


def _walk_types(tp: Any) -> list[Any]:
    out = [tp]
    for arg in getattr(tp, "__args__", ()) or ():
        out.extend(_walk_types(arg))
    for meta in getattr(tp, "__metadata__", ()) or ():
        out.extend(_walk_types(meta))
    return out


FIELDS = sorted(_field_names(Scenario) | {"kind", "exponential", "fixed", "value", "mean", "sd"})

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["07:00", "24:00", "2024-11-14T08:00", "2024-11-14 08:00+05:00", "exponential", "lima"]),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8), st.integers(-3, 3), st.booleans(), st.none())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)),
    max_leaves=40,
)
scenario_shaped = st.dictionaries(st.sampled_from(FIELDS), documents, min_size=1, max_size=12)


def _loads_or_scenario_error(text: str) -> Scenario | None:
    """Load `text`; a ScenarioError (with located problems) is an answer, any other exception a bug."""
    try:
        return _loaded(parse_scenario(text, "fuzz.yaml"))
    except ScenarioError as e:
        error = e
    assert error.problems, "a ScenarioError must list at least one problem"
    for p in error.problems:
        assert p.file == "fuzz.yaml"
        assert p.message
    event("rejected")
    return None


def _loaded(s: Scenario) -> Scenario:
    event("loaded")
    return s


YAMLISH = st.sampled_from([*":-[]{}&*!|>'\"%@`#,?<=~.+_ \n\t0123456789TZaekmnsxy", "!!", "<<", "---", "..."])


@settings(FUZZ, max_examples=300)
@given(st.text(max_size=400) | st.lists(YAMLISH, max_size=120).map("".join))
def test_arbitrary_text_loads_or_raises_scenario_error(text):
    _loads_or_scenario_error(text)


@settings(FUZZ, max_examples=300)
@given(documents)
def test_arbitrary_yaml_documents_load_or_raise_scenario_error(doc):
    _loads_or_scenario_error(yaml.safe_dump(doc, allow_unicode=True))


@settings(FUZZ, max_examples=300)
@given(scenario_shaped)
def test_scenario_shaped_documents_load_or_raise_scenario_error(doc):
    _loads_or_scenario_error(yaml.safe_dump(doc, allow_unicode=True))


# -- mutations of the reference scenario ----------------------------------------------------------------
def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        out.append((*path, k))
        out.extend(_paths(v, (*path, k)))
    return out


def _kind(value: Any) -> str:
    return (
        "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__
    )


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        data = data[k]
    return data


def _mutate(draw: st.DrawFn, data: Any, paths: list, numbers: list, keys: list) -> list[str]:
    """Apply 1-3 random mutations to `data` in place; return what was done."""
    done = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "retype", "negate", "rename"]))
        pool = {"negate": numbers, "rename": keys}.get(op, paths)
        if not pool:
            continue
        path = draw(st.sampled_from(pool))
        try:
            parent, last = _at(data, path[:-1]), path[-1]
            value = parent[last]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this part
        if op == "delete":
            del parent[last]
        elif op == "retype":
            new = draw(
                scalars
                | st.lists(scalars, max_size=2)
                | st.dictionaries(st.text(max_size=5), scalars, max_size=2)
            )
            if _kind(new) == _kind(value):
                continue
            parent[last] = new
        elif op == "negate":
            if _kind(value) != "number":
                continue
            parent[last] = -value
        else:
            if not isinstance(parent, dict):
                continue
            new_key = draw(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8), st.just(f"{last}x")))
            if new_key in parent:
                continue
            parent[new_key] = parent.pop(last)
        done.append(op)
        event(f"mutation: {op}")
    return done


def _targets(data: Any) -> tuple[list, list, list]:
    paths = _paths(data)
    numbers = [p for p in paths if _kind(_at(data, p)) == "number"]
    keys = [p for p in paths if isinstance(_at(data, p[:-1]), dict)]
    return paths, numbers, keys


PATHS, NUMBERS, KEYS = _targets(REFERENCE_DATA)


def _affordable(s: Scenario) -> bool:
    """Small enough to run in a test: a mutation may stretch the window to centuries or a rate to
    billions a day, which the schema allows and a test cannot wait for."""
    days = (s.end - s.start).total_seconds() / 86400
    rates = [i.rate_per_day for i in s.incidents.values()]
    rates += [d.unscheduled.rate_per_day * d.count for d in s.delegations.values() if d.unscheduled]
    people = sum(f.headcount for f in s.forces.values())
    ok = days <= 60 and sum(rates) * days <= 50_000 and people <= 100_000
    event("runs" if ok else "too big to run in a test")
    return ok


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, Any]:
    """The reference scenario with 1-3 random mutations."""
    data = copy.deepcopy(REFERENCE_DATA)
    _mutate(draw, data, PATHS, NUMBERS, KEYS)
    return data


@st.composite
def mutated_random_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random small valid scenario (as plain data) with 1-3 random mutations: small scenarios
    make a mutation hit the cross-references (sites, forces, tiers, types) often."""
    data = draw(scenario_data())
    _mutate(draw, data, *_targets(data))
    return data


@settings(FUZZ, max_examples=150)
@given(mutations())
def test_mutated_reference_scenario_loads_or_raises_scenario_error_and_runs_if_it_loads(data):
    s = _loads_or_scenario_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    if s is not None and _affordable(s):
        run_replication(s, 0)  # a scenario the loader accepts must also run


@settings(FUZZ, max_examples=300)
@given(mutated_random_scenarios())
def test_mutated_random_scenarios_load_or_raise_scenario_error_and_run_if_they_load(data):
    s = _loads_or_scenario_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    if s is not None and _affordable(s):
        run_replication(s, 0)


# -- what fuzzing and the property tests found: scenarios the loader accepted but the model could not run
_BASE = """
name: found
timezone: {zone}
start: {start}
end: {end}
cities: {{c: {{lat: 0, lon: 0}}}}
sites: {{s: {{city: c}}}}
forces: {{f: {{headcount: 2, cities: {{c: 1}}}}}}
posts: {{p: {{site: s, required: 1, forces: [f], daily: [{{from: "08:00", to: "09:00"}}]}}}}
"""


def _problems(text: str) -> list[str]:
    try:
        parse_scenario(text, "found.yaml")
    except ScenarioError as e:
        return [f"{p.path}: {p.message}" for p in e.problems]
    return []


def test_dates_at_the_edge_of_the_calendar_are_refused_not_crashed_on():
    """Year 1 in a zone east of UTC (or 9999 west of it) has no UTC time, and a daily window reaches a
    day before the start: the model raised OverflowError. Now the loader refuses such dates."""
    early = _BASE.format(zone="Asia/Tokyo", start="0001-01-01T00:00", end="0001-01-02T00:00")
    late = _BASE.format(zone="America/Lima", start="9999-12-30T00:00", end="9999-12-31T00:00")
    for text in (early, late):
        problems = _problems(text)
        assert problems
        assert all("outside the years 2 to 9998" in p for p in problems)
        assert {p.split(":")[0] for p in problems} == {"start", "end"}
    ok = _BASE.format(zone="Asia/Tokyo", start="0002-01-01T00:00", end="0002-01-02T00:00")
    run_replication(parse_scenario(ok))


def test_fuel_point_with_no_capacity_is_refused():
    """A fuel point of capacity 0 was valid but crashed the model (a SimPy container needs room)."""
    text = _BASE.format(zone="UTC", start="2024-01-01T00:00", end="2024-01-02T00:00") + (
        "fuel_points: {fp: {site: s, capacity_gal: 0, initial_gal: 0}}\n"
    )
    assert _problems(text) == [
        "fuel_points.fp.capacity_gal: Input should be greater than or equal to 1 (got 0)"
    ]
