"""Variants of a scenario without copying its file: `PATH=VALUE` overrides, checked against the schema,
applied to the scenario's data and validated again as a whole; and the differences between two scenarios,
path by path.

A path is the field path a file spells out, dotted, with `[i]` for a list item:
`forces.us.absence_prob`, `aircraft.lima_mh60.count`, `posts.palace_guard.daily[0].people`. A value is
read as YAML (`3`, `0.04`, `true`, `12:00`, `[a, b]`, `{kind: exponential, mean: 20}`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import (
    _close_keys,
    _dotted,
    _keys_of,
    _noun,
    _step,
    _unwrap,
    _validate,
    scenario_data,
    scenario_full_data,
)
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import LineMap

__all__ = [
    "Difference",
    "Override",
    "Overrides",
    "apply_overrides",
    "differences",
    "override_texts",
    "parse_override",
    "parse_path",
    "with_overrides",
]

SOURCE = "--set"
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Override:
    """One change: the field `path` (keys and list indexes) takes `value`; `text` is how it was given."""

    path: tuple[str | int, ...]
    value: Any
    text: str

    @property
    def dotted(self) -> str:
        return _dotted(self.path)


def _bad(text: str, message: str, source: str = SOURCE) -> ScenarioError:
    return ScenarioError([Problem(f"{source} {text}".strip(), None, "", message)])


def parse_path(text: str, source: str = SOURCE, label: str | None = None) -> tuple[str | int, ...]:
    """`forces.us.shift.hours` or `posts.x.daily[0].people` as a tuple of keys and list indexes; errors
    name `label` (default the path itself)."""
    label = text if label is None else label
    path: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos] == "." and path and pos + 1 < len(text):
            pos += 1
        m = _PART.match(text, pos)
        if m is None:
            raise _bad(label, "a path is field names joined by dots, with [N] for a list item", source)
        path.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not path:
        raise _bad(
            label, "the path is empty: give PATH=VALUE, for example forces.us.absence_prob=0.04", source
        )
    return tuple(path)


def _read_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # not YAML: the plain text, which validation judges


def parse_override(text: str, source: str = SOURCE) -> Override:
    """`PATH=VALUE` as an `Override`; ScenarioError (naming the text) if it has no `=` or no path."""
    if "=" not in text:
        raise _bad(text, "expected PATH=VALUE, for example forces.us.absence_prob=0.04", source)
    path, value = text.split("=", 1)
    return Override(parse_path(path, source, text), _read_value(value.strip()), text)


def _as_overrides(overrides: Mapping[str, Any] | Iterable[str | Override]) -> list[Override]:
    if isinstance(overrides, Mapping):
        return [Override(parse_path(k), v, f"{k}={v!r}") for k, v in overrides.items()]
    return [o if isinstance(o, Override) else parse_override(o) for o in overrides]


Overrides = Mapping[str, Any] | Iterable[str | Override]


def override_texts(overrides: Overrides) -> tuple[str, ...]:
    """Overrides as `PATH=VALUE` texts (a mapping's values written as JSON, which reads back as YAML), the
    form recorded in a manifest and applied again on `--resume`."""
    if isinstance(overrides, Mapping):
        return tuple(f"{k}={json.dumps(v, default=str)}" for k, v in overrides.items())
    if isinstance(overrides, str):
        return (overrides,)
    return tuple(o.text if isinstance(o, Override) else str(o) for o in overrides)


def _fields_of(tp: Any) -> str:
    keys = _keys_of(tp)
    return ", ".join(keys) if len(keys) <= 12 else ", ".join(keys[:12]) + ", ..."


def _set(data: dict[str, Any], full: dict[str, Any], o: Override, source: str) -> None:
    """Set `o.value` at `o.path` in `data`, walking the schema alongside; a missing intermediate node is
    taken from `full` (the scenario with its defaults) so that a default can be changed too."""
    node: Any = data
    full_node: Any = full
    tp: Any = Scenario
    for i, part in enumerate(o.path):
        here = _dotted(o.path[:i]) or "the scenario"
        last = i == len(o.path) - 1
        tp_u = _unwrap(tp)
        if isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise _bad(
                    o.text,
                    f"{here} is a list of {len(node)} items: use {here}[0] to {here}[{len(node) - 1}]",
                    source,
                )
        elif isinstance(node, dict):
            if isinstance(part, int):
                raise _bad(o.text, f"{here} is a mapping, not a list: name a key, not [{part}]", source)
            is_model = isinstance(tp_u, type) and issubclass(tp_u, BaseModel)
            if is_model and _step(tp_u, part) is None:
                close = _close_keys(part, _keys_of(tp_u))
                hint = f" (did you mean {' or '.join(repr(k) for k in close)}?)" if close else ""
                raise _bad(
                    o.text, f"{here} has no field {part!r}{hint}; its fields: {_fields_of(tp_u)}", source
                )
            if not is_model and part not in node:
                value_tp = _unwrap(_step(tp_u, part)) if tp_u is not None else None
                what = _noun(value_tp) if isinstance(value_tp, type) else "entry"
                known = ", ".join(map(str, node)) or "none"
                raise _bad(o.text, f"{here} has no {what} named {part!r} (known: {known})", source)
        else:
            raise _bad(o.text, f"{here} is a single value ({node!r}), not fields: set {here} itself", source)
        tp = _step(tp_u, part) if tp_u is not None else None
        if last:
            node[part] = copy.deepcopy(o.value)
            return
        if isinstance(node, dict) and part not in node:
            default = copy.deepcopy(full_node.get(part) if isinstance(full_node, dict) else None)
            if default is None:
                raise _bad(o.text, f"{_dotted(o.path[: i + 1])} is not set: set it whole", source)
            node[part] = default
        node = node[part] if isinstance(node, dict) else node[int(part)]
        full_node = _child(full_node, part)


def _child(node: Any, part: str | int) -> Any:
    """`node[part]` where it exists, else None."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def apply_overrides(
    data: dict[str, Any],
    overrides: Iterable[Override],
    full: dict[str, Any] | None = None,
    source: str = SOURCE,
) -> dict[str, Any]:
    """A copy of scenario `data` (as a file holds it) with each override set, in order; `full` (the same
    scenario with its defaults spelt out) supplies a default that `data` leaves out."""
    out = copy.deepcopy(data)
    for o in overrides:
        _set(out, full if full is not None else data, o, source)
    return out


