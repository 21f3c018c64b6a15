"""`size`: the smallest level of a swept quantity that meets every target, each with 95% confidence, found by
a search on common random numbers instead of a grid.

The search brackets the answer from a starting level (doubling its steps down while the level meets the
targets, or up while it does not), then bisects the bracket to `resolution`. Each level is judged as
`sweep` judges one (every target's check, sim.stats.check_target) on replications 0..n-1 of the same
seed, so every level sees the same random worlds. Where the decision is close (a target "undecided":
its estimate clears the limit but its interval does not), replications are added to that level, the
same replications at every level, up to `max_replications`, within a total `budget`.

Screening (on unless `screen` is off): while bracketing and bisecting, a level is judged on the first
round only, and one that is close there (no target plainly missed, only replications short) is taken to
meet for now. Showing that a level meets takes far more replications than showing one fails (no critical
gap in 73 replications before P(critical gap) <= 0.05 can be shown), and most levels the search passes on
its way are not the answer. The answer is then judged on its full replications ("confirm"); if it fails
there, the search goes on up from it without screening. The levels screened steer the search only: the
answer returned has met every target on its full replications, and the level below has failed on the same
ones, as without screening.

Monotonicity: on common random numbers the model is monotone in the swept force's headcount replication
by replication (a larger force never has fewer people on duty), so every metric's per-replication value
moves one way with troops; the verdicts need not (an interval's width varies from level to level), and
for another `--vary` input nothing is known. Bisection assumes the verdicts are monotone. Going up, a
target missed with the very same estimate at a level and at more than twice it is taken as out of this
input's reach (an air requirement short of aircraft, not of people): the search stops there, "none
meets (flat)", and names it, rather than doubling on to the upper bound; it then searches again without
the targets plainly out of reach, for the smallest level meeting every target the input moves. The search
therefore records every level it judged, and reports an inversion (a level that meets below one that
fails) when it sees one; its answer is then the smallest level found that meets with the level one
resolution below failing, and a grid sweep over the inverted range is the check to run.

The runs themselves are behind `ColumnSource` (a results-layer store keeps them on disk, so a search
that is interrupted and run again takes the same decisions without running a replication twice).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from sim.experiment.tables import check_targets, interval_of
from sim.experiment.vary import TROOPS, at_level
from sim.metrics import TargetSpec, target_specs
from sim.numbers import fmt_value
from sim.scenario import Scenario
from sim.stats import Interval, TargetCheck, proportion_interval

__all__ = [
    "ColumnSource",
    "Evidence",
    "SearchStep",
    "SizeResult",
    "SizeSettings",
    "all_met_per_replication",
    "describe_evidence",
    "find_inversions",
    "flat_failures",
    "judge",
    "level_label",
    "make_of",
    "next_replications",
    "search_levels",
    "search_table",
    "size_search",
]

STEP = 10  # replications are added to a close level in multiples of this


class ColumnSource(Protocol):
    """Runs (or reads back) replications 0..n-1 of `scenario` (at `troops`, None for its own headcount)
    under the name `key`, and returns each metric column's values in replication order. `spent` counts
    the replications it has run or read so far (each (key, replication) once)."""

    spent: int

    def __call__(self, key: str, scenario: Scenario, troops: int | None, n: int) -> dict[str, np.ndarray]: ...


def level_label(level: float) -> str:
    """A level as tables and folder names spell it: whole numbers without a decimal point."""
    return str(int(level)) if float(level).is_integer() else f"{level:g}"


def all_met_per_replication(columns: dict[str, np.ndarray], specs: Sequence[TargetSpec]) -> np.ndarray:
    """1 where a replication, taken alone, meets every target's limit (its value on the right side; a
    column with nothing to measure there counts as met), else 0. Its mean estimates P(every target met)
    for one summit, a planner's figure beside the 95% checks, which are on the means."""
    n = len(next(iter(columns.values()))) if columns else 0
    ok = np.ones(n, dtype=bool)
    for spec in specs:
        values = columns.get(spec.column)
        if values is None:
            continue
        with np.errstate(invalid="ignore"):
            good = values >= spec.limit if spec.bound == "ci_low" else values <= spec.limit
        ok &= good | np.isnan(values)
    return ok.astype(float)


