"""Running an experiment's replications: batches out to an executor, each finished batch handed at once
to a store (so rows are streamed, never held), rounds added until the targets' intervals are precise
enough when a precision is asked for.

The store is whatever keeps the batches (the results layer's `PartStore` keeps them on disk, so that an
interrupted run can be resumed); this module only needs the `BatchStore` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from sim.experiment.design import BadExperiment, metric_columns_of
from sim.experiment.executors import BatchResult, Variant, Workers, WorkerState
from sim.experiment.options import Progress
from sim.experiment.plan import MAX_REPLICATIONS, Plan, batches, next_round, over_cap
from sim.experiment.tables import interval_of
from sim.metrics import TargetSpec, target_specs

__all__ = ["MAX_REPLICATIONS", "BatchStore", "Executed", "Interrupted", "check_plan", "execute"]


def check_plan(plan: Plan) -> None:
    """Raise `BadExperiment` if `plan` asks for more replications per variant than `MAX_REPLICATIONS`."""
    reason = over_cap(plan)
    if reason:
        raise BadExperiment(reason)


class BatchStore(Protocol):
    """Keeps finished batches: their metrics rows (`kind="rows"`: label, replication, *METRICS), gap
    rows and histogram rows, and says which (variant, start, stop) batches it has."""

    def write(self, result: BatchResult) -> None: ...

    def done(self) -> list[tuple[int, int, int]]: ...

    def rows(self, variant: int | None = None, kind: str = "rows") -> Iterator[list[str]]: ...


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an experiment: the finished batches are kept in `folder` (set by the layer that
    owns the folder), marked incomplete."""

    def __init__(self, done: int, planned: int, folder: Any = None) -> None:
        where = f"; kept in {folder}" if folder is not None else ""
        super().__init__(f"interrupted with {done} of {planned} replications done{where}")
        self.folder, self.done, self.planned = folder, done, planned


@dataclass(frozen=True)
class Executed:
    """How a finished experiment ended: replications per variant, and with a precision, whether it was
    met and which target metric was widest against its allowance."""

    replications: int
    precision_met: bool | None
    widest: dict[str, Any] | None


def execute(
    variants: Sequence[Variant],
    plan: Plan,
    seed: int,
    store: BatchStore,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
    pool: Workers | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Executed:
    """Run every replication the plan asks for that `store` does not have yet.

    The batches run on `pool` when one is given (kept open for the caller's next experiments), else on
    `workers` processes or a Dask `scheduler` started for this experiment alone. `on_start(workers)` is
    called when the executor is up. `meanwhile()`, if given, is called once while other workers run the
    first batches (never with a single worker in this process): work this process would otherwise do
    after the last batch, such as importing what writes the tables. Ctrl-C raises `Interrupted` with
    the counts; the batches already in `store` are kept either way.
    """
    check_plan(plan)
    columns = metric_columns_of(v.scenario for v in variants)
    state = WorkerState(tuple(variants), seed, columns)
    owned = pool is None
    workers_pool = Workers(workers, scheduler) if pool is None else pool
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
                executor = workers_pool.executor(state)
                if on_start:
                    on_start(executor.workers)
            if executor is not None:
                stream = executor.results(batches(todo, executor.workers))
                if meanwhile is not None and executor.workers > 1:
                    meanwhile()
                    meanwhile = None
                for result in stream:
                    store.write(result)
                    b = result.batch
                    done[b.variant].update(range(b.start, b.stop))
                    count += b.size
                    if progress:
                        progress(count, planned)
            if plan.precision is None:
                break
            ratio, widest = _widest_ratio(store, variants, columns, plan.precision, target)
            precision_met = ratio <= 1
            if precision_met or target >= plan.max_replications:
                break
            target = next_round(target, ratio, plan.max_replications)
    except KeyboardInterrupt:
        raise Interrupted(sum(len(d) for d in done.values()), target * len(variants)) from None
    finally:
        if owned:
            workers_pool.close()
    return Executed(target, precision_met, widest)


def _done_reps(store: BatchStore, n_variants: int) -> dict[int, set[int]]:
    done: dict[int, set[int]] = {v: set() for v in range(n_variants)}
    for v, start, stop in store.done():
        done[v].update(range(start, stop))
    return done


def _allowance(spec: TargetSpec, precision: float) -> float:
    """The half-width allowed for a target's column: H itself for shares and probabilities, H times the
    limit for targets in minutes or hours (H = 0.02 allows ±0.3 min on a 15 min target)."""
    if spec.column.split("[", 1)[0].endswith(("_min", "_h", "_hours")) and spec.limit > 0:
        return precision * spec.limit
    return precision


def _widest_ratio(
    store: BatchStore, variants: Sequence[Variant], columns: Sequence[str], precision: float, target: int
) -> tuple[float, dict[str, Any] | None]:
    """Largest (CI half-width ÷ allowance) over every target column and variant, and where it is.

    Uses replications below `target` only, so that a resumed run takes the same decisions.
    """
    column = {name: i for i, name in enumerate(["label", "replication", *columns])}
    widest, where = 0.0, None
    for v, variant in enumerate(variants):
        rows = [r for r in store.rows(v) if int(r[column["replication"]]) < target]
        for spec in target_specs(variant.scenario):
            cells = [r[column[spec.column]] for r in rows]
            values = np.array([float(c) if c else np.nan for c in cells], dtype=float)
            iv = interval_of(spec.column, values)
            if iv.n == 0:
                continue
            allowance = _allowance(spec, precision)
            ratio = math.inf if math.isnan(iv.half_width) else iv.half_width / allowance
            if where is None or ratio > widest:
                widest = ratio
                where = {"metric": spec.column, "level": variant.label, "half_width": iv.half_width,
                         "allowance": allowance}  # fmt: skip
    return widest, where
