"""`size` into its results folder: the search (sim.experiment.search) on a `LevelStore`, then its
tables: `search.csv` (the search path), `evidence.csv` (every target at the answer and one resolution
below), `paired.csv` (answer − below on the same replications), `replications.csv` and `answer.json`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.design import BadExperiment
from sim.experiment.plan import FIRST_ROUND
from sim.experiment.search import SearchStep, SizeResult, SizeSettings, level_label, search_table, size_search
from sim.experiment.vary import TROOPS, at_level
from sim.results.decide import (
    DecideRequest,
    base_scenario,
    check_run_options,
    keep_on_interrupt,
    open_folder,
    resume_request,
)
from sim.results.files import write_json, write_table
from sim.scenario import Scenario

__all__ = ["SizeOutcome", "default_start", "resume_size", "run_size", "size_settings", "write_size_tables"]

Render = Callable[[Path, dict[str, Any]], object]


@dataclass(frozen=True)
class SizeOutcome:
    """A finished `size`: its folder, the search's result and the answer as written to answer.json."""

    folder: Path
    result: SizeResult
    answer: dict[str, Any]


def default_start(s: Scenario, path: str) -> float:
    """Where the search starts: the scenario's own value of the input (the swept force's headcount)."""
    if path == TROOPS:
        name = s.swept_force
        if name is None:
            raise BadExperiment(
                f"`size` needs a force marked `swept: true` in scenario {s.name!r} (or --vary PATH)"
            )
        return float(s.forces[name].headcount)
    from sim.scenario.loader import scenario_full_data
    from sim.scenario.overrides import parse_path

    node: Any = scenario_full_data(s)
    try:
        for part in parse_path(path, "--vary"):
            node = node[part]
    except (KeyError, IndexError, TypeError):
        raise BadExperiment(f"--vary {path}: the scenario has no such field") from None
    if not isinstance(node, int | float) or isinstance(node, bool):
        raise BadExperiment(f"--vary {path}: the field holds {node!r}, not a number to search over")
    return float(node)


def size_settings(
    s: Scenario,
    path: str,
    resolution: float,
    replications: int | None,
    max_replications: int | None,
    budget: int | None,
    start: float | None = None,
    low: float = 0.0,
    high: float | None = None,
) -> SizeSettings:
    """The search's settings from the options: each level is first judged on `replications` (default
    20, or the scenario's `replications` if fewer), and a close one gets replications added up to
    `max_replications` (default the scenario's `replications` or 4× the first round, whichever is
    more): a level that plainly fails costs a first round only, and the level that decides gets the
    replications the scenario asks for. The search starts at the scenario's value of the input."""
    n = replications or min(s.replications, FIRST_ROUND)
    n = max(n, 2)
    top = max_replications if max_replications is not None else max(s.replications, 4 * n)
    first = default_start(s, path) if start is None else start
    if high is None:
        high = 10_000_000.0 if path == TROOPS else max(first * 64, first + 64 * resolution)
    return SizeSettings(resolution, n, max(top, n), budget, first, low, high)


