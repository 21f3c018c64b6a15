"""Results on disk, the primitives: default and unused folder names, folders written atomically, plain
CSV tables and JSON files written so that a reader never sees half of one.

A folder is built under a temporary name beside its final one and renamed only when complete, so a
failed or interrupted run never leaves a folder that looks whole.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "INCOMPLETE",
    "IncompleteResults",
    "atomic_folder",
    "check_name",
    "default_out",
    "incomplete_path",
    "kept_folder",
    "read_json",
    "rename_into",
    "unused_out",
    "write_json",
    "write_table",
]

INCOMPLETE = ".incomplete"


def default_out(root: str | os.PathLike[str], scenario: str, command: str) -> Path:
    """`results/<scenario>/<command>-<timestamp>` (local time of the run, to the second)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / scenario / f"{command}-{stamp}"


def unused_out(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`, ... if a folder (whole or incomplete) already has that name."""
    candidate, k = path, 1
    while candidate.exists() or incomplete_path(candidate).exists():
        k += 1
        candidate = path.with_name(f"{path.name}-{k}")
    return candidate


@contextlib.contextmanager
def atomic_folder(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder that becomes `final` only if the block completes.

    Refuses to overwrite a non-empty existing folder (a results folder is a record of a run).
    """
    final = Path(final)
    check_name(final)
    refuse_taken(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_folder(final.parent, f".{final.name[:100]}.", ".partial")
    try:
        yield tmp
        rename_into(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _new_folder(parent: Path, prefix: str, suffix: str) -> Path:
    """A new folder in `parent` with a name no other has, and the permissions the user's umask gives any
    folder: `tempfile.mkdtemp` makes it readable by its owner alone, which a results folder renamed from
    it would keep, out of colleagues' reach."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(parent))


def refuse_taken(final: Path) -> None:
    """Raise FileExistsError (with no errno: the command says it in full) unless `final` can become a
    results folder: free, or an empty folder, with a folder (or nothing yet) above it."""
    if final.exists() and not final.is_dir():
        raise FileExistsError(f"{final} is a file, not a folder")
    if final.is_dir() and any(final.iterdir()):
        raise FileExistsError(f"{final} already exists and is not empty")
    above = next((p for p in final.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise FileExistsError(f"{above} is a file, not a folder: {final} cannot be made inside it")


def check_name(path: Path) -> None:
    """Refuse at once (OSError ENAMETOOLONG) a path with a name longer than its file system holds, rather
    than after the work is done."""
    limit = 255
    with contextlib.suppress(OSError, ValueError):
        existing = next(p for p in (path.parent, *path.parent.parents) if p.is_dir())
        limit = os.pathconf(existing, "PC_NAME_MAX")
    if any(len(os.fsencode(part)) > limit for part in path.parts):
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(path))


def rename_into(src: Path, final: Path) -> None:
    """Rename the finished folder `src` to `final`, which may exist only as an empty folder.

    If another process filled `final` meanwhile (two runs given the same `--out`), nothing of it is
    touched and `FileExistsError` says so: the later run is the one refused.
    """
    try:
        src.rename(final)  # POSIX: replaces an empty folder atomically, fails on a non-empty one
    except OSError as e:
        if e.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
            raise
        if final.is_dir() and not any(final.iterdir()):  # an empty folder this platform will not replace
            final.rmdir()
            src.rename(final)
            return
        raise FileExistsError(
            f"{final} was written by another run while this one ran: this one was not kept"
        ) from None


@contextlib.contextmanager
def _temporary(path: Path) -> Iterator[Path]:
    """`path.tmp`, renamed to `path` if the block completes and removed if it fails (a full disk, an
    interrupt), so that neither half a file nor a stray temporary is left behind."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A plain CSV table, written by way of a temporary file (removed if writing fails)."""
    with _temporary(path) as tmp, tmp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON by way of a temporary file, so a reader never sees half of it."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    with _temporary(path) as tmp:
        tmp.write_text(text)


def read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a JSON object")
    return data


def incomplete_path(final: str | os.PathLike[str]) -> Path:
    """Where an experiment headed for `final` is built: `<final>.incomplete`."""
    final = Path(final)
    return final.with_name(final.name + INCOMPLETE)


class IncompleteResults(RuntimeError):
    """The replications of a folder about to be finished are not each there exactly once: it is kept
    incomplete."""


def kept_folder(error: BaseException) -> Path | None:
    """The incomplete folder an experiment that failed with `error` kept for `--resume` (None if none).
    Here rather than in sim.results.experiment, so that the command line can say it without importing
    the experiment machinery."""
    folder = getattr(error, "_summit_kept_folder", None)
    return folder if isinstance(folder, Path) and folder.is_dir() else None
