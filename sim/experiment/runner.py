"""Monte Carlo experiments: `run` (one level), `sweep` (troop levels), `compare` (two variants).

Each job is (variant, replication) → one metrics row and its gap rows. Jobs go out in batches to an
executor (sim.experiment.executors); each finished batch is written to the incomplete results folder at
once, so rows are streamed to disk, never held. At the end the parts are joined in (variant,
replication) order, so the files are byte-identical whatever the number of workers; the figures and
`report.html` are drawn from them (sim.report_html), and the folder is renamed to its final name.
Ctrl-C keeps the finished batches and marks the folder incomplete; `resume(folder)` runs what is
missing and ends exactly as an uninterrupted run would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.distributions import COLUMNS as DIST_COLUMNS
from sim.experiment.distributions import Histograms
from sim.experiment.executors import Variant, WorkerState, make_executor
from sim.experiment.plan import Plan, batches, next_round
from sim.experiment.tables import Answer, analyse, interval_of, write_answer
from sim.metrics import METRICS
from sim.results import (
    GAP_COLUMNS,
    INCOMPLETE,
    PartStore,
    default_out,
    finish_incomplete,
    read_json,
    start_incomplete,
    unused_out,
    write_json,
    write_table,
)
from sim.scenario import Scenario, load_scenario
from sim.scenario.summary import describe_scenario
from sim.stats import TARGETS

__all__ = [
    "BadExperiment",
    "Interrupted",
    "Outcome",
    "ResumeError",
    "compare",
    "default_workers",
    "resume",
    "run",
    "sweep",
]

FORMAT = 1  # version of the results folder layout
Progress = Callable[[int, int], None]  # (replications done, replications planned so far)
ScenarioLike = Scenario | str | os.PathLike[str]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an experiment: the finished batches are kept in `folder`, marked incomplete."""

    def __init__(self, folder: Path, done: int, planned: int) -> None:
        super().__init__(f"interrupted with {done} of {planned} replications done; kept in {folder}")
        self.folder, self.done, self.planned = folder, done, planned


class BadExperiment(ValueError):
    """An experiment that cannot be run as asked (bad options for this scenario); nothing is written."""


class ResumeError(BadExperiment):
    """A folder that cannot be resumed (not incomplete, scenario changed, metrics changed)."""


@dataclass(frozen=True)
class Outcome:
    """A finished experiment: where its folder is, what it found, and how many replications it took."""

    folder: Path
    command: str
    key: str
    answer: Answer
    plan: Plan
    precision_met: bool | None
    manifest: dict[str, Any]

    @property
    def precision_widest(self) -> dict[str, Any] | None:
        """With --precision: the target metric and level whose interval was widest against its allowance."""
        return self.manifest["answer"].get("precision_widest")


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class _Source:
    scenario: Scenario
    path: str | None
    sha256: str


def _source(scenario: ScenarioLike) -> _Source:
    if isinstance(scenario, Scenario):
        text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        return _Source(scenario, None, hashlib.sha256(text.encode()).hexdigest())
    path = Path(scenario)
    loaded = load_scenario(path)  # raises ScenarioError with every problem located
    return _Source(loaded, str(path), hashlib.sha256(path.read_bytes()).hexdigest())


def _need_swept(s: Scenario, what: str) -> None:
    if s.swept_force is None:
        raise BadExperiment(f"{what} needs a force marked `swept: true` in scenario {s.name!r}")


# -- public entry points ---------------------------------------------------------------------------


def run(
    scenario: ScenarioLike,
    *,
    replications: int | None = None,
    precision: float | None = None,
    max_replications: int = 1000,
    seed: int | None = None,
    troops: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    command_line: str | None = None,
) -> Outcome:
    """Replications of one scenario at one staffing level (`troops`, default the scenario's)."""
    src = _source(scenario)
    s = src.scenario
    if troops is not None:
        _need_swept(s, "--troops")
    level = troops if troops is not None else (s.forces[s.swept_force].headcount if s.swept_force else None)
    variants = [Variant("" if level is None else str(level), s, troops)]
    plan = _plan(s, replications, precision, max_replications)
    return _start("run", "troops", [src], [0], variants, plan, seed, workers, scheduler, out, progress,
                  command_line)  # fmt: skip