@dataclass(frozen=True)
class Evidence:
    """A level judged on `n` replications: every target's check, and P(every target met) per
    replication with its Wilson interval."""

    level: float
    n: int
    checks: tuple[TargetCheck, ...]
    all_met: Interval

    @property
    def meets(self) -> bool:
        """Every target met, each with 95% confidence."""
        return all(c.met for c in self.checks)

    @property
    def close(self) -> bool:
        """Not met only for want of replications: every missed target is undecided."""
        missed = [c for c in self.checks if not c.met]
        return bool(missed) and all(c.status == "undecided" for c in missed)

    @property
    def failing(self) -> TargetCheck | None:
        """The target to name, None when every target is met: the first plainly missed (its estimate
        misses the limit), else the first undecided (only replications are short)."""
        missed = [c for c in self.checks if not c.met]
        return next((c for c in missed if c.status != "undecided"), missed[0] if missed else None)

    @property
    def needed(self) -> int | None:
        """About how many replications would show every undecided target (None if any is not met)."""
        missed = [c for c in self.checks if not c.met]
        if not missed or any(c.replications_needed is None for c in missed):
            return None
        return max(int(c.replications_needed or 0) for c in missed)


def next_replications(ev: Evidence, cap: int) -> int:
    """Replications for a close level's next look: about what its undecided targets need, at least
    `STEP` more and at most double, a multiple of `STEP`, within `cap`."""
    needed = ev.needed or ev.n + STEP
    grow = min(max(needed, ev.n + STEP), 2 * ev.n)
    return min(math.ceil(grow / STEP) * STEP, cap)


def judge(level: float, columns: dict[str, np.ndarray], specs: Sequence[TargetSpec]) -> Evidence:
    """The evidence at a level from its replications' columns."""
    summary = {c: interval_of(c, v) for c, v in columns.items()}
    n = len(next(iter(columns.values()))) if columns else 0
    checks = tuple(check_targets(summary, list(specs)))
    return Evidence(level, n, checks, proportion_interval(all_met_per_replication(columns, specs)))


@dataclass(frozen=True)
class SizeSettings:
    """How the search runs: levels are multiples of `resolution` within [`low`, `high`], the first is
    `start` (snapped to the grid); each level is first judged on `replications`, and a close one on up
    to `max_replications` (equal: no replications added); `budget` caps the replications of the whole
    search (None: no cap); `screen` judges the levels on the way on the first round only (module
    docstring), and without `settle` the screened answer is returned as it is (status "screened": a
    candidate that the caller judges on full replications itself, as `allocate` judges its pools
    together)."""

    resolution: float
    replications: int
    max_replications: int
    budget: int | None
    start: float
    low: float = 0.0
    high: float = 1_000_000.0
    screen: bool = True
    settle: bool = True

    def __post_init__(self) -> None:
        if not self.resolution > 0:
            raise ValueError(f"the resolution must be more than 0, got {self.resolution:g}")
        if self.replications < 2:
            raise ValueError(
                f"a level needs at least 2 replications for an interval, got {self.replications}"
            )
        if self.max_replications < self.replications:
            raise ValueError(
                f"max_replications ({self.max_replications}) is below replications ({self.replications})"
            )
        if not self.low <= self.high:
            raise ValueError(f"the search range [{self.low:g}, {self.high:g}] is empty")


@dataclass(frozen=True)
class SearchStep:
    """One judgement of the search, in order: the level, its evidence, and why it was judged."""

    step: int
    phase: str  # "bracket", "bisect", "confirm" (a screened answer on its full replications), "pair" (the
    # answer's neighbour topped up to the same replications)
    evidence: Evidence

    @property
    def decision(self) -> str:
        return "meets" if self.evidence.meets else ("close" if self.evidence.close else "fails")


@dataclass(frozen=True)
class SizeResult:
    """What the search found. `answer` is None when no level up to `high` meets every target (or the
    budget ran out before one was found); `below` is the evidence one resolution under the answer (None
    when the answer is the lowest level allowed). `status` is "found", "none meets", "none meets
    (flat)" (a target the input does not move), "budget", "lowest meets" or "screened" (not judged on
    full replications: `SizeSettings.settle`); `inversions` lists (lower
    level that meets, higher level that fails) pairs seen; `flat` the targets the input does not move.
    `reachable`, when some target is plainly out of the input's reach, is the same search with those
    targets left out: the smallest level meeting every target the input does move (its replications
    are counted in this result's `replications_spent`)."""

    path: str
    answer: float | None
    at_answer: Evidence | None
    below: Evidence | None
    steps: tuple[SearchStep, ...]
    replications_spent: int
    status: str
    inversions: tuple[tuple[float, float], ...] = ()
    paired: dict[str, Interval] = field(default_factory=dict)  # target column: answer − below, paired
    flat: tuple[TargetCheck, ...] = ()
    reachable: SizeResult | None = None

    @property
    def needed(self) -> float | None:
        """The level a planner reads: the answer, or, when some target is out of the input's reach, the
        smallest level meeting every target the input moves (`reachable`); None if neither exists."""
        if self.answer is not None or self.reachable is None:
            return self.answer
        return self.reachable.answer

    @property
    def out_of_reach(self) -> frozenset[str]:
        """The targets the input plainly cannot move (left out of `reachable`), by their names."""
        if self.reachable is None:
            return frozenset()
        return frozenset(c.target for c in self.flat if c.status == "not met")

    @property
    def levels_judged(self) -> int:
        steps = self.steps + (self.reachable.steps if self.reachable is not None else ())
        return len({s.evidence.level for s in steps})


