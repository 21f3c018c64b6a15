"""An input an experiment varies: a scenario field (by its path) and the levels it takes, and the scenario
at one level.

The forms, shared by `sweep --vary`, `size --vary` and `sensitivity --vary`:
`PATH=START:STOP:STEP` (STOP included when on the grid), `PATH=A,B,C` (a list), and, for a range to
search or to sample, `PATH=LOW:HIGH`. `troops` as the path is the swept force's headcount (with its
strength steps scaled alike, as `--troops` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.scenario import Scenario, ScenarioError
from sim.scenario.errors import Problem
from sim.scenario.overrides import parse_path, with_overrides

__all__ = ["MAX_LEVELS", "TROOPS", "Vary", "at_level", "parse_bounds", "parse_levels", "parse_vary"]

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