def sweep(
    scenario: ScenarioLike,
    troops: Sequence[int],
    *,
    replications: int | None = None,
    precision: float | None = None,
    max_replications: int = 1000,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    command_line: str | None = None,
) -> Outcome:
    """The same replications at each troop level (common random numbers), in increasing order."""
    src = _source(scenario)
    s = src.scenario
    _need_swept(s, "a sweep")
    levels = sorted(set(troops))
    if not levels:
        raise BadExperiment("a sweep needs at least one troop level")
    if min(levels) < 0:
        raise BadExperiment(f"troop levels must be 0 or more, got {min(levels)}")
    variants = [Variant(str(t), s, t) for t in levels]
    plan = _plan(s, replications, precision, max_replications)
    return _start("sweep", "troops", [src], [0] * len(levels), variants, plan, seed, workers, scheduler, out,
                  progress, command_line)  # fmt: skip


def compare(
    scenario_a: ScenarioLike,
    scenario_b: ScenarioLike,
    *,
    replications: int | None = None,
    precision: float | None = None,
    max_replications: int = 1000,
    seed: int | None = None,
    troops: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    command_line: str | None = None,
) -> Outcome:
    """Two variants on common random numbers (both use `seed`, default scenario A's): B − A per metric."""
    srcs = [_source(scenario_a), _source(scenario_b)]
    a, b = srcs[0].scenario, srcs[1].scenario
    if troops is not None:
        _need_swept(a, "--troops")
        _need_swept(b, "--troops")
    labels = _variant_labels(srcs)
    variants = [Variant(labels[0], a, troops), Variant(labels[1], b, troops)]
    plan = _plan(a, replications, precision, max_replications)
    return _start("compare", "variant", srcs, [0, 1], variants, plan, seed, workers, scheduler, out, progress,
                  command_line)  # fmt: skip


def resume(
    folder: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    command_line: str | None = None,
) -> Outcome:
    """Finish an interrupted experiment in `folder` (`<out>.incomplete`) with the settings it started with.

    The scenario files must be unchanged (their sha256 is checked); the result is the same as an
    uninterrupted run's, whatever the workers.
    """
    work = Path(folder)
    if not work.name.endswith(INCOMPLETE) and work.with_name(work.name + INCOMPLETE).is_dir():
        work = work.with_name(work.name + INCOMPLETE)
    manifest_path = work / "manifest.json"
    if not work.name.endswith(INCOMPLETE) or not manifest_path.is_file():
        if (work / "manifest.json").is_file():
            raise ResumeError(f"{work} is a finished results folder: nothing to resume")
        raise ResumeError(
            f"{work} is not an incomplete results folder (no {INCOMPLETE} folder with a manifest)"
        )
    try:
        manifest = read_json(manifest_path)
        srcs = []
        for entry in manifest["scenarios"]:
            if entry["path"] is None:
                raise ResumeError(f"{work} was run on a scenario object, not a file: it cannot be resumed")
            src = _source(entry["path"])
            if src.sha256 != entry["sha256"]:
                raise ResumeError(f"{entry['path']} has changed since the run started: cannot resume {work}")
            srcs.append(src)
        if manifest["metrics"] != list(METRICS):
            raise ResumeError(f"the metrics have changed since {work} was started: cannot resume it")
        variants = [
            Variant(v["label"], srcs[v["scenario"]].scenario, v["troops"]) for v in manifest["variants"]
        ]
        plan = Plan(**manifest["plan"])
        seed = int(manifest["seed"])
        key = manifest["key"]
        command = manifest["command"]
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, ResumeError):
            raise
        raise ResumeError(f"{manifest_path} is not a manifest this version can resume ({e})") from None
    manifest["runs"].append(_run_entry(command_line, workers, scheduler))
    return _execute(work, manifest, command, key, variants, plan, seed, workers, scheduler, progress)


# -- machinery -------------------------------------------------------------------------------------


def _plan(s: Scenario, replications: int | None, precision: float | None, max_replications: int) -> Plan:
    if replications is None and precision is None:
        replications = s.replications
    try:
        return Plan(replications=replications, precision=precision, max_replications=max_replications)
    except ValueError as e:
        raise BadExperiment(str(e)) from None


