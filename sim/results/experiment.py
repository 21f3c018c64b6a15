"""An experiment into its results folder: started, resumed after an interruption, finished.

The folder is built as `<final>.incomplete`: each finished batch lands in its `parts/` at once
(sim.results.parts), so rows are streamed to disk, never held. At the end the parts are joined in
(variant, replication) order, so the files are byte-identical whatever the number of workers; the
caller's `render` hook draws the figures and report from them, and only then is the folder renamed to its
final name. Ctrl-C keeps the finished batches and marks the folder incomplete; `resume(folder)` runs what
is missing and ends exactly as an uninterrupted run would.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.design import BadExperiment, Design, load_source, metric_columns_of
from sim.experiment.execute import Executed, Interrupted, execute
from sim.experiment.executors import Variant, default_workers
from sim.experiment.options import Progress, RunOptions
from sim.experiment.plan import Plan
from sim.experiment.rows import GAP_COLUMNS
from sim.experiment.tables import Answer, analyse
from sim.metrics import target_specs
from sim.results.demands import write_demand_tables
from sim.results.files import INCOMPLETE, default_out, read_json, unused_out
from sim.results.manifest import Manifest
from sim.results.parts import PartStore, finish_incomplete, start_incomplete
from sim.results.tables import read_variants, write_answer, write_distributions

__all__ = ["Outcome", "Render", "ResumeError", "resume", "start"]

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
    design: Design, options: RunOptions, progress: Progress | None = None, render: Render | None = None
) -> Outcome:
    """Run a new experiment into `options.out` (default `results/<scenario>/<command>-<timestamp>`)."""
    if options.workers is not None and options.workers < 1:
        raise BadExperiment(f"workers must be 1 or more, got {options.workers}")
    name = design.sources[0].scenario.name
    final = (
        Path(options.out)
        if options.out is not None
        else unused_out(default_out("results", name, design.command))
    )
    work = start_incomplete(final)
    manifest = Manifest.new(design, options, final, options.workers or default_workers())
    manifest.save(work)
    return _run(work, manifest, list(design.variants), design.plan, options, progress, render)


def resume(
    folder: str | os.PathLike[str],
    options: RunOptions,
    progress: Progress | None = None,
    render: Render | None = None,
) -> Outcome:
    """Finish an interrupted experiment in `folder` (`<out>.incomplete`) with the settings it started with;
    only `options.workers`, `scheduler` and `command_line` are taken from `options`.

    The scenario files must be unchanged (their sha256 is checked); the result is the same as an
    uninterrupted run's, whatever the workers.
    """
    work = _incomplete_folder(Path(folder))
    manifest_path = work / "manifest.json"
    try:
        manifest = Manifest.from_json(read_json(manifest_path))
        variants = _variants_of(manifest)
        plan = manifest.plan_record
        int(manifest.seed)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, ResumeError):
            raise
        raise ResumeError(f"{manifest_path} is not a manifest this version can resume ({e})") from None
    if manifest.metrics != list(metric_columns_of(v.scenario for v in variants)):
        raise ResumeError(f"the metrics have changed since {work} was started: cannot resume it")
    manifest.begin_run(options.command_line, options.workers or default_workers(), options.scheduler)
    return _run(work, manifest, variants, plan, options, progress, render)


def _incomplete_folder(work: Path) -> Path:
    if not work.name.endswith(INCOMPLETE) and work.with_name(work.name + INCOMPLETE).is_dir():
        work = work.with_name(work.name + INCOMPLETE)
    if not work.name.endswith(INCOMPLETE) or not (work / "manifest.json").is_file():
        if (work / "manifest.json").is_file():
            raise ResumeError(f"{work} is a finished results folder: nothing to resume")
        raise ResumeError(
            f"{work} is not an incomplete results folder (no {INCOMPLETE} folder with a manifest)"
        )
    return work


def _variants_of(manifest: Manifest) -> list[Variant]:
    """The variants of a manifest, each scenario loaded again and checked against its recorded sha256."""
    sources = []
    for entry in manifest.scenarios:
        if entry.path is None:
            raise ResumeError(
                f"{manifest.output} was run on a scenario object, not a file: it cannot be resumed"
            )
        src = load_source(entry.path)
        if src.sha256 != entry.sha256:
            raise ResumeError(
                f"{entry.path} has changed since the run started: cannot resume {manifest.output}"
            )
        sources.append(src)
    return [Variant(v.label, sources[v.scenario].scenario, v.troops) for v in manifest.variants]


def _run(
    work: Path, manifest: Manifest, variants: list[Variant], plan: Plan, options: RunOptions,
    progress: Progress | None, render: Render | None,
) -> Outcome:  # fmt: skip
    store = PartStore(work)
    try:
        executed = execute(variants, plan, manifest.seed, store, options.workers, options.scheduler, progress,
                           on_start=manifest.set_workers)  # fmt: skip
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        manifest.end_run("interrupted" if interrupted else f"failed: {type(e).__name__}: {e}")
        manifest.save(work)
        if isinstance(e, Interrupted):
            raise Interrupted(e.done, e.planned, work) from None
        raise
    return _finish(work, manifest, variants, plan, store, executed, render)


def _replications_short(answer: Answer) -> dict[str, int]:
    """The levels that miss targets only because the replications cannot show them (every missed
    target undecided), with about how many replications would show every one of them."""
    out = {}
    for label in answer.labels:
        missed = [c for c in answer.checks[label] if not c.met]
        if missed and all(c.status == "undecided" for c in missed):
            out[label] = max(c.replications_needed or 0 for c in missed)
    return out


def _finish(
    work: Path, manifest: Manifest, variants: list[Variant], plan: Plan, store: PartStore, executed: Executed,
    render: Render | None,
) -> Outcome:  # fmt: skip
    key, command = manifest.key, manifest.command
    store.concatenate("rows", [key, "replication", *manifest.metrics], work / "replications.csv")
    store.concatenate("gaps", [key, "replication", *GAP_COLUMNS], work / "gaps.csv")
    write_distributions(work / "distributions.csv", key, variants, store)
    targets_of = {v.label: target_specs(v.scenario) for v in variants}
    answer = analyse(
        read_variants(work / "replications.csv"), targets_of, "none" if command == "run" else "adjacent"
    )
    write_answer(work, key, answer, targets_of)
    write_demand_tables(work, key, answer, variants, read_variants(work / "replications.csv"))
    meeting = answer.smallest_meeting
    manifest.complete(executed.replications, {
        "replications_per_variant": executed.replications,
        "precision_met": executed.precision_met,
        "precision_widest": executed.widest,
        "meets_targets": {label: answer.meets(label) for label in answer.labels},
        "smallest_meeting_level": (int(meeting) if meeting is not None and command == "sweep" else meeting),
        "replications_short": _replications_short(answer),
    })  # fmt: skip
    # Figures and report before the parts go: if drawing fails, the folder stays incomplete and
    # `resume` finishes it without running a replication again.
    if render is not None:
        render(work, manifest.to_json())
    store.remove()
    manifest.save(work)
    final = finish_incomplete(work)
    return Outcome(final, command, key, answer, plan, executed.precision_met, manifest)
