"""`allocate` into its results folder: the split (sim.experiment.allocate) and its tables:
`allocation.csv` (pool, fixed shares at the size answer or at the total, split, change),
`evidence.csv` (every target for the split, on the search's and on fresh replications, and for the
fixed shares), `search.csv` (the fixed-shares size search), `replications.csv`, `answer.json`, and the
split as a scenario the planner can run: `split_overlay.yaml` (an overlay: `base:` the scenario file,
then only the swept force's changed fields) and `split_scenario.yaml` (the whole scenario).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.experiment.allocate import AllocateResult, AllocateSettings, allocate, pool_name, split_scenario
from sim.experiment.design import BadExperiment
from sim.experiment.plan import FIRST_ROUND
from sim.experiment.search import Evidence, SearchStep, level_label, steps_table
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
from sim.scenario.loader import scenario_data, scenario_yaml
from sim.scenario.overrides import parse_override

__all__ = ["AllocateOutcome", "resume_allocate", "run_allocate"]

Render = Callable[[Path, dict[str, Any]], object]


@dataclass(frozen=True)
class AllocateOutcome:
    """A finished `allocate`: its folder, what it found, and the answer as in answer.json."""

    folder: Path
    result: AllocateResult
    answer: dict[str, Any]

    @property
    def overlay(self) -> Path:
        return self.folder / "split_overlay.yaml"

    @property
    def scenario_file(self) -> Path:
        return self.folder / "split_scenario.yaml"


def run_allocate(
    scenario: Scenario | str | os.PathLike[str],
    *,
    total: int | None = None,
    step: int = 1,
    repair_step: int | None = None,
    resolution: float = 5,
    replications: int | None = None,
    max_replications: int | None = None,
    budget: int | None = None,
    rounds: int = 20,
    seed: int | None = None,
    sets: tuple[str, ...] = (),
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    command_line: str | None = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> AllocateOutcome:
    """Run `allocate` into a new folder (see sim.experiment.allocate)."""
    s, file, sha = base_scenario(scenario, sets)
    settings = {
        "total": total,
        "step": step,
        "repair_step": repair_step,
        "resolution": resolution,
        "replications": replications,
        "max_replications": max_replications,
        "budget": budget,
        "rounds": rounds,
    }
    request = DecideRequest(
        "allocate", file, sha, sets, settings, s.seed if seed is None else seed, command_line
    )
    return _allocate(s, request, out, workers, scheduler, progress, render, resume=False)


def resume_allocate(
    folder: str | os.PathLike[str],
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[SearchStep], None] | None = None,
    render: Render | None = None,
) -> AllocateOutcome:
    """Finish an interrupted `allocate` with the settings it started with."""
    s, request = resume_request(folder)
    return _allocate(s, request, folder, workers, scheduler, progress, render, resume=True)


def _allocate(
    s: Scenario,
    request: DecideRequest,
    out: str | os.PathLike[str] | None,
    workers: int | None,
    scheduler: Any,
    progress: Callable[[SearchStep], None] | None,
    render: Render | None,
    resume: bool,
) -> AllocateOutcome:
    check_run_options(workers, scheduler)
    if s.swept_force is None:
        raise BadExperiment(f"`allocate` needs a force marked `swept: true` in scenario {s.name!r}")
    st = request.settings
    # first judgements on 20 replications (or the scenario's, if fewer), a close one growing to the
    # scenario's replications, as `size` does
    n = max(st["replications"] or min(s.replications, FIRST_ROUND), 2)
    top = st.get("max_replications") or max(s.replications, n)
    settings = AllocateSettings(
        n,
        top,
        st["step"],
        st["repair_step"],
        st["budget"],
        st["total"],
        st["resolution"],
        st["rounds"],
    )
    folder = open_folder(request, out, s.name, resume=resume)
    store = folder.store(workers, scheduler)

    def fresh(seed: int) -> Any:
        return folder.store(workers, scheduler, sub=f"verify/{seed}", seed=seed)

    with keep_on_interrupt(store, folder.work):
        result = allocate(s, store, fresh, settings, request.seed, progress)
    answer = allocate_answer(result, request)

    def write(work: Path) -> None:
        write_allocation_tables(work, s, result, answer, request)
        store.join(work / "replications.csv", "variant")
        if render is not None:
            render(work, answer)

    final = folder.finish(write)
    return AllocateOutcome(final, result, answer)


def allocate_answer(result: AllocateResult, request: DecideRequest) -> dict[str, Any]:
    """The figures of answer.json."""
    v = result.verification
    total_given = request.settings.get("total")
    return {
        "command": "allocate",
        "needed": result.total,
        "total_given": total_given,
        "fixed_needed": result.fixed_needed,
        "saved": result.saved if total_given is None else None,
        "split": {pool_name(p): n for p, n in result.split.items()},
        "fixed": {pool_name(p): n for p, n in result.fixed.items()},
        "per_pool": {pool_name(p): n for p, n in result.per_pool.items()},
        "meets": result.evidence.meets,
        "p_all_met": result.evidence.all_met.mean,
        "fixed_p_all_met": None if result.fixed_at_total is None else result.fixed_at_total.all_met.mean,
        "verified": None if v is None else v.meets,
        "verified_seed": result.verified_seed,
        "verification_p_all_met": None if v is None else v.all_met.mean,
        "replications": result.evidence.n,
        "replications_spent": result.spent,
        "notes": list(result.notes),
        "out_of_reach": sorted(result.out_of_reach),
    }


def _evidence_rows(which: str, ev: Evidence | None) -> list[list[object]]:
    if ev is None:
        return []
    return [
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
        for c in ev.checks
    ]


def overlay_data(
    s: Scenario, base: str | None, folder: Path, split_s: Scenario, sets: tuple[str, ...]
) -> dict[str, Any]:
    """The split as an overlay: `base:` the scenario file (relative to the folder), the `--set`
    overrides, and the swept force's new headcount and `pools`; `cities`, `roles` and `city_roles` set
    to null, which removes them (a merge patch: null deletes a key)."""
    name = s.swept_force
    assert name is not None
    data: dict[str, Any] = {}
    if base is not None:
        data["base"] = os.path.relpath(Path(base).resolve(), folder.resolve())
    for text in sets:
        o = parse_override(text)
        if any(isinstance(k, int) for k in o.path):
            continue
        node = data
        for k in o.path[:-1]:
            node = node.setdefault(str(k), {})
        node[str(o.path[-1])] = o.value
    full = scenario_data(split_s)
    force = full["forces"][name]
    patch: dict[str, Any] = {"headcount": force["headcount"], "pools": force["pools"]}
    for t, kind in s.aircraft_types.items():
        new = split_s.aircraft_types[t].aircrew
        if kind.aircrew is not None and new is not None and new.crews != kind.aircrew.crews:
            data.setdefault("aircraft_types", {}).setdefault(t, {}).setdefault("aircrew", {})["crews"] = (
                new.crews
            )
    for key in ("cities", "roles", "city_roles"):
        if key in scenario_data(s)["forces"][name]:
            patch[key] = None
    if "strength" in force:
        patch["strength"] = force["strength"]
    data.setdefault("forces", {}).setdefault(name, {}).update(patch)
    return data


def write_allocation_tables(
    work: Path, s: Scenario, result: AllocateResult, answer: dict[str, Any], request: DecideRequest
) -> None:
    """allocation.csv, evidence.csv, search.csv, the split's overlay and scenario files, answer.json."""
    rows = []
    for p, n in result.split.items():
        f = result.fixed.get(p, 0)
        rows.append([pool_name(p), f, n, n - f])
    write_table(work / "allocation.csv", ["pool", "fixed", "split", "change"], rows)
    ev_rows = _evidence_rows("split", result.evidence) + _evidence_rows(
        "split, fresh replications", result.verification
    )
    ev_rows += _evidence_rows("fixed shares", result.fixed_at_total)
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
    if result.steps:  # the fixed shares' size, then the pools' joint search (phase "pools")
        table = steps_table(result.steps)
        header = list(table[0])
        write_table(work / "search.csv", header, ([r[h] for h in header] for r in table))
    write_table(work / "moves.csv", ["phase", "split", "p_all_met"], result.history)
    split_s = split_scenario(s, result.split)
    (work / "split_scenario.yaml").write_text(scenario_yaml(split_s))
    overlay = overlay_data(s, request.scenario, work, split_s, request.sets)
    head = (
        "# The split found by `summit-sim allocate` as an overlay on its scenario: only the swept force's\n"
        "# headcount and pools change. split_scenario.yaml beside it is the same scenario written whole.\n"
    )
    (work / "split_overlay.yaml").write_text(
        head + yaml.safe_dump(overlay, sort_keys=False, allow_unicode=True)
    )
    write_json(work / "answer.json", answer)
