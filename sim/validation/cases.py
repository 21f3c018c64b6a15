"""The analytic validation cases: run a small scenario from `scenarios/validation/`, measure, compare.

Each case reads its parameters from the scenario file (so the file is the single statement of the
case), computes the closed form in `sim.validation.theory`, runs replications with the file's seed
through `run_replication`, and returns `Check`s. `quick` runs fewer replications (the file's
`replications` is the full count); the interval always comes from the replications actually run.

Queues start empty. The queueing cases measure only what is requested inside the scenario's `peak`
window, which starts after a warm-up of many relaxation times, and average queue lengths over that
window only; arrivals stop at the window's end and the run goes on until every measured request is
served, so nothing measured is cut off by the end of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from sim.metrics import compute_metrics
from sim.model import Clock, run_replication
from sim.model.record import ReplicationRecord
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.distributions import Exponential, Fixed
from sim.validation import theory
from sim.validation.checks import Check

__all__ = [
    "CASES",
    "SCENARIOS",
    "absence",
    "aircrew_orbit",
    "availability",
    "escorts",
    "fuel_balance",
    "fuel_books",
    "holdover_overtime",
    "incidents",
    "measurement_window",
    "replicate",
    "rest_rotation",
    "scenario",
    "sortie",
    "staged",
    "time_average",
]

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios" / "validation"
EARTH_KM = 6371.0  # the model's sphere (sim.model.travel)
KT_TO_KMH = 1.852
# Replications in a quick run (a full run takes each file's `replications`; fuel books take 5).
QUICK = {
    "escorts_mm1": 20,
    "escorts_mm3": 20,
    "escorts_mm5_heavy": 10,
    "incidents_mm2": 12,
    "staged_mm2": 15,
    "staged_mg1": 15,
    "absence": 50,
    "availability": 20,
    "sortie_one": 2,
    "sortie_several": 2,
    "aircrew_orbit": 2,
    "fuel_outage": 2,
    "fuel_books": 2,
    "rest_rotation": 15,
    "holdover_overtime": 10,
}


def scenario(name: str) -> Scenario:
    """A validation scenario by name (`scenarios/validation/<name>.yaml`)."""
    return load_scenario(SCENARIOS / f"{name}.yaml")


def _replications(s: Scenario, quick: bool) -> int:
    return min(s.replications, QUICK[s.name]) if quick else s.replications


def replicate(s: Scenario, n: int, trace: bool = False) -> Iterable[ReplicationRecord]:
    """Replications 0..n-1 of `s` on its own seed (each its own independent random streams)."""
    for rep in range(n):
        yield run_replication(s, rep, seed=s.seed, trace=trace)


def time_average(steps: list[tuple[float, int]], start_h: float, end_h: float) -> float:
    """Time average over [start_h, end_h) of a step function given as [(time_h, level from then on)]."""
    total = 0.0
    for i, (t, level) in enumerate(steps):
        t_next = steps[i + 1][0] if i + 1 < len(steps) else math.inf
        overlap = min(t_next, end_h) - max(t, start_h)
        if overlap > 0:
            total += level * overlap
    return total / (end_h - start_h)


def measurement_window(s: Scenario) -> tuple[float, float]:
    """The model hours in which a queueing case measures: its `peak` window, after the warm-up."""
    if s.peak is None:
        raise ValueError(f"{s.name}: a queueing case names its measurement window as `peak`")
    clock = Clock.of(s)
    return clock.hours(s.peak.start), clock.hours(s.peak.end)


def _exponential_mean_h(d: object, what: str) -> float:
    if not isinstance(d, Exponential):
        raise ValueError(f"{what} must be exponential for the M/M/c closed form")
    return d.mean / 60


def _fixed_h(d: object, what: str) -> float:
    if not isinstance(d, Fixed):
        raise ValueError(f"{what} must be fixed for this closed form")
    return d.value / 60


# -- queues ---------------------------------------------------------------------------------------------
Sample = tuple[float, float, float, float, float]


def _queue_checks(
    case: str, q: theory.MMc, samples: list[Sample], travel_min: float = 0.0, label: str = "W_q (min)"
) -> list[Check]:
    """Checks of one M/M/c case from, per replication, (mean wait h, share waiting, L_q, arrivals per
    hour, mean time to the scene min): P(wait > 0); the mean wait (for incidents: the response time,
    wait plus `travel_min`); the time-average number waiting; and Little's law L_q = lambda W_q, checked
    as L_q - lambda-hat x W_q = 0 with L_q from the duty board's queue monitor and W_q and lambda-hat
    from the requests' own records."""
    waits, shares, lengths, rates, minutes = (
        tuple(float(x) for x in col) for col in zip(*samples, strict=True)
    )
    little = tuple(length - rate * w for w, length, rate in zip(waits, lengths, rates, strict=True))
    return [
        Check(case, "P(wait > 0)", q.p_wait, "mean", shares),
        Check(case, label, q.wait_h * 60 + travel_min, "mean", minutes),
        Check(case, "L_q", q.queue_length, "mean", lengths),
        Check(case, "Little: L_q - λW_q", 0.0, "mean", little),
    ]


