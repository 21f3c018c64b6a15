"""Reading a scenario file safely: only a regular file, without blocking, bounded in size, UTF-8 text."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sim.scenario.errors import Problem, ScenarioError

__all__ = ["read_text"]

_MAX_BYTES = 20 * 1024 * 1024


_KINDS_OF_FILE = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be a scenario (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a scenario file"
    kind = next((what for test, what in _KINDS_OF_FILE if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file: give a scenario file"


def _os_problem(p: Path, e: OSError) -> str:
    """A one-line account of why the file cannot be opened."""
    if e.errno == errno.ELOOP:
        return "is a symbolic link loop (a link that leads back to itself), not a file"
    if e.errno == errno.ENOENT:
        if p.is_symlink():
            return f"is a symbolic link to {os.readlink(p)!r}, which does not exist"
        return "no such file"
    if e.errno == errno.ENOTDIR:
        return "no such file (a part of the path is a file, not a folder)"
    if e.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return f"cannot read: {e.strerror or e}"


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a scenario file, read safely; `ScenarioError` (located at the file) if it cannot be.

    Only a regular file is read: a named pipe, a socket or a device is refused from its `stat`, before
    it is opened (a pipe with no writer would block for ever), and the file is opened without blocking
    and checked again, so that nothing swapped in between is read either.
    """
    name = str(path)
    p = Path(path)
    try:
        why = _not_regular(os.stat(p).st_mode)
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", _os_problem(p, e))]) from None
    except ValueError:  # a NUL byte in the name
        raise ScenarioError([Problem(name, None, "", "the file name holds a NUL character")]) from None
    if why is not None:
        raise ScenarioError([Problem(name, None, "", why)])
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", _os_problem(p, e))]) from None
    try:
        why = _not_regular(os.fstat(fd).st_mode)
        if why is not None:
            raise ScenarioError([Problem(name, None, "", why)])
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(_MAX_BYTES + 1)  # bounded: a file growing while it is read stops here
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", f"cannot read: {e.strerror or e}")]) from None
    finally:
        os.close(fd)
    if len(raw) > _MAX_BYTES:
        raise ScenarioError([Problem(name, None, "", "larger than 20 MiB: not a scenario")])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, None, "", "binary data, not a YAML text file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(
            [Problem(name, None, "", f"not UTF-8 text (bad byte at offset {e.start})")]
        ) from None
    return text
