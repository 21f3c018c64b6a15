"""One pool of workers for a whole decision (issue 14): a pool kept across experiments runs each new
state exactly as a fresh pool would, `size` starts its workers once for every level it judges and
answers as on one worker, a decision keeps only the rows of its batches, and the work an experiment
hands its own process while the workers run is done once, before the first batch is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import sim.experiment.executors as executors
from sim.experiment.design import metric_columns_of
from sim.experiment.execute import execute
from sim.experiment.executors import BatchResult, Variant, Workers, WorkerState, run_batch
from sim.experiment.plan import Batch, Plan
from sim.results.sizing import run_size
from tests.experiments.test_size import GATES, write_gates
from tests.helpers.tiny import tiny


def _state(seed: int, troops: int) -> WorkerState:
    s = tiny(GATES)
    return WorkerState((Variant(str(troops), s, troops),), seed, metric_columns_of([s]))


BATCHES = [Batch(0, 0, 2), Batch(0, 2, 3), Batch(0, 3, 5), Batch(0, 5, 6)]


def _by_batch(results: Iterator[BatchResult]) -> dict[Batch, BatchResult]:
    return {r.batch: r for r in results}


def test_a_kept_pool_runs_each_new_state_as_a_fresh_one_would() -> None:
    first, second = _state(seed=3, troops=20), _state(seed=8, troops=26)
    expected = {
        id(st): {b: run_batch(st, b) for b in BATCHES} for st in (first, second)
    }  # in this process, one state at a time
    with Workers(2) as pool:
        executor = pool.executor(first)
        assert isinstance(executor, executors.LocalExecutor)
        got = []
        for st in (first, second, first):  # back to the first: sent again, run again the same
            assert pool.executor(st) is executor  # the same workers throughout
            got.append((st, _by_batch(executor.results(BATCHES))))
    for st, results in got:
        assert results == expected[id(st)]
    assert expected[id(first)] != expected[id(second)]  # the two states do differ


def test_size_starts_its_workers_once_and_answers_as_on_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_gates(tmp_path)
    one = run_size(path, resolution=2, replications=6, workers=1, out=tmp_path / "one")
    made: list[int] = []
    real = executors.make_executor

    def counted(state: WorkerState, workers: int, scheduler: object = None) -> executors.Executor:
        made.append(workers)
        return real(state, workers, scheduler)

    monkeypatch.setattr(executors, "make_executor", counted)
    two = run_size(path, resolution=2, replications=6, workers=2, out=tmp_path / "two")
    assert made == [2]
    assert two.result.levels_judged >= 3  # several levels, one pool
    assert two.result.answer == one.result.answer
    for name in ("search.csv", "replications.csv", "answer.json"):
        assert (two.folder / name).read_text() == (one.folder / name).read_text(), name


def test_a_decision_keeps_only_the_metrics_rows_of_its_batches(tmp_path: Path) -> None:
    path = write_gates(tmp_path)

    def stop(step: object) -> None:
        if getattr(step, "step", 0) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_size(path, resolution=2, replications=6, workers=1, out=tmp_path / "cut", progress=stop)
    parts = sorted(p.name for p in (tmp_path / "cut.incomplete" / "levels").glob("*/parts/*"))
    assert parts, "the levels judged kept their batches"
    assert all(name.endswith(".rows.csv") for name in parts), parts


class _Memory:
    """A `BatchStore` in memory."""

    def __init__(self) -> None:
        self.results: list[BatchResult] = []

    def write(self, result: BatchResult) -> None:
        self.results.append(result)

    def done(self) -> list[tuple[int, int, int]]:
        return [(r.batch.variant, r.batch.start, r.batch.stop) for r in self.results]

    def rows(self, variant: int | None = None, kind: str = "rows") -> Iterator[list[str]]:
        return iter([])


@pytest.mark.parametrize("workers", [1, 2])
def test_the_work_handed_to_this_process_meanwhile_is_done_once_before_any_batch_is_back(
    workers: int,
) -> None:
    st = _state(seed=3, troops=20)
    store = _Memory()
    seen: list[int] = []
    execute(
        list(st.variants), Plan(8), st.seed, store, workers, meanwhile=lambda: seen.append(len(store.results))
    )
    assert sorted(r for res in store.results for r in range(res.batch.start, res.batch.stop)) == list(
        range(8)
    )
    # with other processes running the batches it is done while they run; a lone worker in this
    # process would only have done it later, so it is not asked to
    assert seen == ([0] if workers > 1 else [])
