"""Overlay scenarios: a short file that names a base scenario and spells out only what changes.

    # scenarios/examples/one_mh60_down.yaml
    base: ../apec2024_peru.yaml      # relative to this file; the base may itself be an overlay
    aircraft:
      mh60_ag8:
        count: 2

How the overlay's data is merged into its base's (scenarios/README.md, "Overlays"):
- a mapping merges into a mapping key by key, to any depth (a new key adds an entry: a force, a post);
- anything else (a number, a text, a list) replaces the base's value whole: a list is never merged
  item by item, so give the whole list;
- `null` deletes the key, so that the field takes its default (or must be given, if it has none).

The merged whole is validated as one scenario. Each problem is located where the value it names was
written: a field the overlay sets (or a mapping it changes) points at the overlay's file and line, any
other at the base's. A base that leads back to an overlay of the chain is refused (a loop).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import _dotted, _validate, read_data, read_text
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import LineMap

__all__ = [
    "BASE",
    "Overlay",
    "files_sha256",
    "overlay_base",
    "resolve_overlay",
    "scenario_files",
    "scenario_sha256",
]

BASE = "base"
_MAX_DEPTH = 32
_LAST_PART = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


@dataclass(frozen=True)
class Overlay:
    """A resolved overlay: the merged scenario and the files it was read from (the overlay first, then
    each base in turn)."""

    scenario: Scenario
    files: tuple[Path, ...]

    @property
    def base(self) -> Path:
        """The file the overlay names as its base."""
        return self.files[1]


@dataclass
class _Merged:
    """Data being merged, with the line and the file of every field path."""

    data: dict[str, Any]
    lines: LineMap
    origin: dict[tuple[Any, ...], str]
    files: list[Path]


def _shown(path: Path) -> str:
    """A file as errors name it: the path as reached from the overlay, tidied (`a/../b` -> `b`)."""
    return os.path.normpath(path)


def _base_path(path: Path, data: dict[str, Any], lines: LineMap) -> Path:
    base = data[BASE]
    if not isinstance(base, str) or not base.strip():
        raise ScenarioError(
            [
                Problem(
                    str(path), lines.get((BASE,)), BASE, f"expected the path of a scenario file, got {base!r}"
                )
            ]
        )
    return path.parent / base.strip()


def _read(path: Path, data: dict[str, Any], lines: LineMap, chain: list[Path]) -> _Merged:
    """The merged data of the overlay `path` (already read as `data`, `lines`), its bases first."""
    name = str(path)
    here = Path(os.path.realpath(path))
    if here in chain or len(chain) >= _MAX_DEPTH:
        names = " -> ".join(_shown(p) for p in [*chain, here])
        why = "a loop" if here in chain else f"more than {_MAX_DEPTH} overlays deep"
        raise ScenarioError(
            [Problem(name, lines.get((BASE,)), BASE, f"overlays lead back in {why}: {names}")]
        )
    if BASE not in data:
        origin = dict.fromkeys(lines, name)
        return _Merged(data, lines, origin, [path])
    base = _base_path(path, data, lines)
    try:
        base_data, base_lines = read_data(read_text(base), _shown(base))
    except ScenarioError as e:
        # A base that cannot be read is the overlay's `base:` line's problem; one that reads badly is its own.
        problems = [
            Problem(name, lines.get((BASE,)), BASE, f"{_shown(base)}: {p.message}") if p.line is None else p
            for p in e.problems
        ]
        raise ScenarioError(problems) from None
    merged = _read(base, base_data, base_lines, [*chain, here])
    over = {k: v for k, v in data.items() if k != BASE}
    _merge(merged, over, (), lines, name)
    merged.lines[()] = lines.get((), 1)
    merged.origin[()] = name
    merged.files.insert(0, path)
    return merged


def _drop_under(merged: _Merged, path: tuple[Any, ...]) -> None:
    """Forget the lines of everything below `path` (a value replaced or deleted)."""
    n = len(path)
    for p in [p for p in merged.lines if len(p) > n and p[:n] == path]:
        del merged.lines[p]
        merged.origin.pop(p, None)
    merged.lines.bare_flow_keys = {p for p in merged.lines.bare_flow_keys if p[:n] != path}


def _merge(merged: _Merged, over: dict[str, Any], path: tuple[Any, ...], lines: LineMap, name: str) -> None:
    """Merge the overlay's mapping `over` (at `path`) into `merged`, recording where each value came from."""
    target: Any = merged.data
    for part in path:
        target = target[part]
    for key, value in over.items():
        p = (*path, key)
        merged.lines[p] = lines.get(p, lines.get(path, 1))
        merged.origin[p] = name
        if value is None:
            target.pop(key, None)
            _drop_under(merged, p)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(merged, value, p, lines, name)
        else:
            target[key] = copy.deepcopy(value)
            _drop_under(merged, p)
            n = len(p)
            for q, line in lines.items():
                if len(q) > n and q[:n] == p:
                    merged.lines[q] = line
                    merged.origin[q] = name
            merged.lines.bare_flow_keys |= {q for q in lines.bare_flow_keys if q[:n] == p}


def _origin_of(dotted: str, by_dotted: dict[str, str], default: str) -> str:
    """The file that wrote the longest prefix of the field path `dotted`."""
    while dotted:
        if dotted in by_dotted:
            return by_dotted[dotted]
        shorter = _LAST_PART.sub("", dotted)
        if shorter == dotted:
            break
        dotted = shorter
    return by_dotted.get("", default)


def resolve_overlay(path: Path, data: dict[str, Any], lines: LineMap) -> Overlay:
    """The overlay at `path` (read as `data` and `lines`) merged into its bases and validated whole;
    `ScenarioError` with each problem at the file and line that wrote the value it names."""
    merged = _read(path, data, lines, [])
    try:
        scenario = _validate(merged.data, merged.lines, str(path))
    except ScenarioError as e:
        by_dotted = {_dotted(p): f for p, f in merged.origin.items()}
        problems = [
            Problem(_shown(Path(_origin_of(p.path, by_dotted, str(path)))), p.line, p.path, p.message)
            for p in e.problems
        ]
        raise ScenarioError(problems) from None
    return Overlay(scenario, tuple(merged.files))


def overlay_base(path: str | os.PathLike[str]) -> Path | None:
    """The base an overlay file names (as reached from it), or None for a complete scenario file."""
    p = Path(path)
    data, lines = read_data(read_text(p), str(p))
    return _base_path(p, data, lines) if BASE in data else None


def scenario_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files a scenario is read from: itself, then, for an overlay, each base in turn."""
    files = [Path(path)]
    while len(files) <= _MAX_DEPTH:
        base = overlay_base(files[-1])
        if base is None:
            return files
        files.append(base)
    return files


def scenario_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of a scenario file; for an overlay, of the sha256s of every file it is read from, so
    that a change to a base is seen as a change to the overlay."""
    return files_sha256(scenario_files(path))


def files_sha256(files: Sequence[Path]) -> str:
    """`scenario_sha256` of the scenario read from `files` (`scenario_files`, or those that
    `load_scenario_files` gives): the sha256 of the one file, or of the sha256s of each."""
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()
