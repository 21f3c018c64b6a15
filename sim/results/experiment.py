"""An experiment into its results folder: started, resumed after an interruption, finished.

The folder is built as `<final>.incomplete`: each finished batch lands in its `parts/` at once
(sim.results.parts), so rows are streamed to disk, never held. At the end the parts are joined in
(variant, replication) order, so the files are byte-identical whatever the number of workers; the
caller's `render` hook draws the figures and report from them, and only then is the folder renamed to its
final name. Ctrl-C keeps the finished batches and marks the folder incomplete; `resume(folder)` runs what
is missing and ends exactly as an uninterrupted run would.

One process at a time writes the folder (sim.results.lock: a second `resume` while it runs is refused),
`resume` checks the manifest and the parts it finds before using them (an edited folder is a
`ResumeError`, never a crash further on), and the last step checks that `replications.csv` holds every
(level, replication) exactly once before the folder is renamed (else `IncompleteResults`, and the folder
stays incomplete).
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.design import BadExperiment, Design, load_source, metric_columns_of
from sim.experiment.execute import Executed, Interrupted, check_plan, execute
from sim.experiment.executors import Variant, check_scheduler, default_workers
from sim.experiment.options import Progress, RunOptions
from sim.experiment.plan import MAX_TROOPS, Plan
from sim.experiment.rows import GAP_COLUMNS
from sim.experiment.tables import Answer, analyse
from sim.experiment.vary import apply_levels
from sim.metrics import target_specs
from sim.results.demands import write_demand_tables
from sim.results.files import INCOMPLETE, IncompleteResults, default_out, kept_folder, read_json, unused_out
from sim.results.lock import FolderLock, FolderLocked, acquire
from sim.results.manifest import Manifest, VariantEntry
from sim.results.parts import BadParts, PartStore, finish_incomplete, start_incomplete
from sim.results.tables import read_variants, write_answer, write_distributions

__all__ = ["IncompleteResults", "Outcome", "Render", "ResumeError", "kept_folder", "resume", "start"]

Render = Callable[[Path, dict[str, Any]], object]  # draws figures and report.html into a finished folder


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
    manifest: Manifest

    @property
    def precision_widest(self) -> dict[str, Any] | None:
        """With --precision: the target metric and level whose interval was widest against its allowance."""
        return None if self.manifest.answer is None else self.manifest.answer.get("precision_widest")


def start(
    design: Design,
    options: RunOptions,
    progress: Progress | None = None,
    render: Render | None = None,
    prepare: Callable[[], None] | None = None,
) -> Outcome:
    """Run a new experiment into `options.out` (default `results/<scenario>/<command>-<timestamp>`).

    `prepare()`, if given, readies `render` (imports) while the workers run the first batches, so that
    the tail after the last batch is shorter (not called with a single worker in this process)."""
    if options.workers is not None and options.workers < 1:
        raise BadExperiment(f"workers must be 1 or more, got {options.workers}")
    check_plan(design.plan)
    _check_troops(design.variants)
    check_scheduler(options.scheduler)
    name = design.sources[0].scenario.name
    final = (
        Path(options.out)
        if options.out is not None
        else unused_out(default_out("results", name, design.command))
    )
    work = start_incomplete(final)
    try:
        lock = acquire(work, options.command_line)
    except FolderLocked as e:  # a `--resume` of the folder this run has just made
        raise FileExistsError(str(e)) from None
    try:
        manifest = Manifest.new(design, options, final, options.workers or default_workers())
        manifest.save(work)
    except BaseException:
        lock.release()
        raise
    return _run(work, manifest, list(design.variants), design.plan, options, progress, render, lock,
                prepare=prepare)  # fmt: skip


def resume(
    folder: str | os.PathLike[str],
    options: RunOptions,
    progress: Progress | None = None,
    render: Render | None = None,
    prepare: Callable[[], None] | None = None,
) -> Outcome:
    """Finish an interrupted experiment in `folder` (`<out>.incomplete`) with the settings it started with;
    only `options.workers`, `scheduler` and `command_line` are taken from `options` (`prepare` as for
    `start`).

    The scenario files must be unchanged (their sha256 is checked); the result is the same as an
    uninterrupted run's, whatever the workers. The folder is locked while this runs: a second process
    resuming it is refused (`ResumeError` naming this one's pid), and a lock left by a process that was
    killed is taken over. A folder whose manifest or parts were edited is refused with a `ResumeError`
    saying what is wrong.
    """
    check_scheduler(options.scheduler)
    work = _incomplete_folder(Path(folder))
    try:
        lock = acquire(work, options.command_line)
    except FolderLocked as e:
        raise ResumeError(str(e)) from None
    except FileNotFoundError:  # the run that had it finished (or removed it) a moment ago
        _incomplete_folder(work)
        raise
    try:
        manifest, variants, plan, store = _resumable(work)
        manifest.begin_run(options.command_line, options.workers or default_workers(), options.scheduler)
    except BaseException:
        lock.release()
        raise
    return _run(work, manifest, variants, plan, options, progress, render, lock, store, prepare)


def _incomplete_folder(work: Path) -> Path:
    if not work.name.endswith(INCOMPLETE) and work.with_name(work.name + INCOMPLETE).is_dir():
        work = work.with_name(work.name + INCOMPLETE)
    if not work.name.endswith(INCOMPLETE) or not (work / "manifest.json").is_file():
        if (work / "manifest.json").is_file():
            raise ResumeError(f"{work} is a finished results folder: nothing to resume")
        final = work.with_name(work.name[: -len(INCOMPLETE)]) if work.name.endswith(INCOMPLETE) else None
        if final is not None and (final / "manifest.json").is_file():
            raise ResumeError(f"{work} has been finished (it is now {final}): nothing to resume")
        raise ResumeError(
            f"{work} is not an incomplete results folder (no {INCOMPLETE} folder with a manifest)"
        )
    return work


def _resumable(work: Path) -> tuple[Manifest, list[Variant], Plan, PartStore]:
    """The manifest, variants, plan and parts of a locked incomplete folder, each checked: anything this
    version would not have written (edited, truncated, a file added) is a `ResumeError` saying what."""
    manifest_path = work / "manifest.json"
    try:
        manifest = Manifest.from_json(read_json(manifest_path))
        _check_manifest(manifest)
        plan = manifest.plan_record
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ResumeError(f"{manifest_path} is not a manifest this version can resume ({e})") from None
    try:
        check_plan(plan)
        _check_troops(manifest.variants)
    except BadExperiment as e:
        raise ResumeError(f"{manifest_path}: {e}") from None
    variants = _variants_of(manifest)
    if manifest.metrics != list(metric_columns_of(v.scenario for v in variants)):
        raise ResumeError(f"the metrics have changed since {work} was started: cannot resume it")
    store = PartStore(work)
    try:
        store.check(
            [v.label for v in variants], len(manifest.metrics), plan.replications or plan.max_replications
        )
    except BadParts as e:
        raise ResumeError(f"cannot resume {work}: {e}") from None
    return manifest, variants, plan, store


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_manifest(m: Manifest) -> None:
    """Raise ValueError naming the first field of `m` that this version would not have written."""
    problems = [
        (m.status != "incomplete", f"status is {m.status!r}, not 'incomplete'"),
        (m.command not in ("run", "sweep", "compare"), f"command {m.command!r} is not run, sweep or compare"),
        (not isinstance(m.key, str) or not m.key, f"key {m.key!r} is not a column name"),
        (not _whole(m.seed) or m.seed < 0, f"seed must be a whole number, 0 or more, got {m.seed!r}"),
        (not isinstance(m.plan, dict), f"plan {m.plan!r} is not a mapping"),
        (not isinstance(m.metrics, list) or not all(isinstance(c, str) for c in m.metrics), "metrics"),
        (not isinstance(m.scenarios, list) or not m.scenarios, "scenarios: there are none"),
        (not isinstance(m.variants, list) or not m.variants, "variants: there are none"),
        (not isinstance(m.runs, list), "runs is not a list"),
    ]
    for bad, what in problems:
        if bad:
            raise ValueError(what)
    for e in m.scenarios:
        if not (e.path is None or isinstance(e.path, str)) or not isinstance(e.sha256, str):
            raise ValueError(f"scenario entry {e.name!r} has no path and sha256 as written")
    labels = [v.label for v in m.variants]
    for v in m.variants:
        if not isinstance(v.label, str) or not _whole(v.scenario) or not 0 <= v.scenario < len(m.scenarios):
            raise ValueError(f"variant {v.label!r} has no label or scenario as written")
        if not (v.troops is None or _whole(v.troops)):
            raise ValueError(f"variant {v.label!r}: troops {v.troops!r} is not a whole number")
    if len(set(labels)) != len(labels):
        raise ValueError(f"variants: a label is listed twice in {labels}")


def _check_troops(variants: Iterable[Variant | VariantEntry]) -> None:
    for v in variants:
        if v.troops is not None and not 0 <= v.troops <= MAX_TROOPS:
            raise BadExperiment(f"troop levels must be from 0 to {MAX_TROOPS:,}, got {v.troops:,}")


def _variants_of(manifest: Manifest) -> list[Variant]:
    """The variants of a manifest, each scenario loaded again (its overrides and levels applied again)
    and checked against its recorded sha256."""
    sources = []
    for entry in manifest.scenarios:
        if entry.path is None:
            raise ResumeError(
                f"{manifest.output} was run on a scenario object, not a file: it cannot be resumed"
            )
        src = load_source(entry.path, entry.overrides)
        if src.sha256 != entry.sha256:
            raise ResumeError(
                f"{entry.path} has changed since the run started: cannot resume {manifest.output}"
            )
        sources.append(src)
    return [
        Variant(v.label, apply_levels(sources[v.scenario].scenario, v.values), v.troops)
        for v in manifest.variants
    ]


def _any_part(work: Path) -> bool:
    try:
        return any((work / "parts").glob("*.rows.csv"))
    except OSError:
        return True


def _run(
    work: Path, manifest: Manifest, variants: list[Variant], plan: Plan, options: RunOptions,
    progress: Progress | None, render: Render | None, lock: FolderLock, store: PartStore | None = None,
    prepare: Callable[[], None] | None = None,
) -> Outcome:  # fmt: skip
    """Run what is missing and finish the folder, holding `lock` until the end; however it stops, the
    folder is left incomplete with what was done, its manifest saying why."""
    finishing = False
    try:
        store = store or PartStore(work)
        executed = execute(variants, plan, manifest.seed, store, options.workers, options.scheduler, progress,
                           on_start=manifest.set_workers, meanwhile=prepare)  # fmt: skip
        finishing = True
        return _finish(work, manifest, variants, plan, store, executed, render, lock)
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        if not (interrupted or finishing) and len(manifest.runs) == 1 and not _any_part(work):
            # A new experiment that failed before finishing anything (an unreachable cluster, a full
            # disk): there is nothing to keep, and the same command can simply be run again.
            lock.release()
            shutil.rmtree(work, ignore_errors=True)
            raise
        manifest.end_run("interrupted" if interrupted else f"failed: {type(e).__name__}: {e}")
        if work.is_dir():
            with contextlib.suppress(OSError):  # a full disk: the manifest on disk says "running" then
                manifest.save(work)
        if isinstance(e, Interrupted):
            raise Interrupted(e.done, e.planned, work) from None
        with contextlib.suppress(AttributeError):
            e._summit_kept_folder = work  # type: ignore[attr-defined]  # read by `kept_folder`
        raise
    finally:
        lock.release()


def _replications_short(answer: Answer) -> dict[str, int]:
    """The levels that miss targets only because the replications cannot show them (every missed
    target undecided), with about how many replications would show every one of them."""
    out = {}
    for label in answer.labels:
        missed = [c for c in answer.checks[label] if not c.met]
        if missed and all(c.status == "undecided" for c in missed):
            out[label] = max(c.replications_needed or 0 for c in missed)
    return out


def _verify_replications(path: Path, labels: list[str], n: int) -> None:
    """Raise `IncompleteResults` unless `path` (replications.csv) holds every (level, replication) exactly
    once, in order: each of `labels` with replications 0 to n - 1."""
    expected = ((label, str(r)) for label in labels for r in range(n))
    problem, rows = None, 0
    with path.open(newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for rows, row in enumerate(reader, start=1):
            want = next(expected, None)
            if problem is None and (want is None or tuple(row[:2]) != want):
                got = f"{row[0]!r} replication {row[1]}" if len(row) > 1 else "a short row"
                wanted = "the end" if want is None else f"{want[0]!r} replication {want[1]}"
                problem = f"line {rows + 1} has {got} where {wanted} was due"
    if problem is None and next(expected, None) is not None:
        problem = "rows are missing at the end"
    if problem is not None:
        raise IncompleteResults(
            f"{path} has {rows:,} rows where {len(labels)} level(s) × {n:,} replications make "
            f"{len(labels) * n:,} ({problem}): the folder is kept incomplete"
        )


def _finish(
    work: Path, manifest: Manifest, variants: list[Variant], plan: Plan, store: PartStore, executed: Executed,
    render: Render | None, lock: FolderLock,
) -> Outcome:  # fmt: skip
    key, command = manifest.key, manifest.command
    store.concatenate("rows", [key, "replication", *manifest.metrics], work / "replications.csv")
    _verify_replications(work / "replications.csv", [v.label for v in variants], executed.replications)
    store.concatenate("gaps", [key, "replication", *GAP_COLUMNS], work / "gaps.csv")
    write_distributions(work / "distributions.csv", key, variants, store)
    targets_of = {v.label: target_specs(v.scenario) for v in variants}
    pairs = {"run": "none", "compare": "first"}.get(
        command, "none" if len(manifest.inputs) > 1 else "adjacent"
    )
    answer = analyse(read_variants(work / "replications.csv"), targets_of, pairs)
    write_answer(work, key, answer, targets_of, tested=command == "compare")
    write_demand_tables(work, key, answer, variants, read_variants(work / "replications.csv"))
    meeting = answer.smallest_meeting if len(manifest.inputs) < 2 else None  # a grid has a frontier instead
    manifest.complete(executed.replications, {
        "replications_per_variant": executed.replications,
        "precision_met": executed.precision_met,
        "precision_widest": executed.widest,
        "meets_targets": {label: answer.meets(label) for label in answer.labels},
        "smallest_meeting_level": (
            int(meeting) if meeting is not None and command == "sweep" and key == "troops" else meeting
        ),
        "replications_short": _replications_short(answer),
    })  # fmt: skip
    # Figures and report before the parts go: if drawing fails, the folder stays incomplete and
    # `resume` finishes it without running a replication again.
    if render is not None:
        render(work, manifest.to_json())
    store.remove()
    manifest.save(work)
    final = finish_incomplete(work)
    lock.moved(final)
    lock.release()
    return Outcome(final, command, key, answer, plan, executed.precision_met, manifest)
