"""How a command that fails says so: one line on stderr and an exit status (README, "Exit status"),
the traceback of an unforeseen error in a log file, and where an interrupted experiment's replications are
kept."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import platform
import shlex
import sys
import tempfile
import traceback
from pathlib import Path

from sim.results.files import kept_folder
from sim.version import __version__

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141


def say(text: str, kind: str = "") -> None:
    """One line on stderr: `summit-sim: [kind: ]text`, on one line whatever `text` holds."""
    with contextlib.suppress(OSError, ValueError):
        print(f"summit-sim: {kind + ': ' if kind else ''}{one_line(text)}", file=sys.stderr)


def one_line(text: str, limit: int = 400) -> str:
    """`text` on one line: runs of white space as one space, other unprintable characters (NUL,
    right-to-left marks) escaped, and cut to `limit` characters."""
    text = " ".join(str(text).split())
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def warn(warnings: list[str]) -> None:
    for text in warnings:
        print(f"summit-sim: warning: {text}", file=sys.stderr)


def resume_hint(args: argparse.Namespace, e: BaseException) -> None:
    """After a failed experiment, where its finished replications are and how to go on."""
    folder = kept_folder(e)
    if folder is not None:
        say(f"the finished replications are kept in {folder}; continue with: "
             f"summit-sim {args.command} --resume {folder}")  # fmt: skip


# Errors of a path the user chose (a folder that cannot be written, a name too long): bad input, exit 2.
_PATH_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR,
                errno.EEXIST, errno.ENOTEMPTY, errno.ENOENT, errno.ELOOP, errno.EXDEV}  # fmt: skip


# Errors of the machine (a full disk, a quota, a failing device): exit 1, with what happened.
_MACHINE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EMFILE, errno.ENFILE,
                   errno.ENOMEM}  # fmt: skip


def file_error(args: argparse.Namespace, e: OSError) -> int | None:
    """Say what went wrong with a file or folder and return the exit status; None if `e` is not such an
    error (then it is unexpected)."""
    if isinstance(e, FileExistsError) and e.errno is None:  # our own "already exists" messages
        say(f"{e}; {_where_hint(args)}", "error")
        return EXIT_BAD_INPUT
    if e.filename is None or e.errno not in _PATH_ERRNOS | _MACHINE_ERRNOS:
        return None
    path = Path(os.fsdecode(e.filename))
    if path.name.startswith(".") or path.name.endswith((".tmp", ".partial", ".lock")):
        path = path.parent  # a temporary or a lock: the folder it was in says more
    shown = str(path) if len(str(path)) <= 120 else f"{str(path)[:60]}…{str(path)[-40:]}"
    what = e.strerror or type(e).__name__
    if e.errno in _MACHINE_ERRNOS:
        say(f"{shown}: {what}", "error")
        return EXIT_FAIL
    say(f"{shown}: {what} ({_where_hint(args)})", "error")
    return EXIT_BAD_INPUT


def _where_hint(args: argparse.Namespace) -> str:
    if args.command == "plot":
        return "RESULTS_DIR must be a folder this user can write, to redraw it"
    if getattr(args, "resume", None):
        return "the folder to resume must be one this user can write"
    if hasattr(args, "out"):  # trace, the experiments and the decisions write where --out says
        return "choose another --out"
    return "check the path"


def unexpected(e: BaseException, argv: list[str]) -> int:
    """An error nobody foresaw: one line saying what, the traceback in a log file (its path said)."""
    what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    log = _write_log(e, argv)
    where = f"the traceback is in {log}" if log else "no log could be written"
    say(f"unexpected {what} ({where}; rerun with --debug to see it here)", "error")
    folder = kept_folder(e)
    if folder is not None:
        say(f"the finished replications are kept in {folder}; once the cause is fixed, continue with "
             f"--resume {folder}")  # fmt: skip
    return EXIT_FAIL


def _write_log(e: BaseException, argv: list[str]) -> Path | None:
    """Write the traceback of `e` to a new file in the system's temporary folder (`$TMPDIR`, usually
    /tmp): `summit-sim-<date>-<time>-<random>.log`; None if it cannot be written."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"summit-sim-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(
                f"summit-sim {__version__}, Python {platform.python_version()} on {platform.platform()}\n"
            )
            f.write(f"command: {shlex.join(['summit-sim', *argv])}\n")
            f.write(f"directory: {os.getcwd()}\n\n")
            f.write("".join(traceback.format_exception(e)))
    except OSError:
        return None
    return Path(name)


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail on the closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