class _Budget(Exception):
    pass


Make = Callable[[float], tuple[str, Scenario, int | None]]  # level -> (key, scenario, troops) to run


def make_of(scenario: Scenario, path: str) -> Make:
    """What a level of `path` runs: the swept force at `level` troops, or the scenario with the input
    at `path` set to `level`."""

    def make(level: float) -> tuple[str, Scenario, int | None]:
        if path == TROOPS:
            return level_label(level), scenario, int(level)
        return level_label(level), at_level(scenario, path, level), None

    return make


class _Search:
    def __init__(
        self,
        make: Make,
        source: ColumnSource,
        settings: SizeSettings,
        progress: Callable[[SearchStep], None] | None,
        ignore: frozenset[str] = frozenset(),
    ) -> None:
        self.make, self.source, self.s = make, source, settings
        self.progress = progress
        self.ignore = ignore  # targets left out of the verdicts (named by their target text)
        self.n: dict[float, int] = {}
        self.evidence: dict[float, Evidence] = {}
        self.steps: list[SearchStep] = []
        self.flat = False
        self.flat_checks: list[TargetCheck] = []
        # screening is worth it only where a close level could grow; once a screened answer has failed on
        # its full replications, the search goes on without it
        self.screen = settings.screen and settings.max_replications > settings.replications
        self.full: set[float] = set()  # levels judged on their full replications (grown while close)

    def grid(self, level: float) -> float:
        """`level` snapped down to the grid of multiples of the resolution, within the bounds."""
        r = self.s.resolution
        k = math.floor(level / r + 1e-9)
        value = round(k * r, 9)
        return min(max(value, self.lowest), self.highest)

    @property
    def lowest(self) -> float:
        r = self.s.resolution
        return round(math.ceil(self.s.low / r - 1e-9) * r, 9)

    @property
    def highest(self) -> float:
        r = self.s.resolution
        return round(math.floor(self.s.high / r + 1e-9) * r, 9)

    def columns(self, level: float, n: int) -> dict[str, np.ndarray]:
        if self.s.budget is not None:
            new = n - self.n.get(level, 0)
            if new > 0 and self.source.spent + new > self.s.budget:
                raise _Budget
        key, scenario, troops = self.make(level)
        cols = self.source(key, scenario, troops, n)
        self.n[level] = max(self.n.get(level, 0), n)
        return cols

    def judge(self, level: float, phase: str, n: int | None = None, grow: bool = True) -> Evidence:
        """Judge `level` on at least `n` (default the first round, or what it already has) replications,
        adding replications while the decision is close, up to max_replications (unless not `grow`)."""
        specs = [t for t in target_specs(self.make(level)[1]) if t.name not in self.ignore]
        want = max(n or 0, self.s.replications, self.n.get(level, 0))
        ev = judge(level, self.columns(level, want), specs)
        while grow and ev.close and ev.n < self.s.max_replications:
            ev = judge(level, self.columns(level, next_replications(ev, self.s.max_replications)), specs)
        if grow or not ev.close or ev.n >= self.s.max_replications:
            self.full.add(level)
        self.evidence[level] = ev
        step = SearchStep(len(self.steps) + 1, f"{phase}, input-bound" if self.ignore else phase, ev)
        self.steps.append(step)
        if self.progress:
            self.progress(step)
        return ev

    def look(self, level: float, phase: str, n: int | None = None) -> bool:
        """The search's verdict on the way: whether `level` meets, a level close on the first round taken
        to meet for now while screening (judged on `n` replications: never screened)."""
        if self.screen and n is None and level not in self.full:
            ev = self.judge(level, phase, grow=False)
            return ev.meets or (ev.close and level not in self.full)
        return self.judge(level, phase, n).meets

    def confirm(self, level: float) -> bool:
        """Whether `level`, taken to meet by the search, meets on its full replications; if it does not,
        the search goes on without screening."""
        if level in self.full:
            return self.evidence[level].meets
        if self.judge(level, "confirm").meets:
            return True
        self.screen = False
        return False

    def settled(self) -> dict[float, Evidence]:
        """The levels whose verdict is settled (not merely screened)."""
        return {lv: ev for lv, ev in self.evidence.items() if lv in self.full}

    def walk(self, level: float, up: bool, n: int | None = None) -> tuple[float | None, float | None]:
        """From `level` (judged already: failing when going up, meeting when going down), steps that
        double each time until the verdict turns: (lowest level seen to meet, highest seen to fail)."""
        r = self.s.resolution
        step = r
        if up:
            lo = level
            first = self.evidence[level]
            while lo < self.highest:
                nxt = min(self.highest, self.grid(lo + step))
                if self.look(nxt, "bracket", n):
                    return nxt, lo
                ev = self.evidence[nxt]
                lo, step = nxt, step * 2
                # a level still undecided at the cap: only replications could show it, not more input
                capped = ev.close and ev.n >= self.s.max_replications
                if nxt >= 2 * level + r and flat_failures(first, ev, capped):
                    self.flat = True
                    self.flat_checks = flat_failures(first, ev, capped)
                    return None, lo
            return None, lo
        hi = level
        while hi > self.lowest:
            nxt = max(self.lowest, self.grid(hi - step))
            if not self.look(nxt, "bracket", n):
                return hi, nxt
            hi, step = nxt, step * 2
        return hi, None

    def run(self) -> tuple[float | None, float | None, str]:
        """(lowest level known to meet, the level one resolution below it, status)."""
        r = self.s.resolution
        start = self.grid(self.s.start)
        hi, lo = self.walk(start, not self.look(start, "bracket"))
        while True:
            if hi is None:
                return None, lo, "none meets (flat)" if self.flat else "none meets"
            while lo is not None and hi - lo > r * (1 + 1e-9):
                mid = self.grid(lo + math.floor((hi - lo) / r / 2 + 1e-9) * r)
                if self.look(mid, "bisect"):
                    hi = mid
                else:
                    lo = mid
            if self.screen and not self.s.settle:
                return hi, lo, "screened"
            if not self.confirm(hi):  # screened, and failing on its full replications: the answer is above
                hi, lo = self.walk(hi, True)
                continue
            if lo is None:
                return hi, None, "lowest meets"
            # The answer and the level below on the same replications (paired): the one with fewer is
            # topped up; if that turns its verdict, the search walks on from there.
            turned = False
            while self.n[hi] != self.n[lo]:  # a level topped up may itself grow: until both are equal
                n = max(self.n[hi], self.n[lo])
                if self.n[lo] < n and self.judge(lo, "pair", n).meets:
                    hi, lo = self.walk(lo, False, n)
                    turned = True
                    break
                if self.n[hi] < n and not self.judge(hi, "pair", n).meets:
                    hi, lo = self.walk(hi, True, n)
                    turned = True
                    break
            if not turned:
                return hi, lo, "found"


