"""An experiment's folder while it runs: `<final>.incomplete`, whose `parts/` keeps every finished batch
in a file of its own (written under a temporary name, then renamed), so that an interrupted experiment
keeps them and `--resume` can go on.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sim.experiment.distributions import Histograms
from sim.experiment.executors import BatchResult
from sim.experiment.rows import GAP_COLUMNS
from sim.results.files import INCOMPLETE, check_name, incomplete_path, refuse_taken, rename_into

__all__ = ["BadParts", "PartStore", "finish_incomplete", "start_incomplete"]

_PART = re.compile(r"(\d{4})-(\d{7})-(\d{7})\.(rows|gaps|dist)\.csv")


class BadParts(ValueError):
    """A `parts/` file this program did not write as it stands (renamed, edited, truncated)."""


def start_incomplete(final: str | os.PathLike[str]) -> Path:
    """Create `<final>.incomplete` (with `parts/`) for a new experiment, refusing to overwrite anything."""
    final = Path(final)
    work = incomplete_path(final)
    check_name(work)
    refuse_taken(final)
    in_use = f"{work} already exists (an interrupted run: continue it with --resume {work})"
    if work.exists():
        raise FileExistsError(in_use)
    work.parent.mkdir(parents=True, exist_ok=True)
    try:
        work.mkdir()
    except FileExistsError:  # another run took the name a moment ago
        raise FileExistsError(in_use) from None
    (work / "parts").mkdir()
    return work


def finish_incomplete(work: Path) -> Path:
    """Rename a finished `<final>.incomplete` to `<final>`; its `parts/` must be gone already."""
    if not work.name.endswith(INCOMPLETE):
        raise ValueError(f"{work} is not an incomplete results folder")
    final = work.with_name(work.name[: -len(INCOMPLETE)])
    refuse_taken(final)
    rename_into(work, final)
    return final


class PartStore:
    """The finished batches of an incomplete experiment: `parts/<variant>-<start>-<stop>.rows.csv`,
    `.gaps.csv` and `.dist.csv`, headerless CSV. A batch is done when its rows file exists (written
    last, by rename); leftovers of a batch cut short (temporary files, gaps without rows) are removed
    on opening. Files of any other name are left for `check` to report. A store made with fewer `kinds`
    (a decision's levels need their metrics rows only) writes only those.
    """

    def __init__(self, folder: Path, kinds: Sequence[str] = ("gaps", "dist", "rows")) -> None:
        self.kinds = [k for k in ("gaps", "dist", "rows") if k in kinds]
        if "rows" not in self.kinds:
            raise ValueError("a part store keeps at least the rows, which mark a batch done")
        self.dir = folder / "parts"
        self.dir.mkdir(exist_ok=True)
        rows = {p.name[: -len(".rows.csv")] for p in self.dir.glob("*.rows.csv")}
        for p in self.dir.iterdir():
            if p.name.endswith(".tmp") or (_PART.fullmatch(p.name) and p.name.split(".")[0] not in rows):
                p.unlink()

    @staticmethod
    def _stem(variant: int, start: int, stop: int) -> str:
        return f"{variant:04d}-{start:07d}-{stop:07d}"

    def write(self, result: BatchResult) -> None:
        """Keep a finished batch: its gaps, histograms, then its rows (written last: they mark it done)."""
        b = result.batch
        stem = self._stem(b.variant, b.start, b.stop)
        texts = {"gaps": result.gaps_csv, "dist": result.dist_csv, "rows": result.rows_csv}
        for kind, text in ((kind, texts[kind]) for kind in self.kinds):
            tmp = self.dir / f"{stem}.{kind}.csv.tmp"
            try:
                with tmp.open("w", newline="") as f:
                    f.write(text)
                os.replace(tmp, self.dir / f"{stem}.{kind}.csv")
            except BaseException:  # a full disk, an interrupt: no temporary left behind
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise

    def done(self) -> list[tuple[int, int, int]]:
        """(variant, start, stop) of every finished batch, in order (files of other names ignored)."""
        out = []
        for p in sorted(self.dir.glob("*.rows.csv")):
            if m := _PART.fullmatch(p.name):
                out.append((int(m[1]), int(m[2]), int(m[3])))
        return out

    def check(self, labels: Sequence[str], n_metrics: int, max_replication: int) -> None:
        """Raise `BadParts` unless every file in `parts/` is a batch this experiment could have written:
        a batch's name, a variant of `labels`, replications below `max_replication`, no batch overlapping
        another, and each file's rows those of its batch (the label, the replications in order, as many
        cells as the header has)."""
        for p in sorted(self.dir.iterdir()):
            m = _PART.fullmatch(p.name)
            if m is None:
                raise BadParts(f"{p} is not a part this program writes (remove it if it does not belong)")
            variant, start, stop = int(m[1]), int(m[2]), int(m[3])
            if variant >= len(labels) or not start < stop <= max_replication:
                raise BadParts(f"{p} is not a batch of this experiment ({len(labels)} variants, replications "
                               f"0 to {max_replication - 1})")  # fmt: skip
        ends: dict[int, int] = {}
        for variant, start, stop in self.done():
            if start < ends.get(variant, 0):
                raise BadParts(
                    f"{self.dir / self._stem(variant, start, stop)}.rows.csv overlaps another batch"
                )
            ends[variant] = stop
            self._check_batch(labels[variant], variant, start, stop, n_metrics)

    def _check_batch(self, label: str, variant: int, start: int, stop: int, n_metrics: int) -> None:
        stem = self.dir / self._stem(variant, start, stop)
        widths = {"rows": 2 + n_metrics, "gaps": 2 + len(GAP_COLUMNS), "dist": 4}
        for kind, width in widths.items():
            path = stem.with_name(f"{stem.name}.{kind}.csv")
            if not path.exists():
                continue
            try:
                with path.open(newline="") as f:
                    rows = list(csv.reader(f))
            except (OSError, UnicodeDecodeError, csv.Error) as e:
                raise BadParts(f"{path} cannot be read back ({e})") from None
            bad = next((i for i, r in enumerate(rows) if len(r) != width or r[0] != label), None)
            if bad is not None:
                raise BadParts(f"{path}, line {bad + 1}: not a row of {label!r} with {width} cells")
            try:
                reps = [int(r[1]) for r in rows] if kind != "dist" else []
            except ValueError as e:
                raise BadParts(f"{path}: a replication number is not a whole number ({e})") from None
            if kind == "rows" and reps != list(range(start, stop)):
                raise BadParts(f"{path} does not hold replications {start} to {stop - 1} in order")
            if kind == "gaps" and any(not start <= r < stop for r in reps):
                raise BadParts(f"{path} has gaps of replications outside {start} to {stop - 1}")
            if kind == "dist":
                try:
                    Histograms.from_rows(r[1:] for r in rows)
                except (KeyError, ValueError, IndexError) as e:
                    raise BadParts(f"{path} is not a histogram this program wrote ({e})") from None

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
