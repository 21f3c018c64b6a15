"""What an experiment runs: troop levels, how many replications, and how they are cut into batches.

A batch is a run of consecutive replications of one variant (a troop level, or one scenario of a
comparison). Batches only decide how work is shared out: each replication's random numbers depend on
(seed, replication, stream name) alone, so any cut gives the same results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "FIRST_ROUND",
    "MAX_REPLICATIONS",
    "MIN_PRECISION",
    "Batch",
    "Plan",
    "batches",
    "next_round",
    "over_cap",
    "parse_troops",
]

FIRST_ROUND = 20  # replications per variant before the first precision check
MIN_STEP = 10  # a precision round adds at least this many replications per variant
MAX_TROOPS = 10_000_000  # the largest headcount a scenario accepts
# The most replications per variant an experiment may ask for (README, "Exit status"): far beyond what
# any interval needs, and a bound on the time, the memory of a level's columns and the size of the files.
MAX_REPLICATIONS = 100_000
# The finest precision asked for: the replications a CI half-width H needs grow as 1/H², so a finer H
# could only ever stop at the cap (and 1e-300 overflowed the arithmetic of the rounds).
MIN_PRECISION = 1e-6


def parse_troops(text: str) -> list[int]:
    """Troop levels from `START:STOP:STEP` (STOP included when on the grid) or a list `300,600,900`.

    Raises `ValueError` with a one-line explanation for anything else.
    """
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"expected START:STOP:STEP, got {text!r}")
        numbers = [_whole(p, text) for p in parts]
        start, stop = numbers[0], numbers[1]
        if stop < start:
            raise ValueError(f"STOP ({stop}) is below START ({start}) in {text!r}")
        if len(numbers) == 2:
            raise ValueError(f"expected START:STOP:STEP (the step is missing), got {text!r}")
        step = numbers[2]
        if step <= 0:
            raise ValueError(f"STEP must be 1 or more, got {step}")
        levels = list(range(start, stop + 1, step))
    else:
        levels = [_whole(p, text) for p in text.split(",")]
        seen = set()
        for level in levels:
            if level in seen:
                raise ValueError(f"troop level {level} is listed twice in {text!r}")
            seen.add(level)
        levels.sort()
    if len(levels) > 1000:
        raise ValueError(f"{len(levels)} troop levels is too many (at most 1000)")
    return levels


def _whole(part: str, text: str) -> int:
    try:
        value = int(part.strip())
    except ValueError:
        raise ValueError(f"expected whole numbers of troops, got {part.strip()!r} in {text!r}") from None
    if not 0 <= value <= MAX_TROOPS:
        raise ValueError(f"troop levels must be from 0 to {MAX_TROOPS:,}, got {value}")
    return value


@dataclass(frozen=True)
class Plan:
    """How many replications: a fixed number, or batches until every target metric is precise enough.

    With `precision` H, rounds add replications (the same to every variant, keeping the comparison
    paired) until every target metric's 95% CI half-width is at most H at every level, stopping at
    `max_replications` (see docs/statistics.md for how H applies to targets in minutes).
    """

    replications: int | None = None
    precision: float | None = None
    max_replications: int = 1000

    def __post_init__(self) -> None:
        if (self.replications is None) == (self.precision is None):
            raise ValueError("give either a number of replications or a precision, not both")
        if self.replications is not None and self.replications < 1:
            raise ValueError(f"replications must be 1 or more, got {self.replications}")
        if self.precision is not None and not (0 < self.precision < math.inf):
            raise ValueError(f"precision must be a positive number, got {self.precision}")
        if self.precision is not None and self.precision < MIN_PRECISION:
            raise ValueError(
                f"precision {self.precision:g} is finer than any run can reach (at least {MIN_PRECISION:g}: "
                "the replications needed grow as 1/precision²); give a CI half-width such as 0.02"
            )
        if self.max_replications < 2:
            raise ValueError(f"max replications must be 2 or more, got {self.max_replications}")

    def first_round(self) -> int:
        if self.replications is not None:
            return self.replications
        return min(FIRST_ROUND, self.max_replications)


def next_round(done: int, widest_ratio: float, cap: int) -> int:
    """Replications per variant after a precision round that left the widest half-width at
    `widest_ratio` times its allowance: the count the 1/√n law predicts, at least `MIN_STEP` more, at
    most double (the law overshoots for proportions near 0 or 1), rounded up to a multiple of 10, capped.

    Any ratio is safe: one that is not finite (NaN, ∞) or beyond √2 asks for the doubling, and the
    ratio is capped before it is squared, so a huge ratio (a precision of 1e-300) cannot overflow.
    """
    ratio = min(widest_ratio, 2.0) if math.isfinite(widest_ratio) else 2.0
    wanted = max(done * ratio * ratio, done + MIN_STEP)
    wanted = min(wanted, 2 * done)
    return min(cap, int(math.ceil(wanted / 10) * 10))


class Batch(NamedTuple):
    """Replications `start` … `stop - 1` of variant number `variant`."""

    variant: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def batches(todo: dict[int, list[int]], workers: int) -> list[Batch]:
    """Cut each variant's missing replications into batches of consecutive ones, in the order to run.

    Each batch is a quarter of a worker's share of what is left after it (at most 50 replications), so
    sizes shrink toward the end (guided self-scheduling): early batches are large enough that a task's
    overhead is small, and the last ones so small that the workers finish together.
    """
    left = sum(len(reps) for reps in todo.values())
    out = []
    for variant in sorted(todo):
        run: list[int] = []
        for rep in sorted(todo[variant]):
            if run and (rep != run[-1] + 1 or len(run) == _batch_size(left, workers)):
                out.append(Batch(variant, run[0], run[-1] + 1))
                left -= len(run)
                run = []
            run.append(rep)
        if run:
            out.append(Batch(variant, run[0], run[-1] + 1))
            left -= len(run)
    return out


def _batch_size(left: int, workers: int) -> int:
    return max(1, min(50, math.ceil(left / (4 * max(1, workers)))))


def over_cap(plan: Plan) -> str | None:
    """Why `plan` asks for too many replications per variant (over `MAX_REPLICATIONS`), or None."""
    for name, value in (("replications", plan.replications), ("max replications", plan.max_replications)):
        if value is not None and value > MAX_REPLICATIONS:
            return f"{name} must be at most {MAX_REPLICATIONS:,} per level, got {value:,}"
    return None
