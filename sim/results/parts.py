"""An experiment's folder while it runs: `<final>.incomplete`, whose `parts/` keeps every finished batch
in a file of its own (written under a temporary name, then renamed), so that an interrupted experiment
keeps them and `--resume` can go on.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.experiment.executors import BatchResult
from sim.results.files import INCOMPLETE, incomplete_path

__all__ = ["PartStore", "finish_incomplete", "start_incomplete"]


def start_incomplete(final: str | os.PathLike[str]) -> Path:
    """Create `<final>.incomplete` (with `parts/`) for a new experiment, refusing to overwrite anything."""
    final = Path(final)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise FileExistsError(f"{final} already exists and is not empty")
    work = incomplete_path(final)
    if work.exists():
        raise FileExistsError(f"{work} already exists (an interrupted run: continue it with --resume {work})")
    work.parent.mkdir(parents=True, exist_ok=True)
    work.mkdir()
    (work / "parts").mkdir()
    return work


def finish_incomplete(work: Path) -> Path:
    """Rename a finished `<final>.incomplete` to `<final>`; its `parts/` must be gone already."""
    if not work.name.endswith(INCOMPLETE):
        raise ValueError(f"{work} is not an incomplete results folder")
    final = work.with_name(work.name[: -len(INCOMPLETE)])
    if final.exists():
        if not final.is_dir() or any(final.iterdir()):
            raise FileExistsError(f"{final} already exists and is not empty")
        final.rmdir()
    work.rename(final)
    return final


class PartStore:
    """The finished batches of an incomplete experiment: `parts/<variant>-<start>-<stop>.rows.csv`,
    `.gaps.csv` and `.dist.csv`, headerless CSV. A batch is done when its rows file exists (written
    last, by rename); leftovers of a batch cut short (temporary files, gaps without rows) are removed
    on opening.
    """

    def __init__(self, folder: Path) -> None:
        self.dir = folder / "parts"
        self.dir.mkdir(exist_ok=True)
        rows = {p.name[: -len(".rows.csv")] for p in self.dir.glob("*.rows.csv")}
        for p in self.dir.iterdir():
            if p.name.endswith(".tmp") or p.name.split(".")[0] not in rows:
                p.unlink()

    @staticmethod
    def _stem(variant: int, start: int, stop: int) -> str:
        return f"{variant:04d}-{start:07d}-{stop:07d}"

    def write(self, result: BatchResult) -> None:
        """Keep a finished batch: its gaps, histograms, then its rows (written last: they mark it done)."""
        b = result.batch
        stem = self._stem(b.variant, b.start, b.stop)
        for kind, text in (("gaps", result.gaps_csv), ("dist", result.dist_csv), ("rows", result.rows_csv)):
            tmp = self.dir / f"{stem}.{kind}.csv.tmp"
            with tmp.open("w", newline="") as f:
                f.write(text)
            os.replace(tmp, self.dir / f"{stem}.{kind}.csv")

    def done(self) -> list[tuple[int, int, int]]:
        """(variant, start, stop) of every finished batch, in order."""
        out = []
        for p in sorted(self.dir.glob("*.rows.csv")):
            variant, start, stop = (int(x) for x in p.name[: -len(".rows.csv")].split("-"))
            out.append((variant, start, stop))
        return out

    def rows(self, variant: int | None = None, kind: str = "rows") -> Iterator[list[str]]:
        """The rows of `kind` ("rows": metrics, "gaps", "dist") of every finished batch (of one variant),
        in (variant, replication) order. A batch without a file of that kind has no such rows."""
        for v, start, stop in self.done():
            path = self.dir / f"{self._stem(v, start, stop)}.{kind}.csv"
            if (variant is None or v == variant) and path.exists():
                with path.open(newline="") as f:
                    yield from csv.reader(f)

    def concatenate(self, kind: str, header: Iterable[str], path: Path) -> None:
        """Write every part of `kind` ("rows" or "gaps") in order into one CSV file with `header`."""
        with path.open("w", newline="") as out:
            csv.writer(out).writerow(header)
            for v, start, stop in self.done():
                with (self.dir / f"{self._stem(v, start, stop)}.{kind}.csv").open(newline="") as f:
                    shutil.copyfileobj(f, out)

    def remove(self) -> None:
        shutil.rmtree(self.dir)