def _owner(path: str, overrides: list[Override]) -> Override | None:
    """The last override whose path is `path` or contains it (or that `path` contains)."""
    for o in reversed(overrides):
        d = o.dotted
        if path == d or path.startswith((d + ".", d + "[")) or d.startswith((path + ".", path + "[")):
            return o
    return None


def with_overrides(
    scenario: Scenario,
    overrides: Mapping[str, Any] | Iterable[str | Override],
    source: str = SOURCE,
) -> Scenario:
    """`scenario` with the overrides applied and validated again as a whole.

    `overrides` is a mapping of path to (Python) value, or `PATH=VALUE` texts. A path the schema does not
    have, or a value it refuses, raises ScenarioError naming the override (`--set PATH=VALUE: ...`);
    a problem that no single override explains (shares that no longer add up) names them all.
    """
    found = _as_overrides(overrides)
    if not found:
        return scenario
    data = apply_overrides(scenario_data(scenario), found, scenario_full_data(scenario), source)
    try:
        return _validate(data, LineMap(), source)
    except ScenarioError as e:
        problems = []
        for p in e.problems:
            o = _owner(p.path, found)
            label = o.text if o is not None else " ".join(x.text for x in found)
            problems.append(Problem(f"{source} {label}", None, p.path, p.message))
        raise ScenarioError(problems) from None


@dataclass(frozen=True)
class Difference:
    """One field that differs between two scenarios: its dotted path and the value in each (None where
    it is absent)."""

    path: str
    a: Any
    b: Any


def _walk(a: Any, b: Any, path: tuple[str | int, ...]) -> Iterator[Difference]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            yield from _walk(a.get(k), b.get(k), (*path, k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _walk(x, y, (*path, i))
    elif a != b:
        yield Difference(_dotted(path), a, b)


def differences(a: Scenario, b: Scenario) -> list[Difference]:
    """Every field whose resolved value differs between `a` and `b` (defaults spelt out), in file
    order: what a variant changes."""
    return list(_walk(scenario_full_data(a), scenario_full_data(b), ()))
