"""An input an experiment varies: a scenario field (by its path) and the levels it takes, and the scenario
at one level.

The forms, shared by `sweep --vary`, `size --vary` and `sensitivity --vary`:
`PATH=START:STOP:STEP` (STOP included when on the grid), `PATH=A,B,C` (a list), and, for a range to
search or to sample, `PATH=LOW:HIGH`. `troops` as the path is the swept force's headcount (with its
strength steps scaled alike, as `--troops` does).

A group (`sweep --vary-group`) varies several values together with fixed ratios: `A+B+...=FACTORS`
multiplies each member's value in the scenario by the factor (whole numbers rounded), for example
`forces.us.headcount+forces.host_military.headcount=0.5:1.5:0.25` (all military), and `*` in a member
stands for every key of the mapping there (`forces.*.headcount`: every force). A force's headcount is
scaled with its strength steps, as `--troops` does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sim.scenario import Scenario, ScenarioError
from sim.scenario.errors import Problem
from sim.scenario.loader import scenario_full_data
from sim.scenario.overrides import _child, parse_path, with_overrides

__all__ = [
    "MAX_LEVELS",
    "TROOPS",
    "Vary",
    "apply_levels",
    "at_factor",
    "at_level",
    "frontier",
    "group_members",
    "is_group",
    "level_label",
    "parse_bounds",
    "parse_levels",
    "parse_vary",
    "parse_vary_group",
]

MAX_LEVELS = 1000
TROOPS = "troops"


@dataclass(frozen=True)
class Vary:
    """A varied input: its dotted `path` (or `troops`), its levels in increasing order, and the text given."""

    path: str
    levels: tuple[float, ...]
    text: str


def _bad(text: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(f"--vary {text}", None, "", message)])


def _number(part: str, text: str) -> float:
    try:
        value = float(part.strip())
    except ValueError:
        raise _bad(text, f"expected a number, got {part.strip()!r}") from None
    if not math.isfinite(value):
        raise _bad(text, f"expected a finite number, got {part.strip()!r}")
    return value


def _tidy(x: float) -> float | int:
    """A level as the file would spell it: whole numbers as ints (a count stays a count)."""
    return int(x) if float(x).is_integer() else x


def parse_levels(spec: str, text: str | None = None) -> tuple[float, ...]:
    """Levels from `START:STOP:STEP` (STOP included when on the grid) or a list `A,B,C`, increasing."""
    text = spec if text is None else text
    if ":" in spec:
        parts = [_number(p, text) for p in spec.split(":")]
        if len(parts) != 3:
            raise _bad(text, "expected START:STOP:STEP or a list A,B,C")
        start, stop, step = parts
        if stop < start:
            raise _bad(text, f"STOP ({stop:g}) is below START ({start:g})")
        if step <= 0:
            raise _bad(text, f"STEP must be positive, got {step:g}")
        count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
        if count > MAX_LEVELS:
            raise _bad(text, f"{count:,} levels is too many (at most {MAX_LEVELS:,})")
        levels = [_tidy(round(start + i * step, 12)) for i in range(count)]
    else:
        levels = [_tidy(_number(p, text)) for p in spec.split(",")]
        if len(set(levels)) != len(levels):
            raise _bad(text, "a level is listed twice")
        if len(levels) > MAX_LEVELS:
            raise _bad(text, f"{len(levels):,} levels is too many (at most {MAX_LEVELS:,})")
        levels.sort()
    return tuple(levels)


def _split(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise _bad(text, "expected PATH=START:STOP:STEP, PATH=A,B,C or PATH=LOW:HIGH")
    path, spec = text.split("=", 1)
    path = path.strip()
    if path != TROOPS:
        parse_path(path, "--vary", text)  # a malformed path is named now; an unknown one when applied
    return path, spec.strip()


def parse_vary(text: str) -> Vary:
    """`PATH=START:STOP:STEP` or `PATH=A,B,C` as a `Vary` (ScenarioError naming the option if malformed)."""
    path, spec = _split(text)
    return Vary(path, parse_levels(spec, text), text)


def parse_bounds(text: str) -> tuple[str, float, float]:
    """`PATH=LOW:HIGH` as (path, low, high), low < high."""
    path, spec = _split(text)
    parts = spec.split(":")
    if len(parts) != 2:
        raise _bad(text, "expected PATH=LOW:HIGH")
    low, high = (_number(p, text) for p in parts)
    if not low < high:
        raise _bad(text, f"LOW ({low:g}) must be below HIGH ({high:g})")
    return path, low, high


def at_level(scenario: Scenario, path: str, level: Any) -> Scenario:
    """The scenario with the input at `path` set to `level` (validated whole; ScenarioError naming
    `--vary PATH=LEVEL` if the schema refuses it). `troops` sets the swept force's headcount."""
    if path == TROOPS:
        if scenario.swept_force is None:
            raise _bad(f"{path}={level}", "`troops` needs a force marked `swept: true` in the scenario")
        if float(level) != int(level) or level < 0:
            raise _bad(f"{path}={level}", f"troops must be a whole number, 0 or more, got {level}")
        return scenario.with_troops(int(level))
    return with_overrides(scenario, {path: _tidy(level) if isinstance(level, float) else level}, "--vary")


