"""Problems found in a scenario file, each pinned to a file, a line and a field path."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ScenarioError", "printable"]


def printable(text: str) -> str:
    """`text` safe to echo on a terminal or in a log line: every character that is not printable (NUL
    and other control characters, a line break, right-to-left overrides and other invisible format
    characters) is written as its escape (`\\x00`, `\\n`, `\\u202e`), so that a hostile file name or
    key can neither hide text nor reorder what the reader sees."""
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c.isprintable():
            out.append(c)
        else:
            out.append(repr(c)[1:-1] if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file, line, field path) and what.

    The fields hold the text as found; `str` escapes what is not printable (see `printable`).
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        file = printable(self.file)
        where = file if self.line is None else f"{file}:{self.line}"
        field = f" {printable(self.path)}:" if self.path else ""
        return f"{where}:{field} {printable(self.message)}"


class ScenarioError(Exception):
    """A scenario file cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