def escorts(name: str, quick: bool = False) -> list[Check]:
    """Unscheduled trips of one delegation served by c escort teams always on duty: M/M/c."""
    s = scenario(name)
    (d,) = s.delegations.values()
    (force,) = s.forces.values()
    u = d.unscheduled
    if u is None or not force.shift.continuous or force.absence_prob:
        raise ValueError(f"{name}: needs unscheduled trips and escorts always on duty")
    team = d.escort_team or s.tiers[d.tier].escort_team
    q = theory.mmc(u.rate_per_day / 24, 1 / _exponential_mean_h(u.duration_min, "duration_min"),
                   force.headcount // team)  # fmt: skip
    a, b = measurement_window(s)
    samples: list[Sample] = []
    for r in replicate(s, _replications(s, quick)):
        moves = [m for m in r.movements if m.kind == "unscheduled" and a <= m.requested_h < b]
        waits = np.array([m.started_h - m.requested_h for m in moves])
        if np.isnan(waits).any():
            raise RuntimeError(f"{name}: a measured trip got no escort before the end; lengthen the drain")
        length = time_average(r.waiting.get("escort", [(0.0, 0)]), a, b)
        samples.append((waits.mean(), (waits > 0).mean(), length, len(moves) / (b - a), waits.mean() * 60))
    return _queue_checks(name, q, samples)


def incidents(name: str = "incidents_mm2", quick: bool = False) -> list[Check]:
    """Poisson incidents answered by c teams busy for an exponential time on scene: M/M/c + travel."""
    s = scenario(name)
    (inc,) = s.incidents.values()
    (force,) = s.forces.values()
    if inc.busy_includes_travel or inc.hourly_profile is not None or not force.shift.continuous:
        raise ValueError(f"{name}: needs busy_includes_travel: false, no profile, a team always on duty")
    if inc.team is None:
        raise ValueError(f"{name}: needs a ground team")
    travel_min = _fixed_h(inc.travel_min, "travel_min") * 60
    q = theory.mmc(inc.rate_per_day / 24, 1 / _exponential_mean_h(inc.on_scene_min, "on_scene_min"),
                   force.headcount // inc.team)  # fmt: skip
    samples = _response_samples(name, s, quick)
    return _queue_checks(name, q, samples, travel_min, "response (min)")


def _response_samples(name: str, s: Scenario, quick: bool) -> list[Sample]:
    """Per replication, over the measurement window: the incidents' mean wait, share that waited, mean
    queue length, arrival rate and mean response time (the model's own)."""
    a, b = measurement_window(s)
    samples: list[Sample] = []
    for r in replicate(s, _replications(s, quick)):
        calls = [x for x in r.responses if a <= x.time_h < b]
        waits = np.array([x.dispatched_h - x.time_h for x in calls])
        if np.isnan(waits).any():
            raise RuntimeError(f"{name}: a measured incident was not answered before the end")
        length = time_average(r.waiting.get("response", [(0.0, 0)]), a, b)
        response = float(np.mean([x.response_min for x in calls]))
        samples.append((waits.mean(), (waits > 0).mean(), length, len(calls) / (b - a), response))
    return samples


def staged(name: str, quick: bool = False) -> list[Check]:
    """Poisson incidents at one site answered by c teams staged at one site, a fixed road time R (from
    the file's travel leg) and dispatch D away; a team is busy for S = D + 2R + on scene (exponential).
    With one team: M/G/1 (Pollaczek-Khinchine, exact); with several: M/M/c, so D = R = 0 is required.
    The response time is the wait plus D + R."""
    s = scenario(name)
    (inc,) = s.incidents.values()
    (force,) = s.forces.values()
    if len(inc.staged) != 1 or inc.site is None or inc.team is None or inc.hourly_profile is not None:
        raise ValueError(f"{name}: needs teams staged at one site, incidents at one `site`, no profile")
    (post,) = inc.staged
    if not force.shift.continuous or force.absence_prob or force.headcount != post.teams * inc.team:
        raise ValueError(f"{name}: needs exactly the staging post's people always on duty")
    legs = [leg.minutes for leg in s.travel.legs if set(leg.between) == {post.site, inc.site}]
    if post.site != inc.site and not legs:
        raise ValueError(f"{name}: needs a travel leg between {post.site} and {inc.site}")
    road_h = legs[0] / 60 if post.site != inc.site else 0.0
    dispatch_h = _fixed_h(inc.dispatch_min, "dispatch_min") if inc.dispatch_min is not None else 0.0
    scene_h = _exponential_mean_h(inc.on_scene_min, "on_scene_min")
    lam = inc.rate_per_day / 24
    if post.teams == 1:
        mean = dispatch_h + 2 * road_h + scene_h
        q = theory.mg1(lam, mean, scene_h**2 + mean**2)
    elif dispatch_h or road_h:
        raise ValueError(f"{name}: several teams are an M/M/c queue only with no road and no dispatch time")
    else:
        q = theory.mmc(lam, 1 / scene_h, post.teams)
    samples = _response_samples(name, s, quick)
    return _queue_checks(name, q, samples, (dispatch_h + road_h) * 60, "response (min)")


# -- absences -------------------------------------------------------------------------------------------
def absence(name: str = "absence", quick: bool = False) -> list[Check]:
    """N people per shift, each absent with probability p, one post needing k: binomial shortfall."""
    s = scenario(name)
    (force,) = s.forces.values()
    (post,) = s.posts.values()
    crews, shift_h = force.shift.crews, force.shift.length_h
    if force.headcount % crews or force.shift.first_start != s.start.time() or force.shift.handover_min:
        raise ValueError(f"{name}: needs equal crews, shifts starting with the scenario, no overlap")
    p_short, expected = theory.absence_shortfall(force.headcount // crews, force.absence_prob, post.required)
    shortfalls: list[float] = []
    for r in replicate(s, _replications(s, quick)):
        shifts = round(r.horizon_h / shift_h)
        per_shift = np.zeros(shifts)
        for g in r.gaps:
            if g.demand != "post":
                continue
            for i in range(int(g.start_h // shift_h), shifts):
                lo, hi = max(g.start_h, i * shift_h), min(g.end_h, (i + 1) * shift_h)
                if hi <= lo:
                    break
                per_shift[i] += g.short * (hi - lo) / shift_h
        shortfalls.extend(per_shift.tolist())
    x = np.array(shortfalls)
    return [
        Check(name, "P(shift short)", p_short, "proportion", successes=int((x > 1e-9).sum()), trials=x.size),
        Check(name, "E[shortfall]", expected, "mean", tuple(x.tolist())),
    ]


# -- duty -----------------------------------------------------------------------------------------------
def rest_rotation(name: str = "rest_rotation", quick: bool = False) -> list[Check]:
    """A rotation with rest days: on-duty person-hours / headcount-hours = (1 - p) x its on share."""
    s = scenario(name)
    (force,) = s.forces.values()
    pattern = force.shift
    if s.posts or s.incidents or s.delegations or pattern.handover_min or force.strength or force.outbreak:
        raise ValueError(f"{name}: needs one force, no demand, no handover, constant strength")
    if force.headcount % pattern.crews:
        raise ValueError(f"{name}: needs equal crews")
    expected = theory.rotation_share(pattern.days, pattern.length_h, force.absence_prob)
    shares = []
    for r in replicate(s, _replications(s, quick)):
        on = sum(d.on_duty_ph for d in r.duty.values())
        shares.append(on / (force.headcount * r.horizon_h))
    return [Check(name, "on-duty share", expected, "mean", tuple(shares))]


def holdover_overtime(name: str = "holdover_overtime", quick: bool = False) -> list[Check]:
    """Fixed-length Poisson tasks held over past shift ends: overtime per task = L^2 / (2 S)."""
    s = scenario(name)
    (force,) = s.forces.values()
    (inc,) = s.incidents.values()
    shift_h = force.shift.length_h
    if inc.busy_includes_travel or inc.hourly_profile is not None or force.absence_prob:
        raise ValueError(f"{name}: needs busy time on scene only, no profile, no absence")
    if force.shift.handover_min or force.shift.first_start != s.start.time():
        raise ValueError(f"{name}: needs no handover and shifts starting with the scenario")
    task_h = _fixed_h(inc.on_scene_min, "on_scene_min")
    expected = theory.holdover_overtime(task_h, shift_h)
    per_task = []
    for r in replicate(s, _replications(s, quick)):
        if any(g.demand == "response" for g in r.gaps):
            raise RuntimeError(f"{name}: an incident waited for a team; the force must be ample")
        overtime = sum(d.overtime_ph for d in r.duty.values())
        per_task.append(overtime / (inc.rate_per_day / 24 * (r.horizon_h - shift_h)))
    return [Check(name, "overtime per task (h)", expected, "mean", tuple(per_task))]


# -- air ------------------------------------------------------------------------------------------------
def _equator_transit_h(s: Scenario, base: str, over: str, cruise_kt: float) -> float:
    a, b = s.sites[base], s.sites[over]
    if a.lat != 0 or b.lat != 0 or a.lon is None or b.lon is None:
        raise ValueError("the sortie case puts its base and station on the equator")
    return EARTH_KM * math.radians(abs(b.lon - a.lon)) / (cruise_kt * KT_TO_KMH)


def sortie(name: str, quick: bool = False) -> list[Check]:
    """Helicopters cycling out, on station, home and through a fixed turnaround: n S / C."""
    s = scenario(name)
    (group,) = s.aircraft.values()
    (station,) = s.air_coverage.values()
    t = s.aircraft_types[group.type]
    if t.failure_per_flight_h or t.maintenance_every_flight_h or s.fuel_points:
        raise ValueError(f"{name}: needs no failures, no maintenance and unlimited fuel")
    transit = _equator_transit_h(s, group.base, station.over, t.cruise_kt)
    stay = t.endurance_h - t.reserve_min / 60 - 2 * transit
    (w,) = station.windows
    window_h = (w.end - w.start).total_seconds() / 3600
    expected = theory.sortie_coverage(group.count, stay, transit, _fixed_h(t.turnaround_min, "turnaround"),
                                      window_h)  # fmt: skip
    values = tuple(compute_metrics(r)["air_coverage"] for r in replicate(s, _replications(s, quick)))
    return [Check(name, "on-station share", expected, "exact", values)]


def aircrew_orbit(name: str = "aircrew_orbit", quick: bool = False) -> list[Check]:
    """One orbit kept around the clock by dedicated crews under duty and rest limits: the fewest crews
    that keep it whole, ceil((D + R) / S), and the share kept by the file's crews, min(1, n S / (D + R)).

    The fewest crews is found by running the file with 1, 2, ... crews until the coverage is whole."""
    s = scenario(name)
    (group,) = s.aircraft.values()
    (station,) = s.air_coverage.values()
    t = s.aircraft_types[group.type]
    crew = t.aircrew
    if crew is None or t.failure_per_flight_h or t.maintenance_every_flight_h or s.fuel_points:
        raise ValueError(f"{name}: needs aircrew, no failures, no maintenance and unlimited fuel")
    transit = _equator_transit_h(s, group.base, station.over, t.cruise_kt)
    rules = (crew.max_duty_h, crew.min_rest_h, crew.preflight_h, crew.postflight_h, transit)
    (w,) = station.windows
    window_h = (w.end - w.start).total_seconds() / 3600
    n = _replications(s, quick)
    cover = tuple(compute_metrics(r)["air_coverage"] for r in replicate(s, n))
    fewest = []
    for rep in range(n):
        k = 0
        while True:
            k += 1
            if k > 1000:
                raise ValueError(f"{name}: no number of crews keeps the orbit whole (aircraft short?)")
            ts = {group.type: t.model_copy(update={"aircrew": crew.model_copy(update={"crews": k})})}
            r = run_replication(s.model_copy(update={"aircraft_types": ts}), rep, seed=s.seed)
            if math.isclose(compute_metrics(r)["air_coverage"], 1.0, rel_tol=1e-9):
                break
        fewest.append(float(k))
    return [
        Check(name, "crews for a whole orbit", theory.orbit_crews(*rules), "exact", tuple(fewest)),
        Check(
            name,
            f"share kept by {crew.crews} crews",
            theory.orbit_crew_coverage(crew.crews, *rules, window_h),
            "exact",
            cover,
        ),
    ]


def availability(name: str = "availability", quick: bool = False) -> list[Check]:
    """Aircraft alternating exponential flight to failure and exponential repair: MTBF / (MTBF + MTTR)."""
    s = scenario(name)
    (group,) = s.aircraft.values()
    t = s.aircraft_types[group.type]
    if t.maintenance_every_flight_h or s.fuel_points or not isinstance(t.repair_h, Exponential):
        raise ValueError(f"{name}: needs exponential repairs, no maintenance, unlimited fuel")
    mtbf, mttr = 1 / t.failure_per_flight_h, t.repair_h.mean
    expected = theory.availability(mtbf, mttr)
    avail, cover = [], []
    for r in replicate(s, _replications(s, quick)):
        m = compute_metrics(r)
        avail.append(m["aircraft_availability"])
        cover.append(m["air_coverage"])
    return [
        Check(name, "availability", expected, "mean", tuple(avail)),
        Check(name, "air coverage", expected, "mean", tuple(cover)),
    ]


# -- fuel -----------------------------------------------------------------------------------------------
def fuel_balance(name: str = "fuel_outage", quick: bool = False) -> list[Check]:
    """A fuel point drawn by a fixed helicopter cycle and refilled by a fixed truck cycle: first outage."""
    s = scenario(name)
    (group,) = s.aircraft.values()
    (station,) = s.air_coverage.values()
    (point,) = s.fuel_points.values()
    (truck,) = s.fuel_trucks.values()
    t = s.aircraft_types[group.type]
    if group.count != 1 or station.over != group.base or truck.depot != point.site or truck.every_h is None:
        raise ValueError(f"{name}: needs one aircraft over its own base and a scheduled truck at the point")
    clock = Clock.of(s)
    stay = t.endurance_h - t.reserve_min / 60  # transit 0
    draw = round(t.burn_gal_per_h * stay)  # what it burned, refilled at landing
    cycle = stay + _fixed_h(t.turnaround_min, "turnaround")
    if not math.isclose(truck.every_h, cycle):
        raise ValueError(f"{name}: the truck's cycle must equal the aircraft's")
    first_delivery = (
        truck.first_h
        + _fixed_h(truck.load_min, "load_min")
        + truck.capacity_gal / truck.unload_gal_per_min / 60
    )
    t_out, length, k = theory.fuel_first_outage(
        point.initial_gal, draw, clock.hours(station.windows[0].start) + stay, cycle, truck.capacity_gal,
        first_delivery,
    )  # fmt: skip
    if point.initial_gal + truck.capacity_gal > point.capacity_gal:
        raise ValueError(f"{name}: the tank must never be full, or deliveries are cut short")
    starts, lengths = [], []
    for r in replicate(s, _replications(s, quick), trace=True):
        outages = [e for e in r.events if e.kind == "fuel_outage"]
        start = next(e.time_h for e in outages if "needs" in e.detail)
        end = next(e.time_h for e in outages if "ended" in e.detail and e.time_h >= start)
        starts.append(start)
        lengths.append(end - start)
    return [
        Check(name, f"1st outage (h), k*={k}", t_out, "exact", tuple(starts)),
        Check(name, "its length (h)", length, "exact", tuple(lengths)),
    ]


def fuel_books(quick: bool = False, root: Path = ROOT / "scenarios") -> list[Check]:
    """Exact conservation in every replication of every scenario with fuel points: the largest
    |end - (start + delivered - dispensed)| in gallons, which must be 0, with stock within [0, capacity]."""
    worst, count = 0, 0
    for path in sorted(root.rglob("*.yaml")):
        try:
            s = load_scenario(path)
        except ScenarioError:
            continue  # not a scenario (`summit-sim validate` says why)
        if not s.fuel_points:
            continue
        for r in replicate(s, min(s.replications, QUICK["fuel_books"] if quick else 5)):
            for f in r.fuel.values():
                error = abs(f.final_gal - (f.initial_gal + f.delivered_gal - f.dispensed_gal))
                if not 0 <= f.final_gal <= f.capacity_gal:
                    error = max(error, abs(f.final_gal))
                worst = max(worst, error)
                count += 1
    return [Check("fuel_books", "max imbalance (gal)", 0.0, "exact", (float(worst),) * max(count, 1))]


CASES: dict[str, Callable[[bool], list[Check]]] = {
    "escorts_mm1": lambda quick: escorts("escorts_mm1", quick),
    "escorts_mm3": lambda quick: escorts("escorts_mm3", quick),
    "escorts_mm5_heavy": lambda quick: escorts("escorts_mm5_heavy", quick),
    "incidents_mm2": lambda quick: incidents("incidents_mm2", quick),
    "staged_mm2": lambda quick: staged("staged_mm2", quick),
    "staged_mg1": lambda quick: staged("staged_mg1", quick),
    "absence": lambda quick: absence("absence", quick),
    "sortie_one": lambda quick: sortie("sortie_one", quick),
    "sortie_several": lambda quick: sortie("sortie_several", quick),
    "aircrew_orbit": lambda quick: aircrew_orbit("aircrew_orbit", quick),
    "availability": lambda quick: availability("availability", quick),
    "fuel_outage": lambda quick: fuel_balance("fuel_outage", quick),
    "fuel_books": lambda quick: fuel_books(quick),
    "rest_rotation": lambda quick: rest_rotation("rest_rotation", quick),
    "holdover_overtime": lambda quick: holdover_overtime("holdover_overtime", quick),
}
