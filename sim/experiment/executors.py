"""Where batches of replications run: in this process, in a local process pool, or on a Dask cluster.

Every executor runs the same pure function, `run_batch(state, batch)`, and hands back its results as
they complete, in whatever order. The `WorkerState` (the scenarios of every variant and the seed) is sent
once per worker: as the process pool's initializer argument, or scattered to every Dask worker. An
executor stays up for as many experiments as its owner runs on it (`use(state)` between them: the levels
of a `size` search, the rounds of a precision run), so that workers start, and import the model, once:
a later state goes to a local worker with its first batch of that state, and is unpickled once per
worker. A replication's random numbers depend on (seed, replication, stream name) only, so the results
are the same whichever executor runs them and however many workers it has.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import os
import pickle
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sim.experiment.plan import Batch

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

    from sim.scenario import Scenario

__all__ = [
    "BadScheduler",
    "BatchResult",
    "ClusterError",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "Variant",
    "WorkerState",
    "Workers",
    "check_scheduler",
    "default_workers",
    "make_executor",
    "run_batch",
]


NAN = float("nan")


class Variant(NamedTuple):
    """One arm of an experiment: a label for the tables, a scenario, and the swept force's headcount."""

    label: str
    scenario: Scenario
    troops: int | None


@dataclass(frozen=True)
class WorkerState:
    """What every worker needs, sent once: the variants, the root seed, and the metric columns of a row
    (the union of every variant's, so that variants of different scenarios share one table)."""

    variants: tuple[Variant, ...]
    seed: int
    columns: tuple[str, ...]


class BatchResult(NamedTuple):
    """A finished batch as CSV text (no header): one metrics row per replication, its gaps, and the
    histograms of its escort waits and response times (sim.experiment.distributions)."""

    batch: Batch
    rows_csv: str
    gaps_csv: str
    dist_csv: str = ""


def run_batch(state: WorkerState, batch: Batch) -> BatchResult:
    """Run a batch of replications and format its rows; pure apart from the CPU it uses."""
    # The model and metrics are imported here, not with this module, which the experiment's design and
    # `validate` read for `Variant` alone (a worker has them loaded after its first batch).
    from sim.experiment.distributions import Histograms
    from sim.experiment.rows import format_float, gap_order, gap_row
    from sim.metrics import Scopes, compute_all
    from sim.model import Clock, run_replication

    variant = state.variants[batch.variant]
    clock = Clock.of(variant.scenario)
    scopes = Scopes.of(variant.scenario)
    rows, gaps = io.StringIO(), io.StringIO()
    row_writer, gap_writer = csv.writer(rows), csv.writer(gaps)
    histograms = Histograms()
    for rep in range(batch.start, batch.stop):
        record = run_replication(variant.scenario, rep, seed=state.seed, troops=variant.troops)
        values = compute_all(record, scopes)
        row_writer.writerow([variant.label, rep, *(format_float(values.get(c, NAN)) for c in state.columns)])
        for g in sorted(record.gaps, key=gap_order):
            gap_writer.writerow([variant.label, rep, *gap_row(g, clock)])
        histograms.add(record)
    return BatchResult(batch, rows.getvalue(), gaps.getvalue(), histograms.to_csv(variant.label))


class Executor(Protocol):
    """Runs batches of its current state and yields their results as they complete.

    `results` hands the first batches to the workers before it returns (a serial executor runs them as
    they are asked for), so that the caller may do other work while they run."""

    workers: int

    def use(self, state: WorkerState) -> None: ...

    def results(self, batches: list[Batch]) -> Iterator[BatchResult]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs batches one after another in this process (`--workers 1`)."""

    def __init__(self, state: WorkerState) -> None:
        self.state = state
        self.workers = 1

    def use(self, state: WorkerState) -> None:
        """Run the next batches on `state`."""
        self.state = state

    def results(self, batches: list[Batch]) -> Iterator[BatchResult]:
        state = self.state
        return (run_batch(state, batch) for batch in batches)

    def close(self) -> None:
        pass


# A worker's states by number: the initializer's is number 0; a later one comes pickled with each batch
# of it and is unpickled by the first of them that this worker runs. The owner runs one state at a time,
# so a worker keeps only its latest few.
_STATES: dict[int, WorkerState] = {}
_KEEP_STATES = 2


def _init_worker(state: WorkerState, owner: int) -> None:
    """Keep the state for this worker's batches; Ctrl-C is the owner's to handle, not the workers'."""
    import signal

    _STATES.clear()
    _STATES[0] = state
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(owner,), daemon=True).start()


