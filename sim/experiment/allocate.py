"""`allocate`: the swept force's pools (city × role) as decision variables.

A split gives each pool its people (the force's `pools`, exact numbers); the scenario's fixed shares are
one split among many. Two questions:

Aircraft types with dedicated aircrews (`aircraft_types.X.aircrew.crews`) add their crews as decision
variables too: units outside the force, sized alike (at least one) but not counted in its troops, and
left as the scenario has them when a total is split.

- **the smallest total and its split** meeting every target, each with 95% confidence. `size` with the fixed
  shares gives a total T0 and its split B0, which meets. Then every pool is sized at once: each look is
  one split on the first round, every pool still searching at its next probe (down from B0 in steps
  that double while it passes, then bisecting) and every other pool at the lowest level it has passed
  at. A probe fails when the split plainly misses a target that points at the probe's pool: a post
  target at the pools of the posts that miss it, an escort or response target at security in its city
  (`sim.experiment.culprits`, read from the per-post columns and the scenario); a missed target that
  points at no pool (an aircraft or fuel one) sends each probe to a look of its own, the others back
  where they passed. So one look moves every pool, where a search per pool took one look per pool.
  Close counts as passing (screening), so the minima are candidates, not verdicts: they are judged
  together on full replications, and while they miss a target, a pool the missed target points at (any
  pool, if it points at none) whose step up improves the missed target's column most on the same
  replications (the paired difference; every candidate looked at on the first round, the most
  promising judged on the current split's replications) gets a step more (greedy repair). A split that
  would not need fewer troops than T0 (nor, at T0, fewer aircrews) is not returned: the fixed shares
  stand, and the answer says so.
- **given a total N, the split maximising P(every target met)** (in one replication, the planner's
  odds for one summit; ties broken by the targets met with 95% confidence, then by the worst target's
  slack). It starts from the fixed shares at N, and from the minimal split grown to N when that fits,
  keeps the better, then moves `step` people from the pool that loses least to the pool that gains
  most while that improves the score on the same replications. It is never worse than the fixed shares
  on those replications, by construction.

Every split returned is judged again on fresh replications (another seed): a split that misses a target
there gets repair steps judged on that seed (then on the search's replications again, if those steps
cost it a target there) and is verified again on a new one, so what is returned has met every target on
the search's replications and on replications that chose nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.experiment.culprits import Blame
from sim.experiment.search import (
    ColumnSource,
    Evidence,
    SearchStep,
    SizeResult,
    SizeSettings,
    judge,
    next_replications,
    size_search,
)
from sim.experiment.vary import TROOPS
from sim.metrics import target_specs
from sim.model.workforce import pools_at
from sim.numbers import fmt_value
from sim.scenario import Scenario
from sim.scenario.loader import scenario_data, scenario_from_data
from sim.stats import TargetCheck

__all__ = [
    "AllocateResult",
    "AllocateSettings",
    "Pool",
    "Split",
    "allocate",
    "crews_of",
    "fixed_split",
    "score",
    "split_label",
    "split_scenario",
    "troops_of",
]

Pool = tuple[str, str]  # (city, role), or ("aircrew", aircraft type): that type's crews
Split = dict[Pool, int]
AIRCREW = "aircrew"


def troops_of(split: Split) -> int:
    """The people of a split: its pools, not its aircrew units (crews are units outside the force)."""
    return sum(n for p, n in split.items() if p[0] != AIRCREW)


def crews_of(s: Scenario) -> Split:
    """The aircrew units of each aircraft type that has them: ("aircrew", type) -> crews."""
    return {(AIRCREW, t): a.aircrew.crews for t, a in s.aircraft_types.items() if a.aircrew is not None}


def pool_name(p: Pool) -> str:
    return f"{p[0]}.{p[1]}"


def split_label(split: Split) -> str:
    """A split as text: `lima.security=300,lima.aviation=40,...` (pools in the scenario's order)."""
    return ",".join(f"{pool_name(p)}={n}" for p, n in split.items())


def fixed_split(s: Scenario, total: int) -> Split:
    """The swept force's pools at `total` people with the scenario's own shares (and the scenario's
    aircrew units, if any)."""
    name = _swept(s)
    return {(c, r): n for (c, r), n in pools_at(s.forces[name], total).items()} | crews_of(s)


def _swept(s: Scenario) -> str:
    name = s.swept_force
    if name is None:
        raise ValueError("`allocate` needs a force marked `swept: true` in the scenario")
    return name


def split_scenario(s: Scenario, split: Split) -> Scenario:
    """The scenario with the swept force given exactly `split` (its `pools`), its headcount their sum,
    and each aircraft type its aircrew units; strength steps over time are scaled by the same factor as
    the headcount."""
    name = _swept(s)
    data = scenario_data(s)
    force = dict(data["forces"][name])
    old = s.forces[name].headcount
    total = troops_of(split)
    for key in ("cities", "roles", "city_roles", "pools"):
        force.pop(key, None)
    pools: dict[str, dict[str, int]] = {}
    for (city, role), n in split.items():
        if city == AIRCREW:
            kind = dict(data["aircraft_types"][role])
            kind["aircrew"] = dict(kind["aircrew"], crews=n)
            data["aircraft_types"] = dict(data["aircraft_types"]) | {role: kind}
            continue
        pools.setdefault(city, {})[role] = n
    force["pools"] = pools
    force["headcount"] = total
    if force.get("strength"):
        f = total / old if old else 0.0
        force["strength"] = [dict(st, headcount=round(st["headcount"] * f)) for st in force["strength"]]
    data["forces"] = dict(data["forces"]) | {name: force}
    return scenario_from_data(data, f"<{s.name} split>")


def score(ev: Evidence) -> tuple[float, int, float, float]:
    """How good a split is on its replications: P(every target met in a replication), then the targets
    met with 95% confidence, then the summed shortfall of the targets missed and then the worst target's
    slack (each its checked bound past the limit, relative to the limit)."""
    rooms = []
    for c in ev.checks:
        if c.n == 0:
            continue
        room = (c.value - c.limit) if c.bound == "ci_low" else (c.limit - c.value)
        rel = room / max(abs(c.limit), 1e-9)
        rooms.append(rel if not math.isnan(rel) else -math.inf)
    short = sum(min(r, 0.0) for r in rooms)
    return (ev.all_met.mean, sum(c.met for c in ev.checks), short, min(rooms, default=math.inf))


@dataclass(frozen=True)
class AllocateSettings:
    """`replications` per first judgement, a close one growing up to `max_replications` (default: no
    growth; with `total`, never: splits are scored on the same replications); the pools' `step` (people)
    for bisection and moves, `repair_step` for repairs (default `step`); `budget` on the fixed-shares
    size search (None: no cap); `total` (None: the smallest total); the `resolution` of the fixed-shares size;
    `rounds` of moves with a total; `verify_tries` fresh seeds at most for verification."""

    replications: int
    max_replications: int | None = None
    step: int = 1
    repair_step: int | None = None
    budget: int | None = None
    total: int | None = None
    resolution: float = 5
    rounds: int = 20
    verify_tries: int = 3


@dataclass(frozen=True)
class AllocateResult:
    """The split found and the evidence: `fixed_needed` is the troops `size` needs with the fixed
    shares (T0) and `fixed` their split; `split` the split returned and `evidence` its judgement on the
    search's replications, `verification` on fresh ones (seed given by `verified_seed`); `fixed_at_total`
    the fixed shares' judgement at the total asked (with `total`); `out_of_reach` the targets no number
    of troops meets (`size` found them flat), left out of every judgement here, `fixed_needed` included."""

    split: Split
    evidence: Evidence
    verification: Evidence | None
    verified_seed: int | None
    fixed: Split
    fixed_needed: int | None
    size: SizeResult | None
    fixed_at_total: Evidence | None
    per_pool: dict[Pool, int]
    notes: tuple[str, ...]
    out_of_reach: frozenset[str] = frozenset()
    steps: tuple[SearchStep, ...] = ()
    spent: int = 0
    history: list[tuple[str, str, float]] = field(default_factory=list)  # (phase, split, P(all met))

    @property
    def total(self) -> int:
        return troops_of(self.split)

    @property
    def saved(self) -> int | None:
        """Troops saved against the fixed shares' answer (smallest-total mode)."""
        return None if self.fixed_needed is None else self.fixed_needed - self.total


class _Judge:
    """Judges splits on one ColumnSource, remembering each split's evidence."""

    def __init__(
        self,
        s: Scenario,
        source: ColumnSource,
        n: int,
        cap: int | None = None,
        ignore: frozenset[str] = frozenset(),
    ) -> None:
        self.s, self.source, self.n, self.cap = s, source, n, cap or n
        self.ignore = ignore  # targets no split can meet (out of the troops' reach): left out
        self.seen: dict[str, Evidence] = {}
        self.cols: dict[str, dict[str, np.ndarray]] = {}

    def __call__(self, split: Split) -> Evidence:
        label = split_label(split)
        if label not in self.seen:
            scen = split_scenario(self.s, split)
            specs = [t for t in target_specs(scen) if t.name not in self.ignore]
            cols = self.source("split:" + label, scen, None, self.n)
            ev = judge(troops_of(split), cols, specs)
            while ev.close and ev.n < self.cap:
                cols = self.source("split:" + label, scen, None, next_replications(ev, self.cap))
                ev = judge(troops_of(split), cols, specs)
            self.cols[label] = cols
            self.seen[label] = ev
        return self.seen[label]

    def look(self, split: Split, n: int | None = None) -> tuple[Evidence, dict[str, np.ndarray]]:
        """A split on `n` replications (default the first round), never grown while close (or on what it
        has been judged on already, if at least that), and its columns: the verdict a repair steers by."""
        label = split_label(split)
        n = n or self.n
        if label in self.seen and self.seen[label].n >= n:
            return self.seen[label], self.cols[label]
        scen = split_scenario(self.s, split)
        specs = [t for t in target_specs(scen) if t.name not in self.ignore]
        cols = self.source("split:" + label, scen, None, n)
        return judge(troops_of(split), cols, specs), cols


SHORTLIST = 3  # repair candidates compared on the current split's full replications


def _step_gain(
    judge_: _Judge, cand: Split, base: np.ndarray | None, missed: TargetCheck, n: int | None = None
) -> tuple[Evidence, float]:
    """A repair candidate on `n` replications: its evidence there, and the paired gain on the missed
    target's column against the current split's `base` values, in the target's direction."""
    cev, ccols = judge_.look(cand, n)
    cols = ccols.get(missed.metric)
    gain = 0.0
    if base is not None and cols is not None:
        m = min(len(base), len(cols))  # their common replications: the difference is paired
        with np.errstate(invalid="ignore"):
            d = cols[:m] - base[:m]
        d = d[~np.isnan(d)]
        gain = float(d.mean()) if d.size else 0.0
        gain = gain if missed.bound == "ci_low" else -gain
    return cev, gain


def _promise(step: tuple[Evidence, float]) -> tuple[float, float]:
    """How a repair candidate ranks: meeting (or close) first, then by its gain."""
    ev, gain = step
    return float(ev.meets or ev.close), gain


def _repair(
    split: Split, judge_: _Judge, step: int, pools: list[Pool], blame: Blame, limit: int = 200
) -> Split:
    """Add `step` people at a time to the pool whose step up moves the first missed target's column most
    (paired difference of the means on the same replications) until every target is met; the candidates
    are the pools the missed target points at (`Blame`), or every pool if it points at none. Every
    candidate is looked at on the first round (meeting, or close there, first; then the gain); the
    `SHORTLIST` best are then judged, in that order, on all the replications the current split has: the
    first that meets every target there is taken, else the best of them on those replications (a gain
    on the first round alone is too noisy to steer by: a pool with no effect can win on it step after
    step)."""
    current = dict(split)
    for _ in range(limit):
        ev = judge_(current)
        if ev.meets:
            return current
        missed = ev.failing
        assert missed is not None
        cols = judge_.cols[split_label(current)]
        base = cols.get(missed.metric)
        # the pools the missed target points at can mend it (sim.experiment.culprits); else any may
        blamed = blame(missed.metric, missed.limit, cols) or frozenset()
        cands = []
        for p in [p for p in pools if p in blamed] or pools:
            cand = dict(current)
            cand[p] += 1 if p[0] == AIRCREW else step
            cands.append(cand)
        first = {split_label(c): _promise(_step_gain(judge_, c, base, missed)) for c in cands}
        shortlist = sorted(cands, key=lambda c: first[split_label(c)], reverse=True)[:SHORTLIST]
        judged: list[tuple[tuple[float, float], Split]] = []
        for cand in shortlist:  # most promising first: one that meets ends the repair at this total
            tried = _step_gain(judge_, cand, base, missed, ev.n)
            if tried[0].meets:
                judged = [((math.inf, math.inf), cand)]
                break
            judged.append((_promise(tried), cand))
        current = max(judged, key=lambda t: t[0])[1]
    return current


def _saves(split: Split, fixed: Split) -> bool:
    """Whether `split` needs fewer troops than the fixed shares, or as many and fewer aircrews of some
    type without more of any (crews are units outside the troops, but units all the same)."""
    if troops_of(split) != troops_of(fixed):
        return troops_of(split) < troops_of(fixed)
    crews = [p for p in split if p[0] == AIRCREW]
    return all(split[p] <= fixed[p] for p in crews) and any(split[p] < fixed[p] for p in crews)


def _pool_minima(
    fixed: Split,
    pools: list[Pool],
    judge_: _Judge,
    step: int,
    budget: int | None,
    blame: Blame,
    progress: Callable[[SearchStep], None] | None = None,
) -> tuple[Split, list[SearchStep]]:
    """Each pool's smallest number, the pools searched together: every look is one split on the first
    round, each pool still searching at its next probe (down from the fixed shares in steps that double
    while it passes, then bisecting between the lowest it passed at and the highest it failed at), every
    other pool at the lowest it passed at. A probe fails when the split plainly misses a target that
    points at its pool (`Blame`); a missed target that points at no pool sends each probe to a look of
    its own. Close counts as passing (screening): the minima are candidates for `_repair`."""
    hi = dict(fixed)  # the lowest level each pool passed at
    lo: dict[Pool, int] = {}  # the highest it failed at
    unit = {p: 1 if p[0] == AIRCREW else step for p in pools}  # crews: at least one, in steps of one
    floor = {p: 1 if p[0] == AIRCREW else 0 for p in pools}
    stride = dict(unit)
    steps: list[SearchStep] = []

    def look(split: Split, phase: str) -> tuple[Evidence, dict[str, np.ndarray]]:
        ev, cols = judge_.look(split)
        steps.append(SearchStep(len(steps) + 1, phase, ev))
        if progress:
            progress(steps[-1])
        return ev, cols

    while True:
        probe: Split = {}
        for p in pools:
            if fixed[p] == 0:
                continue
            if p not in lo and hi[p] > floor[p]:
                probe[p] = max(floor[p], hi[p] - stride[p])
            elif p in lo and hi[p] - lo[p] > unit[p]:
                probe[p] = lo[p] + max(1, (hi[p] - lo[p]) // unit[p] // 2) * unit[p]
        if not probe or (budget is not None and judge_.source.spent + judge_.n > budget):
            return hi, steps
        ev, cols = look(hi | probe, "pools")
        failed: set[Pool] = set()
        if not (ev.meets or ev.close):
            pointed = [blame(c.metric, c.limit, cols) for c in ev.checks if c.status == "not met"]
            failed = {p for p in probe if any(b is not None and p in b for b in pointed)}
            if any(b is None for b in pointed):  # a target that points at no pool: each probe alone
                for p in probe:
                    if p not in failed:
                        alone, _ = look(hi | {p: probe[p]}, f"pool {pool_name(p)}")
                        if not (alone.meets or alone.close):
                            failed.add(p)
        for p, level in probe.items():
            if p in failed:
                lo[p] = level
            else:
                hi[p] = level
                if p not in lo:
                    stride[p] *= 2


_SEEN_AS = {  # the whole-event column that shows what a kind of demand lost, and its name
    "aircraft": ("air_coverage", "air coverage"),
    "fuel trucks": ("fuel_outage_h", "fuel outage"),
}


def emptied_pools(split: Split, fixed: Split, blame: Blame, cols: dict[str, np.ndarray]) -> list[str]:
    """A note for each pool the split leaves with no one where the fixed shares had people, naming the
    demands that draw on it and, where the split's replications `cols` show it, what they got. The split
    is judged on the targets alone: a demand that no target names may be left to other forces or undone,
    and the planner must see that it was."""
    notes = []
    for pool in sorted(p for p, n in split.items() if p[0] != AIRCREW and n == 0 and fixed.get(p, 0) > 0):
        drawing = blame.drawing_on(pool)
        if not drawing:
            continue
        shown = []
        for kind, names in drawing.items():
            got = ""
            if kind == "posts":
                got = ", ".join(
                    f"{n} {fmt_value('post_coverage', float(np.nanmean(cols[c])))}"
                    for n in names
                    if (c := f"post_coverage[post={n}]") in cols and not np.all(np.isnan(cols[c]))
                )
            elif (
                kind in _SEEN_AS
                and _SEEN_AS[kind][0] in cols
                and not np.all(np.isnan(cols[_SEEN_AS[kind][0]]))
            ):
                col, what = _SEEN_AS[kind]
                got = f"{what} {fmt_value(col, float(np.nanmean(cols[col])))} at this split"
            shown.append(
                f"{kind} {', '.join(names)}"
                + (f" ({'coverage: ' if kind == 'posts' else ''}{got})" if got else "")
            )
        notes.append(
            f"{pool[0]}.{pool[1]} is left with no one (the fixed shares give it {fixed[pool]}), yet "
            f"{'; '.join(shown)} draw on it: no target names them, so the split is not judged on what "
            "they lose; add a target if they matter"
        )
    return notes


def allocate(
    s: Scenario,
    source: ColumnSource,
    fresh: Callable[[int], ColumnSource],
    settings: AllocateSettings,
    seed: int,
    progress: Callable[[SearchStep], None] | None = None,
) -> AllocateResult:
    """The split (module docstring). `source` runs the search's replications; `fresh(seed)` gives a
    ColumnSource on another seed for verification."""
    name = _swept(s)
    n = settings.replications
    notes: list[str] = []
    # replications grow at close judgements only for the smallest total: with a total, splits are scored
    # against each other, on the same replications
    grow = max(settings.max_replications or n, n)  # the fixed shares' size grows close levels either way
    cap = grow if settings.total is None else n
    pools = list(fixed_split(s, max(s.forces[name].headcount, 1)))
    repair_step = settings.repair_step or settings.step
    # the fixed shares' answer: size on the same replications
    size_settings = SizeSettings(settings.resolution, n, grow, settings.budget, s.forces[name].headcount)
    sized = size_search(s, source, size_settings, TROOPS, progress)
    steps = list(sized.steps) + (list(sized.reachable.steps) if sized.reachable is not None else [])
    # A target that no number of troops moves (found flat by `size`) cannot be met by any split of them
    # either: the splits are judged on every other target, and the answer says so.
    ignore = sized.out_of_reach
    if ignore:
        notes.append(
            "not met by any number of troops, so left out of every split's judgement: "
            + "; ".join(sorted(ignore))
        )
    judge_ = _Judge(s, source, n, cap, ignore)
    blame = Blame.of(s, name)
    fixed_needed = None if sized.needed is None else int(sized.needed)
    history: list[tuple[str, str, float]] = []
    if settings.total is None:
        if fixed_needed is None:
            raise ValueError(
                f"no level up to the search's bound meets every target with the fixed shares "
                f"({sized.status}): there is no split to start from"
            )
        fixed = fixed_split(s, fixed_needed)
        per_pool, pool_steps = _pool_minima(
            fixed, pools, judge_, settings.step, settings.budget, blame, progress
        )
        steps += pool_steps
        split = _repair(per_pool, judge_, repair_step, pools, blame)
        history.append(("minimal", split_label(split), judge_(split).all_met.mean))
        if not _saves(split, fixed):
            notes.append(
                f"the pools sized together and repaired need {troops_of(split)} troops, not "
                f"fewer than the {fixed_needed} of the fixed shares"
                + (" (nor fewer aircrews)" if crews_of(s) else "")
                + ": the fixed shares stand"
            )
            split = fixed
        fixed_at_total = None
    else:
        total = settings.total
        fixed = fixed_split(s, total)
        per_pool = {}
        best = fixed
        best_ev = judge_(fixed)
        fixed_at_total = best_ev
        history.append(("fixed shares", split_label(fixed), best_ev.all_met.mean))
        people = [p for p in pools if p[0] != AIRCREW]  # the crews stay as the scenario has them
        for rnd in range(settings.rounds):
            gains: list[tuple[tuple[float, int, float, float], Pool]] = []
            losses: list[tuple[tuple[float, int, float, float], Pool]] = []
            for p in people:
                up = dict(best) | {p: best[p] + settings.step}
                gains.append((score(judge_(up)), p))
                if best[p] >= settings.step:
                    down = dict(best) | {p: best[p] - settings.step}
                    losses.append((score(judge_(down)), p))
            gains.sort(key=lambda t: t[0], reverse=True)
            losses.sort(key=lambda t: t[0], reverse=True)
            moved = False
            for _, to in gains[:2]:
                for _, frm in losses[:2]:
                    if to == frm:
                        continue
                    cand = dict(best) | {to: best[to] + settings.step, frm: best[frm] - settings.step}
                    cev = judge_(cand)
                    if score(cev) > score(best_ev):
                        best, best_ev, moved = cand, cev, True
                        history.append((f"move {rnd + 1}", split_label(cand), cev.all_met.mean))
                        break
                if moved:
                    break
            if not moved:
                break
        split = best
    # verification on fresh replications
    verification = None
    verified_seed = None
    for k in range(1, settings.verify_tries + 1):
        verified_seed = seed + k
        vjudge = _Judge(s, fresh(verified_seed), cap, cap, ignore)
        verification = vjudge(split)
        if verification.meets or settings.total is not None:
            break
        notes.append(
            f"the split missed {verification.failing.target if verification.failing else '?'} on "
            f"fresh replications (seed {verified_seed}): repaired on them and verified again"
        )
        split = _repair(split, vjudge, repair_step, pools, blame)
        # and still meeting on the search's replications: a step taken for one set of replications can
        # cost another (strength steps scale with the total, so a pool's step moves them all)
        split = _repair(split, judge_, repair_step, pools, blame)
    if verification is not None and not verification.meets and settings.total is None:
        notes.append(
            "the split still misses a target on fresh replications after the repairs: use "
            "more replications (-n)"
        )
    ev = judge_(split)
    notes += emptied_pools(split, fixed, blame, judge_.cols.get(split_label(split), {}))
    return AllocateResult(
        split,
        ev,
        verification,
        verified_seed,
        fixed,
        fixed_needed,
        sized,
        fixed_at_total,
        per_pool,
        tuple(notes),
        ignore,
        tuple(steps),
        source.spent,
        history,
    )