def _variant_labels(srcs: list[_Source]) -> list[str]:
    names = [s.scenario.name for s in srcs]
    if names[0] != names[1]:
        return names
    stems = [Path(s.path).stem if s.path else "" for s in srcs]
    if stems[0] != stems[1] and all(stems):
        return stems
    return ["A", "B"]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _run_entry(command_line: str | None, workers: int | None, scheduler: Any) -> dict[str, Any]:
    return {
        "command_line": command_line,
        "workers": workers or default_workers(),
        "scheduler": None if scheduler is None else str(getattr(scheduler, "scheduler", scheduler)),
        "started": _now(),
        "ended": None,
        "status": "running",
    }


def _start(
    command: str, key: str, srcs: list[_Source], scenario_of: list[int], variants: list[Variant], plan: Plan,
    seed: int | None, workers: int | None, scheduler: Any, out: str | os.PathLike[str] | None,
    progress: Progress | None, command_line: str | None,
) -> Outcome:  # fmt: skip
    if workers is not None and workers < 1:
        raise BadExperiment(f"workers must be 1 or more, got {workers}")
    seed = srcs[0].scenario.seed if seed is None else seed
    final = (
        Path(out) if out is not None else unused_out(default_out("results", srcs[0].scenario.name, command))
    )
    work = start_incomplete(final)
    troop_levels = [v.troops for v in variants] if command == "sweep" else None
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": _version(),
        "environment": _environment(),
        "status": "incomplete",
        "command": command,
        "command_line": command_line,
        "output": str(final),
        "scenarios": [
            {
                "path": s.path,
                "sha256": s.sha256,
                "name": s.scenario.name,
                "resolved": s.scenario.model_dump(mode="json", by_alias=True),
                "summary": describe_scenario(s.scenario),
            }
            for s in srcs
        ],
        "seed": seed,
        "key": key,
        "variants": [
            {"label": v.label, "scenario": scenario_of[i], "troops": v.troops} for i, v in enumerate(variants)
        ],
        "troop_levels": troop_levels,
        "plan": {
            "replications": plan.replications,
            "precision": plan.precision,
            "max_replications": plan.max_replications,
        },
        "metrics": list(METRICS),
        "replications": 0,
        "workers": None,
        "started": _now(),
        "ended": None,
        "runs": [_run_entry(command_line, workers, scheduler)],
    }
    write_json(work / "manifest.json", manifest)
    return _execute(work, manifest, command, key, variants, plan, seed, workers, scheduler, progress)


def _version() -> str:
    from sim import __version__

    return __version__