def _exit_when_orphaned(owner: int) -> None:
    """End this worker once the process that owns the pool is gone without shutting it down (kill -9).

    Otherwise the worker would wait for work forever (the pool's queues stay open in the other workers),
    and so would the fork server that holds it.
    """
    while True:
        time.sleep(0.5)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # pragma: no cover - the pid was reused by another user's process
            os._exit(1)


def _run_batch_here(number: int, pickled: bytes | None, batch: Batch) -> BatchResult:
    """Run `batch` of state `number` (`pickled` unless it is the initializer's), in a worker."""
    state = _STATES.get(number)
    if state is None:
        assert pickled is not None, "worker not initialised"
        state = pickle.loads(pickled)
        for old in sorted(_STATES)[: max(0, len(_STATES) + 1 - _KEEP_STATES)]:
            del _STATES[old]
        _STATES[number] = state
    return run_batch(state, batch)


# Imported by the owner before the workers are forked (and by the fork server), so that a worker's first
# replication does not pay for them: scipy.special is the model's, imported on first use.
_WORKER_MODULES = [
    "sim.experiment.executors",
    "sim.experiment.distributions",
    "sim.metrics",
    "sim.model.summit",
    "scipy.special",
]


def _context() -> multiprocessing.context.BaseContext:
    """How to start workers: `fork` where it is safe and quiet (Python < 3.12, this process has one
    thread), since the workers then start in milliseconds with everything imported; else `forkserver`
    (workers forked from a clean server that has imported the model once); else `spawn`."""
    import multiprocessing  # with the pool below: not for `validate`, nor a serial run

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12) and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_WORKER_MODULES)
        return ctx
    return multiprocessing.get_context("spawn")


class LocalExecutor:
    """A pool of `workers` local processes, each given the state once by its initializer."""

    def __init__(self, state: WorkerState, workers: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        for module in _WORKER_MODULES:  # imported once here, so that forked workers start with them
            importlib.import_module(module)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(state, os.getpid()),
        )
        self._state, self._number = state, 0
        self._pickled: bytes | None = None  # the state for the workers' batches, unless the initializer's

    def use(self, state: WorkerState) -> None:
        """Run the next batches on `state` (pickled once here, sent with each of its batches)."""
        if state is not self._state:
            self._state, self._number = state, self._number + 1
            self._pickled = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    def results(self, batches: list[Batch]) -> Iterator[BatchResult]:
        # Keep a few batches per worker in flight rather than all of them, so that an interrupt has
        # little to cancel and results never pile up in memory. The first are handed out now.
        queue = iter(batches)
        pending: set[Future[BatchResult]] = set()
        for batch in queue:
            pending.add(self._submit(batch))
            if len(pending) >= 2 * self.workers:
                break
        return self._collect(queue, pending)

    def _submit(self, batch: Batch) -> Future[BatchResult]:
        return self._pool.submit(_run_batch_here, self._number, self._pickled, batch)

    def _collect(self, queue: Iterator[Batch], pending: set[Future[BatchResult]]) -> Iterator[BatchResult]:
        from concurrent.futures import FIRST_COMPLETED, wait

        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: f.result().batch):
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(self._submit(nxt))
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class BadScheduler(ValueError):
    """A `--scheduler` that cannot be a Dask scheduler's address, or Dask not installed (bad input)."""


