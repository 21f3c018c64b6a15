"""One writer at a time on an experiment's `.incomplete` folder.

`writer.lock` in the folder names its owner: pid, host, when it started and its command line. It is
created with `O_CREAT | O_EXCL`, so of two processes taking it at once one gets it and the other sees
it; the owner removes it when it stops (finished, failed or interrupted). A lock left by a process
that no longer runs on this host (killed) is stale: it is taken over, with a note on stderr. A lock
held by a live process, or by a process on another host (which cannot be checked from here), is
refused with `FolderLocked` naming the owner.

Taking over a stale lock is itself guarded (`writer.lock.takeover`, also created exclusively), and the
lock removed is the very one found stale (compared byte for byte), so two processes taking over the
same stale lock cannot both end up owning the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LOCK_NAME", "FolderLock", "FolderLocked", "acquire"]

LOCK_NAME = "writer.lock"
_FRESH_S = 10.0  # a lock file still empty after this long was left by an owner killed while writing it
_TAKEOVER_STALE_S = 60.0  # a takeover guard older than this was left by a process killed mid-takeover


class FolderLocked(Exception):
    """The folder is being written by another process (its pid and host in the message)."""


def _start_ticks(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of a process, from /proc; None where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int, ticks: int | None) -> bool:
    """Whether `pid` still runs on this host and is the process that took the lock (not a zombie, not
    a later process given the same pid)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:  # pragma: no cover - not expected on POSIX
        return True
    stat = _start_ticks(pid)
    if stat is None:
        return True
    state, started = stat
    return state not in ("Z", "X") and (ticks is None or started == ticks)


def _describe(owner: dict[str, Any]) -> str:
    since = f" since {owner['started']}" if owner.get("started") else ""
    return f"pid {owner.get('pid')} on {owner.get('host')}{since}"


@dataclass
class FolderLock:
    """A lock this process holds on `folder` (see `acquire`)."""

    path: Path
    text: str

    def moved(self, folder: Path) -> None:
        """The folder was renamed to `folder` (with the lock inside it)."""
        self.path = folder / LOCK_NAME

    def release(self) -> None:
        """Remove the lock, if it is still this one (never another process's)."""
        with contextlib.suppress(OSError):
            if self.path.read_text() == self.text:
                self.path.unlink()


def _owner(path: Path) -> tuple[str, dict[str, Any] | None]:
    """The raw text of a lock file and what it says (None if empty or not a lock this version wrote)."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return "", {}
    except (OSError, UnicodeDecodeError):
        return "", None
    try:
        data = json.loads(raw)
    except ValueError:
        return raw, None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return raw, None
    return raw, data


def _stale_reason(path: Path, raw: str, owner: dict[str, Any] | None) -> str | None:
    """Why the lock at `path` may be taken over, or None if its owner may still be writing."""
    if owner is None:  # empty or unreadable: stale once old enough (its owner died while writing it)
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return "gone"
        return f"an unreadable lock {age:.0f} s old" if age > _FRESH_S else None
    if owner.get("host") != socket.gethostname():
        return None
    ticks = owner.get("ticks")
    if _alive(owner["pid"], ticks if isinstance(ticks, int) else None):
        return None
    return f"{_describe(owner)}, which is no longer running"


def _take_over(path: Path, raw: str) -> bool:
    """Remove the stale lock `path` if it still holds `raw`; False if another process is taking it over."""
    guard = path.with_name(path.name + ".takeover")
    try:
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if time.time() - guard.stat().st_mtime > _TAKEOVER_STALE_S:
                guard.unlink()
        return False
    try:
        os.close(fd)
        now_raw, _ = _owner(path)
        if now_raw == raw:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return True
    finally:
        with contextlib.suppress(OSError):
            guard.unlink()


def acquire(folder: Path, command_line: str | None = None) -> FolderLock:
    """Take the lock on `folder` or raise `FolderLocked`; a stale lock is taken over, with a note.

    OSError if the folder cannot hold a lock (it does not exist, it is read-only).
    """
    path = folder / LOCK_NAME
    stat = _start_ticks(os.getpid())
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "ticks": None if stat is None else stat[1],
        "command_line": command_line,
    }
    text = json.dumps(info, indent=2) + "\n"
    for _ in range(5):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raw, owner = _owner(path)
            if owner == {}:  # removed since: try again
                continue
            reason = _stale_reason(path, raw, owner)
            if reason is None:
                who = _describe(owner) if owner else "another process"
                raise FolderLocked(
                    f"{folder} is being written by {who}: wait for it to finish or stop it (if it is gone, "
                    f"delete {path})"
                ) from None
            if _take_over(path, raw):
                print(f"summit-sim: note: taking over the lock on {folder} from {reason}", file=sys.stderr)
            else:
                time.sleep(0.1)  # another process is taking it over: see who won
            continue
        try:
            os.write(fd, text.encode())
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        os.close(fd)
        return FolderLock(path, text)
    raise FolderLocked(f"{folder} is being locked by another process at this moment: try again")
