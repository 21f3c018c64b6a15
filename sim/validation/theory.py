"""Closed forms that the model must reproduce where it reduces to a textbook case.

Pure functions of numbers, no model code: each is the answer a queueing or reliability text gives, so a
case compares the simulation against an independent calculation. Times are in hours unless a name
says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

__all__ = [
    "MMc",
    "absence_shortfall",
    "availability",
    "availability_start_up_bias",
    "fuel_first_outage",
    "holdover_overtime",
    "mg1",
    "mmc",
    "orbit_crew_coverage",
    "orbit_crews",
    "rotation_share",
    "sortie_coverage",
]


@dataclass(frozen=True)
class MMc:
    """Steady state of an M/M/c (or M/G/1) queue: P(wait > 0), mean wait W_q, mean number waiting
    L_q = lambda W_q."""

    arrival_rate: float
    service_rate: float
    servers: int
    utilisation: float
    p_wait: float
    wait_h: float
    queue_length: float


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MMc:
    """Erlang C for arrivals at `arrival_rate`, exponential service at `service_rate`, `servers` servers.

    With offered load a = lambda / mu and c servers (a < c), Erlang B by its recursion
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) gives Erlang C = c B / (c - a (1 - B)) = P(wait > 0);
    then W_q = C / (c mu - lambda) and L_q = lambda W_q (Little's law).
    """
    a = arrival_rate / service_rate
    c = servers
    if not a < c:
        raise ValueError(f"an M/M/c queue needs offered load a = {a:g} below the servers c = {c}")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1 - b))
    wait = p_wait / (c * service_rate - arrival_rate)
    return MMc(arrival_rate, service_rate, c, a / c, p_wait, wait, arrival_rate * wait)


def mg1(arrival_rate: float, service_mean_h: float, service_second_moment_h2: float) -> MMc:
    """Pollaczek-Khinchine for one server, Poisson arrivals at `arrival_rate` and any service time with
    mean E[S] and second moment E[S^2]: W_q = lambda E[S^2] / (2 (1 - rho)), rho = lambda E[S];
    P(wait > 0) = rho (arrivals see time averages); L_q = lambda W_q. Exact, not an approximation."""
    rho = arrival_rate * service_mean_h
    if not rho < 1:
        raise ValueError(f"an M/G/1 queue needs utilisation rho = {rho:g} below 1")
    wait = arrival_rate * service_second_moment_h2 / (2 * (1 - rho))
    return MMc(arrival_rate, 1 / service_mean_h, 1, rho, rho, wait, arrival_rate * wait)


def absence_shortfall(people: int, p_absent: float, required: int) -> tuple[float, float]:
    """P(shortfall) and E[shortfall] when `people` each turn up with probability 1 - p and a post needs
    `required`: present X ~ Binomial(people, 1 - p), shortfall = max(0, required - X)."""
    present = stats.binom(people, 1 - p_absent)
    p_short = float(present.cdf(required - 1))
    expected = sum((required - x) * float(present.pmf(x)) for x in range(required))
    return p_short, expected


def sortie_coverage(
    helicopters: int, stay_h: float, transit_h: float, turnaround_h: float, window_h: float
) -> float:
    """Share of a window with one aircraft on station, when each of `helicopters` identical aircraft
    flies out (`transit_h`), stays `stay_h`, flies home and is ready again `turnaround_h` later.

    Each aircraft repeats a cycle of C = stay + 2 transit + turnaround holding station for `stay`, and
    a relief launches one transit before the aircraft on station must leave, so reliefs are seamless
    while an aircraft is ready: the on-station fraction is min(1, n stay / C). For a window of whole
    cycles (window = m C) that is also the exact fraction over the window.
    """
    cycle = stay_h + 2 * transit_h + turnaround_h
    cycles = window_h / cycle
    if abs(cycles - round(cycles)) > 1e-9:
        raise ValueError(f"the window ({window_h} h) is not a whole number of cycles ({cycle} h)")
    return min(1.0, helicopters * stay_h / cycle)


def _orbit_station_h(max_duty_h: float, preflight_h: float, postflight_h: float, transit_h: float) -> float:
    station = max_duty_h - preflight_h - postflight_h - 2 * transit_h
    if station <= 0:
        raise ValueError("the duty period leaves no time on station")
    return station


def orbit_crews(
    max_duty_h: float, rest_h: float, preflight_h: float, postflight_h: float, transit_h: float
) -> int:
    """Crews that keep one aircraft on station around the clock under duty and rest limits.

    A crew reports, flies out after its preflight p, stays until it must turn home to land and finish
    its postflight q by its duty limit D, so it holds station S = D - p - q - 2T. Its relief reports
    p + T before that, so a crew reports every S hours; each is on duty D and rests R before it can
    report again, so it is back in turn only if n S >= D + R: n = ceil((D + R) / S).
    """
    station = _orbit_station_h(max_duty_h, preflight_h, postflight_h, transit_h)
    return math.ceil((max_duty_h + rest_h) / station - 1e-9)


def orbit_crew_coverage(
    crews: int, max_duty_h: float, rest_h: float, preflight_h: float, postflight_h: float,
    transit_h: float, window_h: float,
) -> float:  # fmt: skip
    """Share of a window kept by `crews` crews (aircraft never short), as in `orbit_crews`.

    With fewer than enough, crew i + n reports when crew i's rest ends, D + R after crew i reported:
    each cycle of D + R holds n S on station, so the share is min(1, n S / (D + R)) over a window of
    whole cycles (from the first arrival).
    """
    station = _orbit_station_h(max_duty_h, preflight_h, postflight_h, transit_h)
    cycle = max_duty_h + rest_h
    if crews * station < cycle and abs(window_h / cycle - round(window_h / cycle)) > 1e-9:
        raise ValueError(f"the window ({window_h} h) is not a whole number of cycles ({cycle} h)")
    return min(1.0, crews * station / cycle)


def availability(mtbf_h: float, mttr_h: float) -> float:
    """Long-run share of time up for an item that alternates up ~ (mean MTBF) and down ~ (mean MTTR)."""
    return mtbf_h / (mtbf_h + mttr_h)


def availability_start_up_bias(mtbf_h: float, mttr_h: float, horizon_h: float) -> float:
    """How much the expected availability over [0, T] of an item that starts up exceeds the long-run
    value, for exponential up and down times: MTTR/(MTBF+MTTR) x (1 - e^(-kT)) / (kT), k = 1/MTBF + 1/MTTR.
    """
    k = 1 / mtbf_h + 1 / mttr_h
    return mttr_h / (mtbf_h + mttr_h) * (1 - math.exp(-k * horizon_h)) / (k * horizon_h)


def fuel_first_outage(
    stock_gal: int, draw_gal: int, first_draw_h: float, cycle_h: float, delivery_gal: int,
    first_delivery_h: float,
) -> tuple[float, float, int]:  # fmt: skip
    """When a fuel point first runs short, and for how long, under a deterministic draw and delivery cycle.

    One aircraft draws `draw_gal` every `cycle_h` hours from `first_draw_h` on; a truck delivers
    `delivery_gal` every `cycle_h` hours from `first_delivery_h` on, one delivery before the first
    draw and one between each two draws. Before draw k the point holds S0 + kQ - (k-1)g, so the first
    draw that finds less than g is k* = floor(S0 / (g - Q)) + 1 (for g > Q), at t = first_draw + (k*-1) C.
    It takes what is there and waits for the next delivery, which ends the outage if it brings enough.
    Returns (time of the first outage, its length, k*).
    """
    s0, g, q = stock_gal, draw_gal, delivery_gal
    if not (first_delivery_h < first_draw_h < first_delivery_h + cycle_h and g > q):
        raise ValueError("needs one delivery before each draw and draws larger than deliveries")
    k = s0 // (g - q) + 1
    t_out = first_draw_h + (k - 1) * cycle_h
    before = s0 + k * q - (k - 1) * g
    if before + q < g:
        raise ValueError("the next delivery would not end the outage: the closed form does not apply")
    ends = first_delivery_h + k * cycle_h
    return t_out, ends - t_out, k


def rotation_share(days: tuple[str, ...], shift_h: float, p_absent: float = 0.0) -> float:
    """Share of headcount-hours on duty under a rotation of equal crews (one string per crew, a
    character per day, `-` a rest day) of `shift_h`-hour shifts, each person absent with `p_absent`:
    (1 - p) x mean over crews of (working days x shift_h) / (cycle days x 24)."""
    on = sum(ch != "-" for crew in days for ch in crew)
    return (1 - p_absent) * on * shift_h / (len(days) * len(days[0]) * 24)


def holdover_overtime(task_h: float, shift_h: float) -> float:
    """Expected overtime of one task of fixed length L <= S started uniformly within an S-hour shift:
    it runs over the shift end by max(0, L - (S - u)), u ~ U(0, S), so L^2 / (2 S)."""
    if not 0 <= task_h <= shift_h:
        raise ValueError("the closed form needs 0 <= L <= S")
    return task_h**2 / (2 * shift_h)