class ClusterError(RuntimeError):
    """The Dask cluster could not be reached, or was lost mid-run (scheduler gone, no workers left); the
    batches finished before are kept."""


CONNECT_TIMEOUT_S = 10.0  # how long to try reaching the scheduler (and reconnecting to it mid-run)
NO_WORKERS_S = 60.0  # how long the cluster may have no worker (or no scheduler) before the run stops
_POLL_S = 1.0  # how often a run waiting on the cluster checks that it is still there


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def check_scheduler(scheduler: Any) -> None:
    """Raise `BadScheduler` unless `scheduler` is None, a `distributed.Client`, or an address Dask can
    parse (`tcp://HOST:PORT`); nothing is connected to."""
    if scheduler is None or not isinstance(scheduler, str):
        return
    try:
        from distributed.comm.addressing import get_address_host_port, parse_address
    except ImportError:  # pragma: no cover - depends on the installation
        raise BadScheduler("--scheduler needs Dask distributed: pip install 'summit-sim[dask]'") from None
    try:
        if parse_address(scheduler.strip(), strict=False)[0] in ("tcp", "tls", "ws", "wss"):
            get_address_host_port(scheduler.strip())  # other transports (inproc, ucx): Dask will tell
    except (ValueError, TypeError) as e:
        raise BadScheduler(
            f"--scheduler {scheduler!r} is not a Dask scheduler address, such as tcp://10.0.0.5:8786 "
            f"({_one_line(e)})"
        ) from None


def _discard_half_made_client(error: BaseException, client_type: type[Any]) -> None:
    """Close the `Client` a failed constructor left behind, at once: otherwise its finaliser waits for the
    scheduler again at exit and prints a traceback."""
    tb = error.__traceback__
    while tb is not None:
        client = tb.tb_frame.f_locals.get("self")
        if isinstance(client, client_type):
            with contextlib.suppress(Exception):
                client.close(timeout=1)
            with contextlib.suppress(Exception):
                client.status = "closed"
                client._loop_runner.stop()
            return
        tb = tb.tb_next