def _environment() -> dict[str, str]:
    """Python, the platform and the versions of the libraries the model's numbers depend on."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("simpy", "numpy", "scipy", "pandas", "pydantic"):
        try:
            env[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - depends on the installation
            env[name] = "unknown"
    return env


def _execute(
    work: Path, manifest: dict[str, Any], command: str, key: str, variants: list[Variant], plan: Plan,
    seed: int, workers: int | None, scheduler: Any, progress: Progress | None,
) -> Outcome:  # fmt: skip
    store = PartStore(work)
    state = WorkerState(tuple(variants), seed)
    workers = workers or default_workers()
    run_entry = manifest["runs"][-1]
    target = plan.first_round()
    done = _done_reps(store, len(variants))
    precision_met: bool | None = None
    widest: dict[str, Any] | None = None
    executor = None
    try:
        while True:
            todo = {v: [r for r in range(target) if r not in done[v]] for v in range(len(variants))}
            planned = target * len(variants)
            count = sum(1 for v in done for r in done[v] if r < target)
            if progress:
                progress(count, planned)
            if executor is None and any(todo.values()):
                executor = make_executor(state, workers, scheduler)
                run_entry["workers"] = executor.workers
            jobs = batches(todo, executor.workers) if executor is not None else []
            for result in executor.results(jobs) if executor is not None else ():
                b = result.batch
                store.write(b.variant, b.start, b.stop, result.rows_csv, result.gaps_csv, result.dist_csv)
                done[b.variant].update(range(b.start, b.stop))
                count += b.size
                if progress:
                    progress(count, planned)
            if plan.precision is None:
                break
            ratio, widest = _widest_ratio(store, variants, plan.precision, target)
            precision_met = ratio <= 1
            if precision_met or target >= plan.max_replications:
                break
            target = next_round(target, ratio, plan.max_replications)
    except BaseException as e:
        if executor is not None:
            executor.close()
        run_entry["ended"] = _now()
        interrupted = isinstance(e, KeyboardInterrupt)
        run_entry["status"] = "interrupted" if interrupted else f"failed: {type(e).__name__}: {e}"
        write_json(work / "manifest.json", manifest)
        if interrupted:
            total = sum(len(d) for d in done.values())
            raise Interrupted(work, total, target * len(variants)) from None
        raise
    if executor is not None:
        executor.close()
    return _finish(work, manifest, command, key, variants, plan, target, store, precision_met, widest)


def _done_reps(store: PartStore, n_variants: int) -> dict[int, set[int]]:
    done: dict[int, set[int]] = {v: set() for v in range(n_variants)}
    for v, start, stop in store.done():
        done[v].update(range(start, stop))
    return done


def _allowance(target_field: str, limit: float, precision: float) -> float:
    """The half-width allowed for a target metric: H itself for shares and probabilities, H times the
    target for targets in minutes (H = 0.02 allows ±0.3 min on a 15 min target)."""
    if target_field.endswith("_min") and not target_field.startswith("post_coverage") and limit > 0:
        return precision * limit
    return precision


def _widest_ratio(
    store: PartStore, variants: list[Variant], precision: float, target: int
) -> tuple[float, dict[str, Any] | None]:
    """Largest (CI half-width ÷ allowance) over every target metric and variant, and where it is.

    Uses replications below `target` only, so that a resumed run takes the same decisions.
    """
    metrics = list(METRICS)
    widest, where = 0.0, None
    for v, variant in enumerate(variants):
        targets = variant.scenario.targets
        rows = [r for r in store.rows(v) if int(r[1]) < target]
        for field, (metric, _bound) in TARGETS.items():
            limit = getattr(targets, field, None)
            if limit is None or metric not in metrics:
                continue
            i = 2 + metrics.index(metric)
            values = np.array([float(r[i]) if r[i] else np.nan for r in rows], dtype=float)
            iv = interval_of(metric, values)
            if iv.n == 0:
                continue
            allowance = _allowance(field, limit, precision)
            ratio = math.inf if math.isnan(iv.half_width) else iv.half_width / allowance
            if where is None or ratio > widest:
                widest = ratio
                where = {"metric": metric, "level": variant.label, "half_width": iv.half_width,
                         "allowance": allowance}  # fmt: skip
    return widest, where


def _finish(
    work: Path, manifest: dict[str, Any], command: str, key: str, variants: list[Variant], plan: Plan,
    replications: int, store: PartStore, precision_met: bool | None, widest: dict[str, Any] | None,
) -> Outcome:  # fmt: skip
    store.concatenate("rows", [key, "replication", *METRICS], work / "replications.csv")
    store.concatenate("gaps", [key, "replication", *GAP_COLUMNS], work / "gaps.csv")
    _write_distributions(work / "distributions.csv", key, variants, store)
    targets_of = {v.label: v.scenario.targets for v in variants}
    answer = analyse(work / "replications.csv", targets_of, "none" if command == "run" else "adjacent")
    write_answer(work, key, answer)
    meeting = answer.smallest_meeting
    manifest["status"] = "complete"
    manifest["replications"] = replications
    manifest["workers"] = manifest["runs"][-1]["workers"]
    manifest["ended"] = _now()
    manifest["runs"][-1]["ended"] = manifest["ended"]
    manifest["runs"][-1]["status"] = "complete"
    manifest["answer"] = {
        "replications_per_variant": replications,
        "precision_met": precision_met,
        "precision_widest": widest,
        "meets_targets": {label: answer.meets(label) for label in answer.labels},
        "smallest_meeting_level": (int(meeting) if meeting is not None and command == "sweep" else meeting),
    }
    # Figures and report before the parts go: if drawing fails, the folder stays incomplete and
    # `resume` finishes it without running a replication again.
    from sim.report_html import render_folder

    render_folder(work, manifest)
    store.remove()
    write_json(work / "manifest.json", manifest)
    final = finish_incomplete(work)
    return Outcome(final, command, key, answer, plan, precision_met, manifest)


def _write_distributions(path: Path, key: str, variants: list[Variant], store: PartStore) -> None:
    """`distributions.csv`: each variant's histograms of escort waits and response times, summed over
    its batches (sim.experiment.distributions)."""
    rows: list[list[object]] = []
    for v, variant in enumerate(variants):
        h = Histograms.from_rows(row[1:] for row in store.rows(v, kind="dist"))
        rows.extend(h.rows(variant.label))
    write_table(path, [key, *DIST_COLUMNS], rows)