def is_group(path: str) -> bool:
    """A group's path (`A+B`, or a member with `*`) rather than one field's."""
    return "+" in path or "*" in path


def parse_vary_group(text: str) -> Vary:
    """`A+B+...=FACTORS` (a range or a list of factors, each above 0) as a `Vary` whose path is `A+B+...`."""
    if "=" not in text:
        raise _bad(text, "expected PATH+PATH=START:STOP:STEP or PATH+PATH=A,B,C (factors)")
    path, spec = (x.strip() for x in text.split("=", 1))
    for member in path.split("+"):
        parse_path(member, "--vary-group", text)
    levels = parse_levels(spec, text)
    if levels[0] <= 0:
        raise _bad(text, f"a factor must be above 0, got {levels[0]:g}")
    return Vary(path, levels, text)


def group_members(scenario: Scenario, path: str) -> list[tuple[str | int, ...]]:
    """The field paths a group stands for, `*` expanded over the keys of the mapping there."""
    full = scenario_full_data(scenario)
    out: list[tuple[str | int, ...]] = []
    for member in path.split("+"):
        parts = parse_path(member.strip(), "--vary-group", path)
        found: list[tuple[str | int, ...]] = [()]
        for part in parts:
            if part == "*":
                found = [(*f, k) for f in found for k in (_node(full, f) or {})]
            else:
                found = [(*f, part) for f in found]
        out += [f for f in found if f not in out]
    return out


def _node(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = _child(data, part)
    return data


def at_factor(scenario: Scenario, path: str, factor: float) -> Scenario:
    """The scenario with every member of the group `path` multiplied by `factor` (whole numbers rounded;
    a force's headcount with its strength steps); ScenarioError naming `--vary-group` if refused."""
    full = scenario_full_data(scenario)
    text = f"{path}={factor:g}"
    overrides: dict[str, Any] = {}
    heads: dict[str, int] = {}
    for member in group_members(scenario, path):
        dotted = ".".join(str(p) for p in member)
        value = _node(full, member)
        if value is None:
            raise _bad(text, f"{dotted} is not in the scenario: a group scales values that are there")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(text, f"{dotted} is {value!r}, not a number: a group scales numbers")
        if len(member) == 3 and member[0] == "forces" and member[2] == "headcount":
            heads[str(member[1])] = round(value * factor)
        else:
            overrides[dotted] = round(value * factor) if isinstance(value, int) else value * factor
    out = with_overrides(scenario, overrides, "--vary-group") if overrides else scenario
    if heads:
        forces = dict(out.forces)
        for name, headcount in heads.items():
            if forces[name].pools is not None:
                raise _bad(
                    text, f"forces.{name} gives `pools` (people per city and role): scale those instead"
                )
            forces[name] = forces[name].scaled(headcount)
        out = out.model_copy(update={"forces": forces})
    return out


def apply_levels(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario at one point of a sweep: each varied input at its level (`troops` is left to the
    variant's headcount; a group is scaled by its factor)."""
    for path, level in values.items():
        if path == TROOPS:
            continue
        scenario = at_factor(scenario, path, level) if is_group(path) else at_level(scenario, path, level)
    return scenario


def level_label(values: dict[str, Any]) -> str:
    """A sweep level's label in the tables: the level for one input, `A=1, B=2` for a grid."""
    texts = {p: f"{_tidy(v) if isinstance(v, float) else v}" for p, v in values.items()}
    if len(texts) == 1:
        return next(iter(texts.values()))
    return ", ".join(f"{p}={t}" for p, t in texts.items())


def frontier(points: Iterable[tuple[Any, Any, bool]]) -> dict[Any, Any]:
    """The meeting frontier of a grid: for each level of the first input (in increasing order), the
    smallest level of the second at which every target is met (None where none is). `points` are
    (first level, second level, meets every target)."""
    best: dict[Any, Any] = {}
    for x, y, met in points:
        best.setdefault(x, None)
        if met and (best[x] is None or y < best[x]):
            best[x] = y
    return dict(sorted(best.items()))
