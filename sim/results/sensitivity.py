"""`sensitivity` into its results folder: the tornado and the Morris screening
(sim.experiment.sensitivity) and their tables: `tornado.csv` (input, its range, troops needed at each
end, the swing), `morris.csv` (output, input, μ, μ*, σ, μ*'s bootstrap half-width, rank), `design.csv`
(the Morris points and their outputs), `search.csv` (the size search at the scenario's values),
`replications.csv` and `answer.json`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.design import BadExperiment
from sim.experiment.search import SearchStep, SizeResult, search_table
from sim.experiment.sensitivity import (
    P_ALL,
    Input,
    SensitivityResult,
    Tornado,
    morris,
    one_at_a_time,
    size_at,
)
from sim.experiment.vary import parse_bounds
from sim.results.decide import (
    DecideRequest,
    base_scenario,
    check_run_options,
    keep_on_interrupt,
    open_folder,
    resume_request,
)
from sim.results.files import write_json, write_table
from sim.results.sizing import size_settings
from sim.scenario import Scenario

__all__ = ["SensitivityOutcome", "parse_inputs", "resume_sensitivity", "run_sensitivity"]

Render = Callable[[Path, dict[str, Any]], object]


@dataclass(frozen=True)
class SensitivityOutcome:
    """A finished `sensitivity`: its folder, what it found and the answer as in answer.json."""

    folder: Path
    result: SensitivityResult
    answer: dict[str, Any]


def parse_inputs(texts: Sequence[str]) -> list[Input]:
    """`PATH=LOW:HIGH` options as inputs (ScenarioError naming a malformed one)."""
    out = []
    for text in texts:
        path, low, high = parse_bounds(text)
        out.append(Input(path, low, high))
    if len({i.path for i in out}) != len(out):
        raise BadExperiment("an input is given twice in --vary")
    return out


def run_sensitivity(
    scenario: Scenario | str | os.PathLike[str],
    *,
    vary: Sequence[str],
    resolution: float = 5,
    replications: int | None = None,
    max_replications: int | None = None,
    trajectories: int = 10,
    morris_replications: int | None = None,
    troops: int | None = None,
    tornado: bool = True,
    seed: int | None = None,
    sets: tuple[str, ...] = (),
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    command_line: str | None = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> SensitivityOutcome:
    """Run `sensitivity` into a new folder (see sim.experiment.sensitivity)."""
    s, file, sha = base_scenario(scenario, sets)
    parse_inputs(vary)  # a malformed input is named before anything is written
    settings = {
        "vary": list(vary),
        "resolution": resolution,
        "replications": replications,
        "max_replications": max_replications,
        "trajectories": trajectories,
        "morris_replications": morris_replications,
        "troops": troops,
        "tornado": tornado,
    }
    request = DecideRequest(
        "sensitivity", file, sha, sets, settings, s.seed if seed is None else seed, command_line
    )
    return _sensitivity(s, request, out, workers, scheduler, progress, render, resume=False)


def resume_sensitivity(
    folder: str | os.PathLike[str],
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> SensitivityOutcome:
    """Finish an interrupted `sensitivity` with the settings it started with."""
    s, request = resume_request(folder)
    return _sensitivity(s, request, folder, workers, scheduler, progress, render, resume=True)


def _sensitivity(
    s: Scenario,
    request: DecideRequest,
    out: str | os.PathLike[str] | None,
    workers: int | None,
    scheduler: Any,
    progress: Callable[[SearchStep], None] | None,
    render: Render | None,
    resume: bool,
) -> SensitivityOutcome:
    check_run_options(workers, scheduler)
    st = request.settings
    inputs = parse_inputs(st["vary"])
    if not inputs:
        raise BadExperiment("`sensitivity` needs at least one input: --vary PATH=LOW:HIGH")
    from sim.experiment.sensitivity import input_value, with_inputs

    for i in inputs:  # both ends validate before anything runs
        with_inputs(s, {i.path: input_value(s, i.path, i.low)})
        with_inputs(s, {i.path: input_value(s, i.path, i.high)})
    settings = size_settings(s, "troops", st["resolution"], st["replications"], st["max_replications"], None)
    folder = open_folder(request, out, s.name, resume=resume)
    store = folder.store(workers, scheduler)
    with keep_on_interrupt(store, folder.work):
        base: SizeResult | None
        bars: list[Tornado]
        if st.get("tornado", True):
            base, bars = one_at_a_time(s, inputs, store, settings, progress)
        else:  # Morris only: the answer at the scenario's values is needed only for Morris's level
            base = size_at(s, store, settings, {}, progress) if st["troops"] is None else None
            bars = []
        m = None
        if st["trajectories"]:
            level = st["troops"]
            if level is None and base is not None and base.needed is not None:
                # with targets out of the troops' reach, the level that meets every other target: Morris
                # there shows what moves the targets troops can buy (at the scenario's headcount they are
                # all met and nothing moves them)
                level = int(base.needed)
            n = st["morris_replications"] or settings.replications
            m = morris(s, inputs, store, level, st["trajectories"], n, request.seed)
    ranking = _ranking(bars, m)
    result = SensitivityResult(base, bars, m, ranking, store.spent)
    answer = sensitivity_answer(result, settings.replications)

    def write(work: Path) -> None:
        write_sensitivity_tables(work, result, answer)
        store.join(work / "replications.csv", "variant")
        if render is not None:
            render(work, answer)

    final = folder.finish(write)
    return SensitivityOutcome(final, result, answer)


def _ranking(bars: Sequence[Any], m: Any) -> list[str]:
    """Inputs by tornado swing (troops needed), ties by Morris μ* on P(every target met); by μ* alone
    without a tornado."""
    mu = m.effects.get(P_ALL, {}) if m is not None else {}
    if not bars:
        return (m.ranking(P_ALL) or m.targets_ranking()) if m is not None else []

    def key(b: Any) -> tuple[float, float]:
        swing = b.swing if not math.isnan(b.swing) else -1.0
        return (-swing, -mu.get(b.input.path, {}).get("mu_star", 0.0))

    return [b.input.path for b in sorted(bars, key=key)]


def _num(x: float | None) -> int | float | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def sensitivity_answer(result: SensitivityResult, replications: int) -> dict[str, Any]:
    m = result.morris
    return {
        "command": "sensitivity",
        "needed": None if result.base is None else _num(result.base.answer),
        "status": "no size run (--troops given, no tornado)" if result.base is None else result.base.status,
        "flat": [] if result.base is None else [c.describe() for c in result.base.flat],
        "reachable": None
        if result.base is None or result.base.reachable is None
        else {"answer": _num(result.base.reachable.answer)},
        "top": result.ranking[:5],
        "ranking": result.ranking,
        "tornado": [
            {
                "input": b.input.path,
                "low": b.low_value,
                "high": b.high_value,
                "needed_low": _num(b.needed_low),
                "needed_high": _num(b.needed_high),
            }
            for b in result.tornado
        ],
        "replications": replications,
        "morris_troops": None if m is None else m.troops,
        "morris_trajectories": None if m is None else m.trajectories,
        "morris_points": None if m is None else len(m.x),
        "morris_replications": None if m is None else m.replications * len(m.x),
        "morris_output": P_ALL,
        "morris_text": ""
        if m is None
        else f"{m.trajectories} trajectories x {len(m.x) // max(m.trajectories, 1)} points x "
        f"{m.replications} replications = {m.replications * len(m.x):,} replications at "
        f"{m.troops if m.troops is not None else 'the scenario headcount'} troops, every point on the same "
        "replications (common random numbers)",
        "replications_spent": result.spent,
    }


def write_sensitivity_tables(work: Path, result: SensitivityResult, answer: dict[str, Any]) -> None:
    rows = [
        [
            b.input.path,
            b.low_value,
            b.high_value,
            "" if b.needed_low is None else _num(b.needed_low),
            "" if b.needed_high is None else _num(b.needed_high),
            _num(b.swing) if math.isfinite(b.swing) else b.swing,
        ]
        for b in result.tornado
    ]
    write_table(work / "tornado.csv", ["input", "low", "high", "needed_low", "needed_high", "swing"], rows)
    m = result.morris
    if m is not None:
        mrows = []
        for output, eff in m.effects.items():
            ranked = m.ranking(output)  # empty when no input moves this output: every row kept, unranked
            for i, name in enumerate(ranked or list(eff), start=1):
                e = eff[name]
                rank = i if ranked else ""
                mrows.append([output, name, e["mu"], e["mu_star"], e["sigma"], e["mu_star_conf"], rank])
        write_table(
            work / "morris.csv", ["output", "input", "mu", "mu_star", "sigma", "mu_star_conf", "rank"], mrows
        )
        names = list(m.effects.get(P_ALL, {})) or [f"x{j}" for j in range(m.x.shape[1])]
        outs = list(m.y)
        write_table(
            work / "design.csv",
            ["point", *names, *outs],
            [[k, *m.x[k], *(m.y[o][k] for o in outs)] for k in range(len(m.x))],
        )
    table = search_table(result.base) if result.base is not None else []
    header = list(table[0]) if table else ["step", "phase", "level", "replications", "decision"]
    write_table(work / "search.csv", header, ([r[h] for h in header] for r in table))
    write_json(work / "answer.json", answer)
