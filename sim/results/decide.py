"""The planner's decisions into results folders: `size`, `allocate` and `sensitivity`.

A decision runs many small experiments (a level, a split, a point of a design) chosen as it goes. Each
one keeps its replications in `<out>.incomplete/levels/<key>/parts/` (sim.results.parts), and the
request is kept in `decide.json`. The searches decide from the replications alone, so an interrupted
decision resumed (`--resume DIR`) takes the same decisions, reading back what it had and running only
what is missing, and ends with the same folder as an uninterrupted run. When it ends, every key's
replications are joined into `replications.csv` (key, replication, metrics), the parts are removed, the
tables and report are written and the folder takes its final name.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.design import BadExperiment, load_source, metric_columns_of
from sim.experiment.execute import Interrupted, execute
from sim.experiment.executors import Variant, Workers, check_scheduler, default_workers
from sim.experiment.plan import Plan
from sim.results.files import (
    INCOMPLETE,
    default_out,
    incomplete_path,
    read_json,
    refuse_taken,
    rename_into,
    unused_out,
    write_json,
)
from sim.results.parts import PartStore
from sim.scenario import Scenario

__all__ = ["DecideFolder", "DecideRequest", "LevelStore", "keep_on_interrupt", "key_of", "open_folder"]

_SAFE = re.compile(r"[^A-Za-z0-9._=-]")


def key_of(label: str) -> str:
    """A folder name for a key: the label itself when short and plain, else a digest of it."""
    if len(label) <= 40 and not _SAFE.search(label) and label not in (".", ".."):
        return label
    return "k" + hashlib.sha256(label.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DecideRequest:
    """What a decision was asked: the command, the scenario file (or None for an object), the `--set`
    overrides, and the command's own settings (plain JSON values), the seed and the output."""

    command: str
    scenario: str | None
    sha256: str
    sets: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    command_line: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sets"] = list(self.sets)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DecideRequest:
        return cls(
            str(data["command"]),
            data["scenario"],
            str(data["sha256"]),
            tuple(data.get("sets", ())),
            dict(data.get("settings", {})),
            int(data["seed"]),
            data.get("command_line"),
        )


def base_scenario(
    scenario: Scenario | str | os.PathLike[str], sets: tuple[str, ...]
) -> tuple[Scenario, str | None, str]:
    """The scenario with `--set` overrides applied, its file (None for an object) and that file's sha256."""
    src = load_source(scenario, sets)
    return src.scenario, src.path, src.sha256


class LevelStore:
    """A `ColumnSource` on disk: each key's replications (their metrics rows) in `levels/<key>/parts/`,
    run on the folder's seed (common random numbers: replication i is the same random world for every
    key), on one pool of workers that every key shares (started once for the whole decision): `pool`,
    or else one of `workers` processes or on a Dask `scheduler`, stopped by `close`."""

    def __init__(
        self,
        folder: Path,
        seed: int,
        workers: int | None = None,
        scheduler: Any = None,
        progress: Callable[[int], None] | None = None,
        sub: str = "levels",
        pool: Workers | None = None,
    ) -> None:
        self.root = folder / sub
        self.seed, self.progress = seed, progress
        self.pool = pool if pool is not None else Workers(workers, scheduler)
        self.spent = 0
        self.counted: dict[str, int] = {}
        self.labels: dict[str, str] = {}

    def __call__(self, key: str, scenario: Scenario, troops: int | None, n: int) -> dict[str, np.ndarray]:
        name = key_of(key)
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        self.labels[name] = key
        store = PartStore(folder, kinds=("rows",))
        variant = Variant(key, scenario, troops)
        execute([variant], Plan(n, None, max(n, 2)), self.seed, store, pool=self.pool)
        columns = metric_columns_of([scenario])
        if not (folder / "label.txt").is_file():
            (folder / "columns.json").write_text(json.dumps(list(columns)))
            (folder / "label.txt").write_text(key)
        rows = [r for r in store.rows(0) if int(r[1]) < n]
        new = max(0, n - self.counted.get(key, 0))
        self.counted[key] = max(n, self.counted.get(key, 0))
        self.spent += new
        if self.progress and new:
            self.progress(self.spent)
        return {
            c: np.array([float(r[2 + i]) if r[2 + i] else np.nan for r in rows], dtype=float)
            for i, c in enumerate(columns)
        }

    def close(self) -> None:
        """Stop the workers (every store sharing them included); a later call starts them again."""
        self.pool.close()

    def join(self, path: Path, key_name: str) -> None:
        """Every key's replications in one table: key, replication, then the union of the metrics."""
        names = sorted(p.name for p in self.root.iterdir()) if self.root.is_dir() else []
        for name in names:
            if (self.root / name / "label.txt").is_file():
                self.labels[name] = (self.root / name / "label.txt").read_text()
        tables = []
        columns: dict[str, None] = {}
        for name in names:
            rows = list(PartStore(self.root / name).rows(0))
            meta = self.root / name / "columns.json"
            cols = json.loads(meta.read_text()) if meta.is_file() else []
            columns.update(dict.fromkeys(cols))
            tables.append((self.labels.get(name, name), cols, rows))
        header = list(columns)
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow([key_name, "replication", *header])
            for label, cols, rows in tables:
                at = {c: i for i, c in enumerate(cols)}
                for r in rows:
                    w.writerow([label, r[1], *(r[2 + at[c]] if c in at else "" for c in header)])