def size_search(
    scenario: Scenario,
    source: ColumnSource,
    settings: SizeSettings,
    path: str = TROOPS,
    progress: Callable[[SearchStep], None] | None = None,
) -> SizeResult:
    """The smallest level of `path` (default the swept force's troops) meeting every target, each with 95%
    confidence, by bracketing and bisection on common random numbers (module docstring)."""
    return search_levels(make_of(scenario, path), source, settings, path, progress)


def search_levels(
    make: Make,
    source: ColumnSource,
    settings: SizeSettings,
    path: str,
    progress: Callable[[SearchStep], None] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> SizeResult:
    """`size_search` over any one-dimensional family of scenarios: `make(level)` says what runs;
    targets named in `ignore` are left out of every verdict (known to be out of reach already).

    When the search stops because a target is plainly missed whatever the level ("none meets (flat)"),
    it is run again without those targets (the replications already run are reused) so that the
    planner also reads what the input can buy: `reachable`."""
    result = _search_once(make, source, settings, path, progress, ignore)
    out_of_reach = frozenset(c.target for c in result.flat if c.status == "not met")
    if result.status != "none meets (flat)" or not out_of_reach:
        return result
    reachable = _search_once(make, source, settings, path, progress, ignore | out_of_reach)
    return replace(result, reachable=reachable, replications_spent=reachable.replications_spent)


def _search_once(
    make: Make,
    source: ColumnSource,
    settings: SizeSettings,
    path: str,
    progress: Callable[[SearchStep], None] | None,
    ignore: frozenset[str],
) -> SizeResult:
    search = _Search(make, source, settings, progress, ignore)
    try:
        hi, lo, status = search.run()
    except _Budget:
        settled = search.settled()
        meeting = sorted(lv for lv, ev in settled.items() if ev.meets)
        hi = meeting[0] if meeting else None
        failing = [lv for lv, ev in settled.items() if not ev.meets and (hi is None or lv < hi)]
        lo = max(failing) if failing else None
        status = "budget"
    at = search.evidence.get(hi) if hi is not None else None
    below = search.evidence.get(lo) if lo is not None else None
    paired: dict[str, Interval] = {}
    if hi is not None and lo is not None and at is not None and below is not None and at.n == below.n:
        paired = _paired(search, hi, lo, at.n)
    return SizeResult(
        path,
        hi,
        at,
        below,
        tuple(search.steps),
        search.source.spent,
        status,
        find_inversions(search.settled()),
        paired,
        tuple(search.flat_checks),
    )


def _paired(search: _Search, hi: float, lo: float, n: int) -> dict[str, Interval]:
    """Each target column's paired difference (answer − level below) on their common replications."""
    from sim.stats import paired_difference

    a = search.columns(lo, n)
    b = search.columns(hi, n)
    specs = target_specs(search.make(hi)[1])
    return {
        s.column: paired_difference(a[s.column], b[s.column])
        for s in specs
        if s.column in a and s.column in b
    }


def flat_failures(first: Evidence, last: Evidence, undecided: bool = False) -> list[TargetCheck]:
    """The targets plainly missed at `last` (the estimate itself misses; with `undecided`, also those
    the replications cannot show) with the very same estimate as at `first`, a level at most half as
    high: more of the input does not move them."""
    before = {c.metric: c for c in first.checks}
    statuses = ("not met", "undecided") if undecided else ("not met",)
    out = []
    for c in last.checks:
        b = before.get(c.metric)
        if c.status in statuses and b is not None and not b.met and abs(b.estimate - c.estimate) <= 1e-12:
            out.append(c)
    return out


def find_inversions(evidence: dict[float, Evidence]) -> tuple[tuple[float, float], ...]:
    """(a, b) for every level a that meets below a level b that fails, among the levels judged."""
    levels = sorted(evidence)
    out = []
    for i, a in enumerate(levels):
        if evidence[a].meets:
            out += [(a, b) for b in levels[i + 1 :] if not evidence[b].meets]
    return tuple(out)


def describe_evidence(ev: Evidence) -> str:
    """One line: `600: meets every target on 40 replications`, `595: post coverage ≥ 97% not met on 40
    replications (...)`, or `... undecided on ...` where its interval straddles the limit."""
    label = level_label(ev.level)
    if ev.meets:
        return f"{label}: meets every target on {ev.n} replications"
    c = ev.failing
    assert c is not None
    verdict = "undecided" if c.status == "undecided" else "not met"  # the first target missed, as judged
    said = f"{c.describe()}; estimate {fmt_value(c.metric, c.estimate)}"
    if verdict == "undecided" and ev.needed:
        said += f"; about {ev.needed:,} replications would settle it"
    return f"{label}: {c.target} {verdict} on {ev.n} replications ({said})"


def search_table(result: SizeResult) -> list[dict[str, Any]]:
    """The search path as rows: step, phase, level, replications, P(all met) with its CI, decision and
    the first target missed; the steps of the search without the out-of-reach targets follow (their
    phase says "input-bound"), numbered on."""
    return steps_table(list(result.steps) + (list(result.reachable.steps) if result.reachable else []))


def steps_table(steps: Sequence[SearchStep]) -> list[dict[str, Any]]:
    """Search steps as rows, numbered from 1 (`search_table`'s columns)."""
    rows = []
    for i, s in enumerate(steps, start=1):
        ev = s.evidence
        c = ev.failing
        rows.append(
            {
                "step": i,
                "phase": s.phase,
                "level": level_label(ev.level),
                "replications": ev.n,
                "p_all_met": ev.all_met.mean,
                "p_all_met_low": ev.all_met.ci_low,
                "p_all_met_high": ev.all_met.ci_high,
                "decision": s.decision,
                "failing_target": "" if c is None else c.target,
                "failing_bound": "" if c is None else c.value,
            }
        )
    return rows
