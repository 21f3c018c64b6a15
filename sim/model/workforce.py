"""People on duty: a force's headcount split over cities and roles, crews, shifts and absences."""

from __future__ import annotations

import math

import numpy as np
import simpy
from scipy import special
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import Recorder
from sim.model.timeline import Clock
from sim.scenario.schema import Force

__all__ = ["apportion", "crew_sizes", "pools_of", "shift_rotation"]


def apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split `total` people by `shares` into whole numbers summing to `total` (largest remainder)."""
    raw = {k: total * v for k, v in shares.items()}
    out = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], list(raw).index(k)))[:left]:
        out[k] += 1
    return out


def pools_of(force: Force) -> dict[tuple[str, str], int]:
    """People of a force by (city, role)."""
    out = {}
    for city, n_city in apportion(force.headcount, force.cities).items():
        for role, n in apportion(n_city, {str(r): share for r, share in force.roles.items()}).items():
            out[(city, role)] = n
    return out


def binomial_ppf(u: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """Smallest k with P(Binomial(n, p) <= k) >= u, elementwise: inverse-CDF draws.

    Counts up k = 0, 1, ... while the CDF (scipy.special.bdtr) is below u: absences are few, so
    this takes a handful of vectorised steps.
    """
    n = np.asarray(n, dtype=int)
    k = np.zeros_like(n)
    todo = special.bdtr(k, n, p) < u
    while todo.any():
        k = np.where(todo, k + 1, k)
        todo &= k < n
        todo &= special.bdtr(k, n, p) < u
    return k


def crew_sizes(people: int, crews: int) -> list[int]:
    """Split a pool into `crews` crews as evenly as possible, larger crews first."""
    base, extra = divmod(people, crews)
    return [base + (i < extra) for i in range(crews)]


def shift_rotation(
    env: simpy.Environment,
    board: CityBoard,
    force_name: str,
    force: Force,
    role: str,
    people: int,
    clock: Clock,
    rng: np.random.Generator,
    rec: Recorder,
) -> ProcessGenerator:
    """Bring crews on and off duty for the whole run, drawing each shift's absences.

    Crew k starts its shifts at `first_start` + k x shift length, every crews x shift length; the
    incoming crew arrives `handover_min` early, so the two overlap. Absences are binomial per shift,
    drawn by inverse CDF from one uniform per shift, so that on common random numbers a larger crew
    never has fewer people present than a smaller one.
    """
    pattern = force.shift
    sizes = crew_sizes(people, pattern.crews)
    horizon = clock.horizon_h
    handover = pattern.handover_min / 60
    if pattern.pattern == "continuous":
        starts = [0.0]
        length = horizon
    else:
        length = pattern.shift_h
        first = pattern.first_start.hour + pattern.first_start.minute / 60
        offset = (first - clock.hour_of_day(0.0)) % length
        t0 = offset - length if offset > 0 else 0.0
        starts = [float(x) for x in np.arange(t0, horizon, length)]
    u = rng.random(len(starts))
    crew_of = [i % pattern.crews for i in range(len(starts))]
    n = np.array([sizes[c] for c in crew_of])
    absent = np.zeros(len(starts), dtype=int)
    if force.absence_prob:
        absent = binomial_ppf(u, n, force.absence_prob)
    city = board.city
    for i, s in enumerate(starts):
        arrive = max(0.0, s - handover) if i else max(0.0, s)
        if arrive > env.now:
            yield env.timeout(arrive - env.now)
        present = int(n[i] - absent[i])
        leave = min(horizon, s + length)
        board.change_supply(force_name, role, present)
        if rec.trace:
            rec.log(
                env.now, "shift", city, "", f"{force_name}.{role}",
                f"crew {crew_of[i] + 1} on until {clock.local(leave):%m-%d %H:%M}: "
                f"{present} present, {int(absent[i])} absent",
            )  # fmt: skip
        if leave < horizon:
            label = f"crew {crew_of[i] + 1} off: {present} leave"
            env.process(_off_duty(env, board, force_name, role, present, leave - env.now, rec, label))


def _off_duty(
    env: simpy.Environment, board: CityBoard, force: str, role: str, present: int, after: float,
    rec: Recorder, label: str,
) -> ProcessGenerator:  # fmt: skip
    yield env.timeout(after)
    board.change_supply(force, role, -present)
    if rec.trace:
        rec.log(env.now, "shift", board.city, "", f"{force}.{role}", label)