@contextlib.contextmanager
def keep_on_interrupt(store: LevelStore, work: Path) -> Iterator[None]:
    """Run a decision's search on `store`, stopping its workers at the end. Ctrl-C: the finished
    replications stay in `work` (an `Interrupted` naming it, so the command line says how to `--resume`)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(store.spent, store.spent, work) from None
    finally:
        store.close()


class DecideFolder:
    """A decision's folder while it runs (`<final>.incomplete`) and its finish."""

    def __init__(self, work: Path, request: DecideRequest) -> None:
        self.work, self.request = work, request
        self.pool: Workers | None = None

    @property
    def final(self) -> Path:
        return self.work.with_name(self.work.name[: -len(INCOMPLETE)])

    def store(
        self,
        workers: int | None,
        scheduler: Any,
        progress: Callable[[int], None] | None = None,
        sub: str = "levels",
        seed: int | None = None,
    ) -> LevelStore:
        seed = self.request.seed if seed is None else seed
        if self.pool is None:  # every store of the folder runs on the same workers
            self.pool = Workers(workers, scheduler)
        return LevelStore(self.work, seed, progress=progress, sub=sub, pool=self.pool)

    def finish(self, write: Callable[[Path], None]) -> Path:
        """Write the tables (`write(folder)`), remove the parts and give the folder its final name."""
        write(self.work)
        for sub in ("levels", "verify", "design"):
            shutil.rmtree(self.work / sub, ignore_errors=True)
        data = self.request.to_json() | {"status": "complete"}
        write_json(self.work / "decide.json", data)
        final = self.final
        rename_into(self.work, final)
        return final


def open_folder(
    request: DecideRequest, out: str | os.PathLike[str] | None, scenario_name: str, resume: bool = False
) -> DecideFolder:
    """A new decision folder for `request` at `out` (default results/<scenario>/<command>-<timestamp>),
    or, with `resume`, the incomplete one at `out` (its request must be the same command, and its
    scenario file unchanged)."""
    if resume:
        assert out is not None
        work = Path(out)
        if not work.name.endswith(INCOMPLETE):
            work = incomplete_path(work)
        meta = work / "decide.json"
        if not meta.is_file():
            raise BadExperiment(f"{out} is not an interrupted decision folder (no {meta.name})")
        kept = DecideRequest.from_json(read_json(meta))
        if kept.command != request.command:
            raise BadExperiment(f"{out} was a `{kept.command}`, not a `{request.command}`")
        return DecideFolder(work, kept)
    final = (
        Path(out) if out is not None else unused_out(default_out("results", scenario_name, request.command))
    )
    work = incomplete_path(final)
    if work.exists():
        raise FileExistsError(f"{work} already exists (an interrupted run: continue it with --resume {work})")
    refuse_taken(final)
    work.mkdir(parents=True)
    write_json(work / "decide.json", request.to_json() | {"status": "incomplete"})
    return DecideFolder(work, request)


def resume_request(folder: str | os.PathLike[str]) -> tuple[Scenario, DecideRequest]:
    """The request kept in an interrupted decision folder and its scenario (with its `--set`
    overrides), the file read once and checked unchanged."""
    work = Path(folder)
    if not work.name.endswith(INCOMPLETE):
        work = incomplete_path(work)
    meta = work / "decide.json"
    if not meta.is_file():
        raise BadExperiment(f"{folder} is not an interrupted decision folder (no decide.json)")
    request = DecideRequest.from_json(read_json(meta))
    if request.scenario is None:
        raise BadExperiment(f"{folder} was run on a scenario object, not a file: it cannot be resumed")
    src = load_source(request.scenario, request.sets)
    if src.sha256 != request.sha256:
        raise BadExperiment(f"{request.scenario} has changed since the run started: cannot resume {folder}")
    return src.scenario, request


def check_run_options(workers: int | None, scheduler: Any) -> int:
    """The workers to use (checked), as the experiments check them."""
    if workers is not None and workers < 1:
        raise BadExperiment(f"workers must be 1 or more, got {workers}")
    check_scheduler(scheduler)
    return workers or default_workers()