class DaskExecutor:
    """Batches on a Dask distributed cluster (`--scheduler ADDRESS`); needs `summit-sim[dask]`.

    `scheduler` is the scheduler's address, or a `distributed.Client` already connected (kept open).
    A scheduler that cannot be reached within `CONNECT_TIMEOUT_S`, and a cluster lost mid-run (the
    scheduler gone, or no worker left for `NO_WORKERS_S`), raise `ClusterError`.
    """

    def __init__(self, state: WorkerState, scheduler: Any) -> None:
        check_scheduler(scheduler)
        try:
            import distributed
        except ImportError:  # pragma: no cover - depends on the installation
            raise BadScheduler("--scheduler needs Dask distributed: pip install 'summit-sim[dask]'") from None
        self._distributed = distributed
        self._where = str(getattr(scheduler, "scheduler", scheduler))
        if isinstance(scheduler, distributed.Client):
            self._client, self._own = scheduler, False
        else:
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (ValueError, TypeError) as e:
                _discard_half_made_client(e, distributed.Client)
                raise BadScheduler(f"--scheduler {scheduler!r}: {_one_line(e)}") from None
            except Exception as e:  # unreachable, refused, not a Dask scheduler at that port
                _discard_half_made_client(e, distributed.Client)
                within = f"within {CONNECT_TIMEOUT_S:g} s"
                raise ClusterError(
                    f"cannot reach a Dask scheduler at {scheduler} {within} ({_one_line(e)})"
                ) from None
            self._client, self._own = client, True
        try:
            if not self._client.nthreads():
                self._client.wait_for_workers(1, timeout=NO_WORKERS_S)
            self.workers = max(1, sum(self._client.nthreads().values()))
            self._state = self._client.scatter(state, broadcast=True, hash=False)
            self._given = state
        except Exception as e:
            self.close()
            raise ClusterError(
                f"the Dask cluster at {self._where} has no usable worker ({_one_line(e)})"
            ) from None

    def use(self, state: WorkerState) -> None:
        """Run the next batches on `state`, scattered to every worker in place of the last one."""
        if state is self._given:
            return
        try:
            scattered = self._client.scatter(state, broadcast=True, hash=False)
        except Exception as e:
            lost = f"the Dask cluster at {self._where} was lost mid-run ({_one_line(e)})"
            raise ClusterError(lost) from None
        with contextlib.suppress(Exception):
            self._client.cancel(self._state)
        self._given, self._state = state, scattered

    def results(self, batches: list[Batch]) -> Iterator[BatchResult]:
        futures = [self._client.submit(run_batch, self._state, batch, pure=False) for batch in batches]
        return self._collect(set(futures))

    def _collect(self, pending: set[Any]) -> Iterator[BatchResult]:
        lost_since: float | None = None
        try:
            while pending:
                try:
                    with self._lost(), self._client.as_current():  # `wait` uses the current client
                        done, pending = self._distributed.wait(
                            pending, timeout=_POLL_S, return_when="FIRST_COMPLETED"
                        )
                except TimeoutError:
                    lost_since = self._check_alive(lost_since)
                    continue
                lost_since = None
                for future in sorted(done, key=lambda f: f.key):
                    with self._lost():
                        result: BatchResult = future.result()
                    yield result
        finally:
            with contextlib.suppress(Exception):
                self._client.cancel(list(pending))

    @contextlib.contextmanager
    def _lost(self) -> Iterator[None]:
        """The errors that mean the cluster failed the batches (cancelled futures, workers killed, the
        connection closed) become `ClusterError`; an error of the model itself is raised as it is."""
        from concurrent.futures import CancelledError

        from distributed.comm import CommClosedError
        from distributed.scheduler import KilledWorker

        try:
            yield
        except (CancelledError, KilledWorker, CommClosedError) as e:
            detail = _one_line(e)
            detail = detail if len(detail) <= 160 else detail[:159] + "…"
            raise ClusterError(f"the Dask cluster at {self._where} was lost mid-run ({detail})") from None

    def _check_alive(self, lost_since: float | None) -> float | None:
        """Raise `ClusterError` once the scheduler is unreachable or has had no worker for `NO_WORKERS_S`;
        else the time it was first seen lost (None while it is fine)."""
        try:
            alive = self._client.status == "running" and bool(self._client.nthreads())
        except Exception:
            alive = False
        if alive:
            return None
        now = time.monotonic()
        if lost_since is None:
            return now
        if now - lost_since > NO_WORKERS_S:
            raise ClusterError(
                f"the Dask cluster at {self._where} has had no scheduler or no worker for {NO_WORKERS_S:g} s"
            )
        return lost_since

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.cancel(self._state)
        if self._own:
            with contextlib.suppress(Exception):
                self._client.close(timeout=CONNECT_TIMEOUT_S)


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_executor(state: WorkerState, workers: int, scheduler: Any = None) -> Executor:
    """A Dask executor when a scheduler is given, else a process pool, or serial for one worker."""
    if scheduler is not None:
        return DaskExecutor(state, scheduler)
    if workers <= 1:
        return SerialExecutor(state)
    return LocalExecutor(state, workers)


class Workers:
    """The executor of `workers` processes (default all cores), or of a Dask `scheduler`, made on first
    use and kept for every experiment run on it until `close`: a search's levels then share one pool of
    workers, started (and importing the model) once. A context manager that closes it on leaving."""

    def __init__(self, workers: int | None = None, scheduler: Any = None) -> None:
        self.requested, self.scheduler = workers, scheduler
        self._executor: Executor | None = None

    def executor(self, state: WorkerState) -> Executor:
        """The executor, made now if it is not up yet, set to run `state`."""
        if self._executor is None:
            self._executor = make_executor(state, self.requested or default_workers(), self.scheduler)
        else:
            self._executor.use(state)
        return self._executor

    def close(self) -> None:
        """Stop the workers (nothing to do if none was started); they may be started again later."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
