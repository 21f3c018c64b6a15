"""A peer check: the same M/M/c queue in Ciw (an independent simulator) and in our model.

Waits within one run are strongly correlated, and a Kolmogorov-Smirnov test needs independent
observations, so each run contributes only every K-th request of the measurement window, K being the
expected number of arrivals in five relaxation times. Choosing requests by their number, not by
the process, keeps each one a draw from the stationary wait distribution (the first arrival after a
fixed time would not be: in the gap before it the queue only drains), and five relaxation times apart
they are independent to a good approximation. The two samples then get a two-sample KS test and a
Welch interval for the difference of their means.

Ciw is a test dependency (`pip install ciw`); `available()` says whether it is installed.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from scipy import stats

from sim.scenario import Scenario
from sim.validation.cases import measurement_window, replicate, scenario
from sim.validation.checks import Check

__all__ = ["SPACING_H", "available", "ciw_waits", "model_waits", "peer_checks"]

SPACING_H = 50.0  # keep one request in every 50 h of arrivals: five relaxation times (9.9 h) of M/M/3 at 2/3
PEER_SCENARIO = "escorts_mm3"
QUICK_REPLICATIONS = 20


def available() -> bool:
    return importlib.util.find_spec("ciw") is not None


def _every_kth(arrivals: np.ndarray, waits: np.ndarray, a: float, b: float, rate_h: float) -> np.ndarray:
    """Waits of requests number K, 2K, ... among those arriving in [a, b), K = rate x SPACING_H."""
    inside = (arrivals >= a) & (arrivals < b)
    order = np.argsort(arrivals[inside])
    k = max(1, round(rate_h * SPACING_H))
    return waits[inside][order][k::k]  # not number 0: the first arrival after a fixed time is biased


def _rates(s: Scenario) -> tuple[float, float, int]:
    """Arrival rate, service rate (per hour) and servers of the escort M/M/c scenario."""
    (d,) = s.delegations.values()
    (force,) = s.forces.values()
    u = d.unscheduled
    assert u is not None
    team = d.escort_team or s.tiers[d.tier].escort_team
    return u.rate_per_day / 24, 60 / u.duration_min.mean, force.headcount // team


def model_waits(replications: int) -> np.ndarray:
    """Waits (hours) from our model: every K-th request of each replication's measurement window."""
    s = scenario(PEER_SCENARIO)
    a, b = measurement_window(s)
    rate = _rates(s)[0]
    out = []
    for r in replicate(s, replications):
        moves = [m for m in r.movements if m.kind == "unscheduled"]
        arrivals = np.array([m.requested_h for m in moves])
        waits = np.array([m.started_h - m.requested_h for m in moves])
        out.append(_every_kth(arrivals, waits, a, b, rate))
    return np.concatenate(out)


def ciw_waits(replications: int, seed: int = 20_241_104) -> np.ndarray:
    """The same queue in Ciw: rates, servers, window and sampling read from the same scenario."""
    import ciw

    s = scenario(PEER_SCENARIO)
    rate, service_rate, servers = _rates(s)
    a, b = measurement_window(s)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rate)],
        service_distributions=[ciw.dists.Exponential(rate=service_rate)],
        number_of_servers=[servers],
    )
    out = []
    for rep in range(replications):
        ciw.seed(seed + rep)  # Ciw draws from the global generators; each replication reseeds them
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(b + 48)  # as ours: measured arrivals until b, then two days to drain
        records = sim.get_all_records()
        arrivals = np.array([r.arrival_date for r in records])
        waits = np.array([r.waiting_time for r in records])
        out.append(_every_kth(arrivals, waits, a, b, rate))
    return np.concatenate(out)


def peer_checks(quick: bool = False) -> list[Check]:
    """KS test and difference of mean waits, our model against Ciw, on the M/M/3 escort case."""
    s = scenario(PEER_SCENARIO)
    n = min(s.replications, QUICK_REPLICATIONS) if quick else s.replications
    ours, theirs = model_waits(n), ciw_waits(n)
    p = float(stats.ks_2samp(ours, theirs).pvalue)
    case = "peer_ciw_mm3"
    return [
        Check(case, "KS p, waits", float("nan"), "p_value", (p,), trials=ours.size),
        Check(
            case,
            "ours - Ciw W (min)",
            0.0,
            "difference",
            tuple((ours * 60).tolist()),
            other=tuple((theirs * 60).tolist()),
        ),
    ]
