"""Read a scenario file into a validated, frozen `Scenario`, or explain every problem in it."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.scenario.checks import check_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.files import read_text
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import DuplicateKey, LineMap, load_with_lines

__all__ = [
    "load_scenario",
    "load_scenario_files",
    "parse_scenario",
    "read_data",
    "read_text",
    "scenario_data",
    "scenario_from_data",
    "scenario_full_data",
    "scenario_yaml",
]


def _line_for(loc: tuple[Any, ...], lines: LineMap) -> int | None:
    """The line of the longest prefix of `loc` that the file spells out."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _data_path(loc: tuple[Any, ...], lines: LineMap) -> tuple[Any, ...]:
    """Drop the parts of pydantic's location that are not keys in the file.

    Those are union tags (a distribution's `kind`, like `uniform`) and validator names (`function-...`).
    """
    path: tuple[Any, ...] = ()
    for i, part in enumerate(loc):
        step = (*path, part)
        if step not in lines and isinstance(part, str) and (part in _TAGS or "[" in part):
            continue
        if part == "value" and loc[i - 1 : i] == ("fixed",) and (*path, "kind") not in lines:
            continue  # a plain number standing for `{kind: fixed, value: N}`: point at the number
        path = step
    return path


_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false"}
_TAGS = {"fixed", "exponential", "uniform", "triangular", "normal", "lognormal", "empirical"}


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unwrap(tp: Any) -> Any:
    """The type under `Annotated[...]` and `X | None`."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _field(model: type[BaseModel], key: Any) -> Any:
    """The annotation of `model`'s field called (or aliased) `key`, or None."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _step(tp: Any, part: Any) -> Any:
    """The type one step along a pydantic error location (None where the walk gets lost)."""
    tp = _unwrap(tp)
    if isinstance(part, str) and "[" in part:  # a validator's name in the location
        return tp
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _field(tp, part)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, tuple) and args:
        return args[0] if origin is list or isinstance(part, str) else args[min(part, len(args) - 1)]
    if origin in (typing.Union, types.UnionType):  # a distribution: the location names its kind
        for member in args:
            member = _unwrap(member)
            if isinstance(member, type) and issubclass(member, BaseModel):
                kind = member.model_fields.get("kind")
                if kind is not None and kind.default == part:
                    return member
    return None


def _type_at(loc: tuple[Any, ...]) -> Any:
    """The scenario schema's type at a pydantic error location (None if it cannot be told)."""
    tp: Any = Scenario
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return None
    return _unwrap(tp)


def _keys_of(tp: Any) -> list[str]:
    """The keys a mapping of type `tp` may hold (a model's fields, by the name a file uses)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [info.alias or name for name, info in tp.model_fields.items()]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):  # every distribution's parameters
        return sorted({k for member in typing.get_args(tp) for k in _keys_of(_unwrap(member))})
    return []


def _noun(tp: Any) -> str:
    """What a file calls a model: `AircraftType` -> "aircraft type"."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return "distribution"
    name = getattr(tp, "__name__", "item")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _got(value: Any) -> str:
    if value is None:
        return "nothing (are its fields indented under it?)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


_FLOW_HINT = (
    "; a comma inside {...} separates entries: if it belongs to the value before it, quote that "
    'value (name: "Lima, Peru")'
)
_MISSING_HINTS: dict[tuple[Any, ...], str] = {
    ("timezone",): " (the IANA timezone of every date and time in the file, for example America/Lima)",
}


def _close_keys(key: str, keys: list[str]) -> list[str]:
    """The fields a misspelt `key` most likely meant: the closest by difflib's ratio (ties kept), else
    the one field that it abbreviates (`rate` for `rate_per_day`)."""
    simple = key.lower().replace("-", "_").replace(" ", "_")
    scored = sorted(((difflib.SequenceMatcher(None, simple, k).ratio(), k) for k in keys), reverse=True)
    best = [k for r, k in scored if r >= 0.6 and r >= scored[0][0] - 0.02] if scored else []
    if best:
        return best[:2]
    prefixed = [k for k in keys if len(simple) >= 3 and k.startswith(simple)]
    return prefixed if len(prefixed) == 1 else []


def _unknown_key(loc: tuple[Any, ...], path: tuple[Any, ...], lines: LineMap) -> str:
    """The "unknown key" message, with the field meant if the key is close to one, or a hint to quote."""
    msg = "unknown key (not a field here; check the spelling in scenarios/README.md)"
    key = loc[-1] if loc else None
    if path in lines.bare_flow_keys:
        return f"unknown key{_FLOW_HINT}"
    if isinstance(key, str):
        close = _close_keys(key, _keys_of(_type_at(loc[:-1])))
        if close:
            meant = " or ".join(repr(k) for k in close)
            return f"unknown key (did you mean {meant}?)"
    return msg