def run_size(
    scenario: Scenario | str | os.PathLike[str],
    *,
    path: str = TROOPS,
    resolution: float = 5,
    replications: int | None = None,
    max_replications: int | None = None,
    budget: int | None = None,
    seed: int | None = None,
    sets: tuple[str, ...] = (),
    low: float = 0.0,
    high: float | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    command_line: str | None = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> SizeOutcome:
    """Run `size` into a new folder (see sim.experiment.search)."""
    s, file, sha = base_scenario(scenario, sets)
    settings = {
        "path": path,
        "resolution": resolution,
        "replications": replications,
        "max_replications": max_replications,
        "budget": budget,
        "low": low,
        "high": high,
    }
    request = DecideRequest("size", file, sha, sets, settings, s.seed if seed is None else seed, command_line)
    return _size(s, request, out, workers, scheduler, progress, render, resume=False)


def resume_size(
    folder: str | os.PathLike[str],
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> SizeOutcome:
    """Finish an interrupted `size` with the settings it started with."""
    s, request = resume_request(folder)
    return _size(s, request, folder, workers, scheduler, progress, render, resume=True)


def _size(
    s: Scenario,
    request: DecideRequest,
    out: str | os.PathLike[str] | None,
    workers: int | None,
    scheduler: Any,
    progress: Callable[[SearchStep], None] | None,
    render: Render | None,
    resume: bool,
) -> SizeOutcome:
    check_run_options(workers, scheduler)
    st = request.settings
    settings = size_settings(
        s,
        st["path"],
        st["resolution"],
        st["replications"],
        st["max_replications"],
        st["budget"],
        low=st["low"],
        high=st["high"],
    )
    if st["path"] != TROOPS:
        at_level(s, st["path"], settings.start)  # an input the schema refuses is named before anything runs
    folder = open_folder(request, out, s.name, resume=resume)
    store = folder.store(workers, scheduler)
    with keep_on_interrupt(store, folder.work):
        result = size_search(s, store, settings, st["path"], progress)
    answer = size_answer(result, settings)

    def write(work: Path) -> None:
        write_size_tables(work, result, answer)
        store.join(work / "replications.csv", "level")
        if render is not None:
            render(work, answer)

    final = folder.finish(write)
    return SizeOutcome(final, result, answer)


def size_answer(result: SizeResult, settings: SizeSettings) -> dict[str, Any]:
    """The figures of answer.json: the level, its status, the replications spent and how many a grid at
    the same resolution over the bracket judged would have needed at the first round's replications."""
    judged = sorted({s.evidence.level for s in result.steps})
    grid_levels = math.floor((max(judged) - min(judged)) / settings.resolution + 1e-9) + 1 if judged else 0
    at, below = result.at_answer, result.below
    return {
        "command": "size",
        "path": result.path,
        "answer": None if result.answer is None else _number(result.answer),
        "status": result.status,
        "resolution": settings.resolution,
        "replications_spent": result.replications_spent,
        "levels_judged": result.levels_judged,
        "first_round": settings.replications,
        "max_replications": settings.max_replications,
        "budget": settings.budget,
        "grid_levels_over_bracket": grid_levels,
        "at_answer": None if at is None else {"level": _number(at.level), "replications": at.n},
        "below": None
        if below is None
        else {
            "level": _number(below.level),
            "replications": below.n,
            "failing": None if below.failing is None else below.failing.describe(),
            "failing_target": None if below.failing is None else below.failing.target,
        },
        "inversions": [[_number(a), _number(b)] for a, b in result.inversions],
        "flat": [c.describe() for c in result.flat],
        "reachable": None if result.reachable is None else _reachable(result.reachable),
    }


def _reachable(r: SizeResult) -> dict[str, Any]:
    """The search without the targets out of the input's reach, for answer.json."""
    return {
        "answer": None if r.answer is None else _number(r.answer),
        "status": r.status,
        "at_answer": None
        if r.at_answer is None
        else {"level": _number(r.at_answer.level), "replications": r.at_answer.n},
        "below": None
        if r.below is None
        else {
            "level": _number(r.below.level),
            "replications": r.below.n,
            "failing": None if r.below.failing is None else r.below.failing.describe(),
        },
    }


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def write_size_tables(work: Path, result: SizeResult, answer: dict[str, Any]) -> None:
    """search.csv, evidence.csv, paired.csv and answer.json."""
    rows = search_table(result)
    header = list(rows[0]) if rows else ["step", "phase", "level", "replications", "decision"]
    write_table(work / "search.csv", header, ([r[h] for h in header] for r in rows))
    ev_rows = []
    for which, ev in (("answer", result.at_answer), ("below", result.below)):
        if ev is None:
            continue
        for c in ev.checks:
            ev_rows.append(
                [
                    which,
                    level_label(ev.level),
                    c.target,
                    c.metric,
                    c.bound,
                    c.limit,
                    c.value,
                    c.estimate,
                    c.status,
                    c.n,
                    c.replications_needed or "",
                ]
            )
    write_table(
        work / "evidence.csv",
        [
            "which",
            "level",
            "target",
            "metric",
            "bound",
            "limit",
            "value",
            "estimate",
            "status",
            "n",
            "replications_needed",
        ],
        ev_rows,
    )
    write_table(
        work / "paired.csv",
        ["metric", "mean", "ci_low", "ci_high", "n"],
        [[m, iv.mean, iv.ci_low, iv.ci_high, iv.n] for m, iv in result.paired.items()],
    )
    write_json(work / "answer.json", answer)
