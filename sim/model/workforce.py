"""People on duty: a force's headcount split over cities and roles, crews, shifts and absences."""

from __future__ import annotations

import bisect
import datetime as dt
import math

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import Recorder
from sim.model.simpy_compat import call_soon
from sim.model.timeline import Clock
from sim.scenario.pools import apportion, crew_sizes, pools_at, pools_of
from sim.scenario.schema import Force, ShiftPattern

__all__ = [
    "apportion",
    "crew_sizes",
    "outbreak_days",
    "pools_at",
    "pools_of",
    "shift_rotation",
    "shifts",
    "strength_by_time",
]


def strength_by_time(force: Force, clock: Clock) -> list[tuple[float, dict[tuple[str, str], int]]]:
    """The force's (city, role) pools as a step function of model hours: [(from_h, pools), ...], the
    first from minus infinity."""
    steps = [(-math.inf, pools_at(force, force.headcount))]
    steps += [(clock.hours(st.from_), pools_at(force, st.headcount)) for st in force.strength]
    return steps


def binomial_ppf(u: np.ndarray, n: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """Smallest k in 0..n with P(Binomial(n, p) <= k) >= u (n if none), elementwise: inverse-CDF draws.

    The CDF is scipy.special.bdtr throughout. The search starts from the normal approximation with its
    skewness correction (Cornish-Fisher), nearly always the answer or next to it, and keeps the answer
    in (lo, hi]: steps doubling away from the start until one passes the answer, then bisection. The
    cost grows with the log of the guess's error at worst, not with the n * p absences that counting
    up from 0 would step through; and it takes no root-finding (`bdtrik`, whose cost grew with n and
    was half of the draw's at ten million people).
    """
    from scipy import special  # imported here: scipy.special costs ~0.3 s at start-up

    u, n, p = np.broadcast_arrays(np.asarray(u, float), np.asarray(n, int), np.asarray(p, float))
    q = 1 - p
    with np.errstate(invalid="ignore", divide="ignore"):
        z = special.ndtri(u)  # -inf at u = 0
        guess = n * p + z * np.sqrt(n * p * q) + (z * z - 1) * (q - p) / 6 - 0.5
    guess = np.nan_to_num(guess, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = np.full(n.shape, -1), n.copy()  # the answer is in (lo, hi]: bdtr(lo) < u <= bdtr(hi)
    probe = np.clip(np.ceil(guess), 0, np.maximum(n - 1, 0)).astype(int)
    step = np.ones(n.shape, dtype=int)
    down = np.zeros(n.shape, dtype=bool)  # whether the steps go down (the CDF reached u at the start)
    doubling = np.ones(n.shape, dtype=bool)  # no step has passed the answer yet
    first = True
    while np.any(todo := hi - lo > 1):
        if not first:
            far = np.where(down, hi - step, lo + step)
            probe = np.where(doubling, far, (lo + hi) // 2)
            probe = np.minimum(np.maximum(probe, lo + 1), hi - 1)  # strictly inside (lo, hi)
            step = step * 2
        probe = np.where(todo, probe, hi)
        at = special.bdtr(probe, n, p) >= u
        if first:
            down, first = at, False
        else:
            doubling &= at == down
        hi = np.where(todo & at, probe, hi)
        lo = np.where(todo & ~at, probe, lo)
    return hi


def shifts(pattern: ShiftPattern, clock: Clock) -> list[tuple[float, float, int]]:
    """Every shift of the run as (start_h, leave_h, crew index), in order of start (crew on ties).

    `continuous` is one shift for the whole run. `12on12off` and `8h3crew` are a grid of shifts every
    shift length, aligned on `first_start`, their crews numbered from the first shift of the run. A
    rotation gives, for each crew and local date, the shift it works that date (counted from
    `cycle_start`, default the scenario's first date) or a rest day.
    """
    horizon = clock.horizon_h
    if pattern.continuous:
        return [(0.0, horizon, 0)]
    length = pattern.length_h
    first = pattern.first_start.hour + pattern.first_start.minute / 60
    if pattern.rotation is None and pattern.name in ("12on12off", "8h3crew"):
        offset = (first - clock.hour_of_day(0.0)) % length
        t0 = offset - length if offset > 0 else 0.0
        starts = [float(x) for x in np.arange(t0, horizon, length)]
        return [(st, min(horizon, st + length), i % pattern.crews) for i, st in enumerate(starts)]
    days = pattern.days
    cycle = len(days[0])
    day0 = clock.start.date()
    cycle_start = pattern.cycle_start or day0
    last = clock.local(horizon).date()
    out = []
    date = day0 - dt.timedelta(days=1)  # a shift starting the day before may run into the first day
    while date <= last:
        k = (date - cycle_start).days % cycle
        for c, crew in enumerate(days):
            ch = crew[k]
            if ch == "-":
                continue
            local = dt.datetime.combine(date, pattern.first_start) + dt.timedelta(
                hours=(int(ch) - 1) * length
            )
            st = clock.hours(local)
            if st + length > 0 and st < horizon:
                out.append((st, min(horizon, st + length), c))
        date += dt.timedelta(days=1)
    out.sort()
    return out


def outbreak_days(force: Force, clock: Clock, rng: np.random.Generator) -> set[int]:
    """Days of the run (0 = the first local date) inside an outbreak: each day one starts with
    `prob_per_day`, lasting `days` days. One uniform per day, so the days do not depend on headcount."""
    ob = force.outbreak
    if ob is None:
        return set()
    n_days = (clock.local(clock.horizon_h).date() - clock.start.date()).days + 1
    starts = np.flatnonzero(rng.random(n_days) < ob.prob_per_day)
    return {int(d) + k for d in starts for k in range(ob.days) if int(d) + k < n_days}


def shift_rotation(
    env: simpy.Environment,
    board: CityBoard,
    force_name: str,
    force: Force,
    role: str,
    clock: Clock,
    rng: np.random.Generator,
    rec: Recorder,
    outbreak: set[int] | None = None,
    strength_clock: Clock | None = None,
    planned: list[tuple[float, float, int]] | None = None,
) -> ProcessGenerator:
    """Bring crews on and off duty for the whole run, drawing each shift's absences.

    The crews of a shift split the (city, role) pool of the force's strength at that shift's start;
    the incoming crew arrives `handover_min` early, so the two overlap. Absences are binomial per
    shift (with the outbreak's extra absence on outbreak days), drawn by inverse CDF from one uniform
    per shift, so that on common random numbers a larger crew never has fewer people present than a
    smaller one. Shifts (and outbreak days) are read on `clock`, the city's own; the force's strength
    steps on `strength_clock` (the scenario's; default `clock`), as they concern the whole force.
    `planned` is `shifts(force.shift, clock)` where the caller has it already.
    """
    pattern = force.shift
    city = board.city
    handover = pattern.handover_min / 60
    cap = math.inf if pattern.max_holdover_h is None else pattern.max_holdover_h
    plan = shifts(pattern, clock) if planned is None else planned
    steps = strength_by_time(force, clock if strength_clock is None else strength_clock)
    sizes_at = [crew_sizes(pools.get((city, role), 0), pattern.crews) for _, pools in steps]
    step_from = [t for t, _ in steps]
    n = np.array(
        [sizes_at[bisect.bisect_right(step_from, max(st, 0.0)) - 1][c] for st, _, c in plan], dtype=int
    )
    u = rng.random(len(plan))
    p: float | np.ndarray = force.absence_prob
    if outbreak and force.outbreak is not None:
        day0 = clock.start.date()
        hit = np.array([(clock.local(max(st, 0.0)).date() - day0).days in outbreak for st, _, _ in plan])
        p = np.where(
            hit, 1 - (1 - force.absence_prob) * (1 - force.outbreak.absence_prob), force.absence_prob
        )
    absent = np.zeros(len(plan), dtype=int)
    if np.any(p):
        absent = binomial_ppf(u, n, p)
    horizon = clock.horizon_h
    fresh_first = pattern.teams_from == "fresh_first"
    # Python ints from here: numpy scalar arithmetic costs several times as much, once per shift
    for (st, leave, c), present, away in zip(plan, (n - absent).tolist(), absent.tolist(), strict=True):
        arrive = max(0.0, st - handover)
        if arrive > env.now:
            yield env.timeout(arrive - env.now)
        label = f"crew {c + 1}"
        board.crew_on(force_name, role, label, present, leave, cap, fresh_first)
        if rec.trace:
            rec.log(
                env.now, "shift", city, "", f"{force_name}.{role}",
                f"{label} on until {clock.local(leave):%m-%d %H:%M}: {present} present, {away} absent",
            )  # fmt: skip
        if leave < horizon:
            call_soon(env, _OffDuty(env, board, force_name, role, label, leave, rec).schedule)


class _OffDuty:
    """A crew going off duty at `leave`, in two events where a process would take three and a generator.

    `schedule` runs where the process's first step would (`call_soon`), so its timeout takes the same
    place among same-time events; `go` runs when it fires, as the process's second step would.
    """

    def __init__(
        self, env: simpy.Environment, board: CityBoard, force: str, role: str, crew: str, leave: float,
        rec: Recorder,
    ) -> None:  # fmt: skip
        self.env, self.board, self.force, self.role, self.crew = env, board, force, role, crew
        self.leave, self.rec = leave, rec

    def schedule(self, _: simpy.Event) -> None:
        self.env.timeout(self.leave - self.env.now).callbacks.append(self.go)

    def go(self, _: simpy.Event) -> None:
        board = self.board
        off = board.crew_off(self.force, self.role, self.crew)
        if off is None:  # the same crew's next shift follows straight on
            return
        leaving, held = off
        if self.rec.trace:
            detail = f"{self.crew} off: {leaving} leave" + (f", {held} held over" if held else "")
            self.rec.log(self.env.now, "shift", board.city, "", f"{self.force}.{self.role}", detail)