def _message(err: ErrorDetails, path: tuple[Any, ...] = (), lines: LineMap | None = None) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    got = err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(loc, path, lines if lines is not None else LineMap())
    if kind == "missing":
        return "required field is missing" + _MISSING_HINTS.get(loc, "")
    if kind in ("union_tag_not_found", "union_tag_invalid"):  # a distribution's `kind`
        kinds = ", ".join(sorted(_TAGS))
        tag = err.get("ctx", {}).get("tag")
        what = f"has unknown kind {tag!r}" if kind == "union_tag_invalid" else "needs a `kind`"
        return f"a distribution {what} (one of {kinds}), or is a plain number for a fixed value"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        # pydantic says "a valid dictionary or instance of Force": name what the file must hold instead
        tp = _type_at(loc)
        if typing.get_origin(tp) is dict:
            value = _unwrap(typing.get_args(tp)[1])
            if isinstance(value, type) and issubclass(value, BaseModel):
                what = f"a mapping of names to {_noun(value)} fields"
            else:
                what = "a mapping of names to values"
        elif typing.get_origin(tp) in (typing.Union, types.UnionType):
            kinds = ", ".join(sorted(_TAGS))
            what = f"a number (a fixed value) or a mapping of distribution fields with a `kind` ({kinds})"
        elif tp is not None:
            what = f"a mapping of {_noun(tp)} fields"
        else:
            what = "a mapping of fields"
        return f"expected {what}, got {_got(got)}"
    if kind == "list_type":
        return f"expected a list (one `- item` line each, or [a, b]), got {_got(got)}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not isinstance(got, dict | list) and "got" not in msg and repr(got) not in msg:
        msg = f"{msg} (got {got!r})"
    return msg


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario text; raise `ScenarioError` listing every problem found."""
    data, lines = read_data(text, file)
    return _validate(data, lines, file)


def read_data(text: str, file: str = "<scenario>") -> tuple[dict[str, Any], LineMap]:
    """Scenario text as plain data (a mapping) and the line of every field; `ScenarioError` for text that
    is not a YAML mapping."""
    try:
        data, lines = load_with_lines(text)
    except DuplicateKey as e:
        raise ScenarioError([Problem(file, e.line, "", f"duplicate key {e.key!r}")]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(e, "problem", None) or str(e)
        context = getattr(e, "context", None)
        detail = f"{context}, {what}" if context else what
        syntax = not isinstance(e, yaml.constructor.ConstructorError)
        kind = "YAML syntax error" if syntax else "YAML error"
        raise ScenarioError([Problem(file, line, "", f"{kind}: {detail}")]) from None
    except RecursionError:
        message = "nested too deeply, or an alias (*name) contains itself"
        raise ScenarioError([Problem(file, None, "", message)]) from None
    if data is None:
        raise ScenarioError([Problem(file, None, "", "the file is empty: no scenario in it")])
    if not isinstance(data, dict):
        kind = _KINDS.get(type(data), f"a {type(data).__name__}")
        raise ScenarioError([Problem(file, 1, "", f"a scenario is a YAML mapping of fields, not {kind}")])
    return data, lines


def scenario_from_data(data: dict[str, Any], file: str = "<data>") -> Scenario:
    """Validate a scenario given as plain data (a dict as a YAML file holds it, or a `Scenario`'s
    `model_dump(by_alias=True)` changed in code); raise `ScenarioError` listing every problem, located
    by field path."""
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(file, None, "", f"a scenario is a mapping of fields, not {type(data).__name__}")]
        )
    return _validate(data, LineMap(), file)


def _plain(x: Any, full: Any) -> Any:
    """`x` (a part of a scenario's dump) the way a file spells it: times of day as "HH:MM", date-times as
    local ISO text, every distribution with its `kind` (taken from `full`, the dump with defaults)."""
    if isinstance(x, dict):
        out = {k: _plain(v, full.get(k) if isinstance(full, dict) else None) for k, v in x.items()}
        if isinstance(full, dict) and "kind" in full and "kind" not in out:  # a distribution's tag
            out = {"kind": full["kind"], **out}
        return out
    if isinstance(x, list | tuple):
        fulls = full if isinstance(full, list | tuple) else [None] * len(x)
        return [_plain(v, f) for v, f in zip(x, fulls, strict=True)]
    if isinstance(x, dt.datetime):
        return x.isoformat(timespec="minutes" if x.second == x.microsecond == 0 else "seconds")
    if isinstance(x, dt.time):
        return f"{x:%H:%M}"
    if isinstance(x, dt.date):
        return x.isoformat()
    return x


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data, the way a file would spell it: defaults left out, times of day as
    "HH:MM", date-times as local ISO text, every distribution with its `kind`. Change it in code and
    validate it again with `scenario_from_data`."""
    full = scenario.model_dump(by_alias=True)
    data: dict[str, Any] = _plain(scenario.model_dump(by_alias=True, exclude_defaults=True), full)
    return data


def scenario_full_data(scenario: Scenario) -> dict[str, Any]:
    """As `scenario_data`, with every default spelt out: the resolved value of every field."""
    full = scenario.model_dump(by_alias=True)
    data: dict[str, Any] = _plain(full, full)
    return data


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text that `parse_scenario` (or `summit-sim validate`, once saved) reads back
    to an equal scenario: to save a scenario built or changed in code."""
    return yaml.safe_dump(scenario_data(scenario), sort_keys=False, allow_unicode=True)


def _validate(data: dict[str, Any], lines: LineMap, file: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            path = _data_path(tuple(err["loc"]), lines)
            message = _message(err, path, lines)
            problems.append(Problem(file, _line_for(path, lines), _dotted(path), message))
        raise ScenarioError(problems) from None
    found = check_scenario(scenario)
    if found:
        raise ScenarioError([Problem(file, _line_for(p, lines), _dotted(p), msg) for p, msg in found])
    return scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file (YAML; nothing in it is ever executed), or an overlay: a file
    whose `base:` names the scenario it changes (sim.scenario.overlay), validated as the merged whole."""
    return load_scenario_files(path)[0]


def load_scenario_files(path: str | os.PathLike[str]) -> tuple[Scenario, tuple[Path, ...]]:
    """`load_scenario(path)` and the files it was read from: the file, then for an overlay each base in
    turn (what `sim.scenario.overlay.scenario_files` finds by reading them again)."""
    name = str(path)
    data, lines = read_data(read_text(path), name)
    if "base" in data:
        from sim.scenario.overlay import resolve_overlay

        overlay = resolve_overlay(Path(path), data, lines)
        return overlay.scenario, overlay.files
    return _validate(data, lines, name), (Path(path),)
