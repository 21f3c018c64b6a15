"""Read a scenario file into a validated, frozen `Scenario`, or explain every problem in it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sim.scenario.checks import check_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import DuplicateKey, LineMap, load_with_lines

__all__ = ["load_scenario", "parse_scenario", "scenario_data", "scenario_from_data", "scenario_yaml"]

_MAX_BYTES = 20 * 1024 * 1024


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


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (not a field here; check the spelling in scenarios/README.md)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("union_tag_not_found", "union_tag_invalid"):  # a distribution's `kind`
        kinds = ", ".join(sorted(_TAGS))
        tag = err.get("ctx", {}).get("tag")
        what = f"has unknown kind {tag!r}" if kind == "union_tag_invalid" else "needs a `kind`"
        return f"a distribution {what} (one of {kinds}), or is a plain number for a fixed value"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    got = err.get("input")
    if not isinstance(got, dict | list) and "got" not in msg and repr(got) not in msg:
        msg = f"{msg} (got {got!r})"
    return msg


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario text; raise `ScenarioError` listing every problem found."""
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
    return _validate(data, lines, file)


def scenario_from_data(data: dict[str, Any], file: str = "<data>") -> Scenario:
    """Validate a scenario given as plain data (a dict as a YAML file holds it, or a `Scenario`'s
    `model_dump(by_alias=True)` changed in code); raise `ScenarioError` listing every problem, located
    by field path."""
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(file, None, "", f"a scenario is a mapping of fields, not {type(data).__name__}")]
        )
    return _validate(data, {}, file)


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data, the way a file would spell it: defaults left out, times of day as
    "HH:MM", date-times as local ISO text, every distribution with its `kind`. Change it in code and
    validate it again with `scenario_from_data`."""

    def plain(x: Any, full: Any) -> Any:
        if isinstance(x, dict):
            out = {k: plain(v, full.get(k) if isinstance(full, dict) else None) for k, v in x.items()}
            if isinstance(full, dict) and "kind" in full and "kind" not in out:  # a distribution's tag
                out = {"kind": full["kind"], **out}
            return out
        if isinstance(x, list | tuple):
            fulls = full if isinstance(full, list | tuple) else [None] * len(x)
            return [plain(v, f) for v, f in zip(x, fulls, strict=True)]
        if isinstance(x, dt.datetime):
            return x.isoformat(timespec="minutes" if x.second == x.microsecond == 0 else "seconds")
        if isinstance(x, dt.time):
            return f"{x:%H:%M}"
        if isinstance(x, dt.date):
            return x.isoformat()
        return x

    full = scenario.model_dump(by_alias=True)
    data: dict[str, Any] = plain(scenario.model_dump(by_alias=True, exclude_defaults=True), full)
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
            problems.append(Problem(file, _line_for(path, lines), _dotted(path), _message(err)))
        raise ScenarioError(problems) from None
    found = check_scenario(scenario)
    if found:
        raise ScenarioError([Problem(file, _line_for(p, lines), _dotted(p), msg) for p, msg in found])
    return scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file (YAML; nothing in it is ever executed)."""
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError([Problem(name, None, "", "no such file")])
    if p.is_dir():
        raise ScenarioError([Problem(name, None, "", "is a directory, not a scenario file")])
    try:
        with p.open("rb") as f:
            raw = f.read(_MAX_BYTES + 1)  # bounded: a device such as /dev/zero never ends
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", f"cannot read: {e.strerror}")]) from None
    if len(raw) > _MAX_BYTES:
        raise ScenarioError([Problem(name, None, "", "larger than 20 MiB: not a scenario")])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, None, "", "binary data, not a YAML text file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(
            [Problem(name, None, "", f"not UTF-8 text (bad byte at offset {e.start})")]
        ) from None
    return parse_scenario(text, name)
