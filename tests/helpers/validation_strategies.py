"""Hypothesis strategies for random small valid scenarios, built as plain data and validated.

Every scenario drawn here is valid by construction (the loader's checks must accept it): one or two
cities, a few sites, forces with random shifts, hold-over rules and absences, posts with explicit or
daily windows, delegations with programmes and unscheduled trips, incident streams, and (sometimes)
helicopters, tankers, air coverage, fuel points and trucks. Horizons are short (12-48 h) so that a
replication takes milliseconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from sim.scenario import Scenario
from sim.scenario.checks import check_scenario

ROLE_SPLITS = [
    {"security": 1.0},
    {"security": 0.5, "aviation": 0.25, "logistics": 0.25},
    {"security": 0.6, "aviation": 0.4},
    {"aviation": 0.5, "logistics": 0.5},
]
ZONES = [("UTC", dt.datetime(2024, 1, 1)), ("America/Lima", dt.datetime(2024, 11, 14)),
         ("America/New_York", dt.datetime(2024, 3, 9, 12)),  # across the spring-forward night
         ("Europe/Paris", dt.datetime(2024, 10, 26, 12))]  # across the autumn fall-back night  # fmt: skip


def _clock(draw: st.DrawFn) -> str:
    return f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}"


def distributions(low: float = 0.0, high: float = 120.0) -> st.SearchStrategy[Any]:
    """A duration in minutes: a plain number (fixed) or any distribution kind, with small parameters."""
    num = st.floats(low, high, allow_nan=False, allow_infinity=False)
    pos = st.floats(max(low, 0.5), max(high, 1.0), allow_nan=False, allow_infinity=False)

    @st.composite
    def ordered(draw: st.DrawFn, kind: str) -> dict[str, Any]:
        a, b, c = sorted(draw(st.lists(num, min_size=3, max_size=3)))
        if kind == "uniform":
            return {"kind": "uniform", "low": a, "high": c}
        return {"kind": "triangular", "low": a, "mode": b, "high": c}

    return st.one_of(
        num,
        st.builds(lambda v: {"kind": "fixed", "value": v}, num),
        st.builds(lambda m: {"kind": "exponential", "mean": m}, pos),
        ordered("uniform"),
        ordered("triangular"),
        st.builds(lambda m, s: {"kind": "normal", "mean": m, "sd": s}, num, pos),
        st.builds(lambda m, s: {"kind": "lognormal", "mean": m, "sd": s}, pos, pos),
        st.builds(lambda v: {"kind": "empirical", "values": v}, st.lists(num, min_size=1, max_size=4)),
    )


@st.composite
def scenario_data(
    draw: st.DrawFn, *, posts_only: bool = False, swept: bool = False, fuel: bool = False
) -> dict[str, Any]:
    """A valid scenario as plain data (the shape of a YAML file); `fuel` always includes aircraft, a
    fuel point and trucks."""
    zone, start = draw(st.sampled_from(ZONES))
    horizon = draw(st.integers(12, 48))
    end = start + dt.timedelta(hours=horizon)

    def at(lo_h: float = 0.0, hi_h: float | None = None) -> dt.datetime:
        hi = horizon if hi_h is None else hi_h
        minutes = draw(st.integers(int(lo_h * 4), int(hi * 4))) * 15
        return start + dt.timedelta(minutes=minutes)

    cities = [f"c{i}" for i in range(draw(st.integers(1, 2)))]
    sites: dict[str, dict[str, Any]] = {}
    site_city: dict[str, str] = {}
    for ci, city in enumerate(cities):
        for k in range(draw(st.integers(1, 3))):
            name = f"{city}_s{k}"
            sites[name] = {"city": city, "lat": -12.0 + ci + 0.02 * k, "lon": -77.0 + 0.03 * k}
            site_city[name] = city
    by_city = {c: [s for s in sites if site_city[s] == c] for c in cities}

    forces: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, 3))):
        if len(cities) == 1:
            split = {cities[0]: 1.0}
        else:
            tenths = draw(st.integers(0, 10))
            split = {cities[0]: tenths / 10, cities[1]: (10 - tenths) / 10}
        forces[f"f{i}"] = {
            "headcount": draw(st.integers(0, 30)),
            "cities": split,
            "roles": dict(draw(st.sampled_from(ROLE_SPLITS))),  # a copy: mutations must not reach it
            "shift": {
                "pattern": draw(st.sampled_from(["12on12off", "8h3crew", "continuous", "panama"])),
                "first_start": _clock(draw),
                "handover_min": draw(st.sampled_from([0, 15, 30, 60])),
                "teams_from": draw(st.sampled_from(["leaving_first", "fresh_first"])),
            },
            "absence_prob": draw(st.sampled_from([0.0, 0.05, 0.2, 0.5])),
        }
        cap = draw(st.sampled_from([None, 0.0, 1.0]))  # hold-over: uncapped, swapped at once, after 1 h
        if cap is not None:
            forces[f"f{i}"]["shift"]["max_holdover_h"] = cap
    if swept:
        forces["f0"]["swept"] = True
    force_names = list(forces)
    some_forces = st.lists(st.sampled_from(force_names), min_size=1, max_size=3, unique=True)

    posts: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1 if posts_only else 0, 4))):
        post: dict[str, Any] = {
            "site": draw(st.sampled_from(list(sites))),
            "required": draw(st.integers(0, 8)),
            "forces": draw(some_forces),
            "role": draw(st.sampled_from(["security", "security", "aviation", "logistics"])),
            "critical": draw(st.booleans()),
            "priority": draw(st.integers(1, 9)),
        }
        windows = []
        for _ in range(draw(st.integers(0, 2))):
            a = at(0, horizon - 0.25)
            b = at((a - start).total_seconds() / 3600 + 0.25)
            w: dict[str, Any] = {"start": a, "end": b}
            if draw(st.booleans()):
                w["required"] = draw(st.integers(0, 8))
            windows.append(w)
        daily = []
        if not windows or draw(st.booleans()):
            d: dict[str, Any] = {"from": _clock(draw), "to": _clock(draw)}
            if draw(st.booleans()):
                d["required"] = draw(st.integers(0, 8))
            daily.append(d)
        if windows:
            post["windows"] = windows
        if daily:
            post["daily"] = daily
        posts[f"p{i}"] = post

    data: dict[str, Any] = {
        "name": "random",
        "timezone": zone,
        "start": start,
        "end": end,
        "seed": draw(st.integers(0, 2**32 - 1)),
        "replications": 2,
        "targets": {"critical_gap_tolerance_min": draw(st.sampled_from([0, 30, 120]))},
        "cities": {c: {"lat": -12.0 + i, "lon": -77.0} for i, c in enumerate(cities)},
        "sites": sites,
        "travel": {"road_speed_kmh": draw(st.sampled_from([20.0, 40.0, 80.0]))},
        "forces": forces,
        "posts": posts,
    }
    if posts_only:
        return data

    tiers = {f"t{i}": {"escort_team": draw(st.integers(1, 6)), "priority": draw(st.integers(1, 9))}
             for i in range(draw(st.integers(1, 2)))}  # fmt: skip
    data["tiers"] = tiers
    delegations: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 2))):
        city = draw(st.sampled_from(cities))
        here = by_city[city]
        arrive = at(0, horizon - 1)
        arrive_h = (arrive - start).total_seconds() / 3600
        leave = at(arrive_h + 0.5)
        leave_h = (leave - start).total_seconds() / 3600
        d = {
            "tier": draw(st.sampled_from(list(tiers))),
            "count": draw(st.integers(1, 2)),
            "hotel": draw(st.sampled_from(here)),
            "escort_forces": draw(some_forces),
            "arrival": {
                "airport": draw(st.sampled_from(here)),
                "scheduled": arrive,
                "delay_min": draw(distributions(0, 90)),
            },
            "departure": {"airport": draw(st.sampled_from(here)), "scheduled": leave},
            "programme": [
                {
                    "at": at(arrive_h, leave_h),
                    "to": draw(st.sampled_from(here)),
                    "dwell_min": draw(distributions(0, 180)),
                }
                for _ in range(draw(st.integers(0, 2)))
            ],
        }
        d["programme"].sort(key=lambda m: m["at"])
        if draw(st.booleans()):
            d["unscheduled"] = {
                "rate_per_day": draw(st.floats(0, 30)),
                "duration_min": draw(distributions(1, 120)),
            }
        if draw(st.booleans()):
            d["escort_team"] = draw(st.integers(1, 4))
        delegations[f"d{i}"] = d
    data["delegations"] = delegations

    incidents: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 2))):
        inc: dict[str, Any] = {
            "city": draw(st.sampled_from(cities)),
            "rate_per_day": draw(st.floats(0, 40)),
            "team": draw(st.integers(1, 4)),
            "forces": draw(some_forces),
            "travel_min": draw(distributions(0, 40)),
            "on_scene_min": draw(distributions(0, 120)),
            "busy_includes_travel": draw(st.booleans()),
            "priority": draw(st.integers(1, 9)),
        }
        if draw(st.booleans()):
            profile = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=24, max_size=24))
            inc["hourly_profile"] = profile if sum(profile) > 0 else [1.0] * 24
        if draw(st.booleans()):
            first = at(0, horizon - 1)
            inc["first"] = first
            inc["last"] = at((first - start).total_seconds() / 3600 + 0.5)
        incidents[f"i{i}"] = inc
    data["incidents"] = incidents

    if fuel or draw(st.booleans()):
        data.update(draw(_air(force_names, sites, at, horizon, start, fuel)))
    return data


@st.composite
def _air(draw: st.DrawFn, force_names, sites, at, horizon, start, fuel) -> dict[str, Any]:
    burn = draw(st.sampled_from([100, 160, 200]))
    fuel = draw(st.sampled_from([300, 400, 600]))
    types: dict[str, dict[str, Any]] = {
        "helo": {
            "operator": draw(st.sampled_from(force_names)),
            # fast enough to reach any site (at most ~130 km apart) and back within the shortest
            # endurance and crew duty drawn here, as `validate` requires
            "cruise_kt": draw(st.sampled_from([150, 200, 250])),
            "fuel_capacity_gal": fuel,
            "burn_gal_per_h": burn,
            "reserve_min": draw(st.sampled_from([0, 15, 30])),
            "crew": draw(st.integers(1, 4)),
            "crew_duty_h": draw(st.sampled_from([1.5, 4, 12])),
            "turnaround_min": draw(distributions(0, 60)),
            "failure_per_flight_h": draw(st.sampled_from([0.0, 0.1, 0.5])),
            "repair_h": draw(distributions(0, 6)),
            "air_refuelable": draw(st.booleans()),
        }
    }
    if draw(st.booleans()):
        types["helo"]["maintenance_every_flight_h"] = draw(st.sampled_from([2.0, 6.0]))
        types["helo"]["maintenance_h"] = draw(distributions(0, 4))
    tanker = draw(st.booleans())
    if tanker:
        types["tk"] = {
            "kind": "tanker",
            "operator": draw(st.sampled_from(force_names)),
            "cruise_kt": 300,
            "fuel_capacity_gal": 20000,
            "burn_gal_per_h": 1000,
            "crew": draw(st.integers(1, 3)),
            "offload_gal": draw(st.sampled_from([50, 200, 1000])),
            "transfer_min": draw(distributions(1, 30)),
            "receivers": ["helo"],
        }
        types["helo"]["air_refuelable"] = True  # a tanker's receivers must be air-refuelable (checks)
    site_list = list(sites)
    count = draw(st.integers(1 if fuel else 0, 3))
    aircraft = {"helos": {"type": "helo", "base": draw(st.sampled_from(site_list)), "count": count}}
    if tanker:
        aircraft["tankers"] = {
            "type": "tk",
            "base": draw(st.sampled_from(site_list)),
            "count": draw(st.integers(0, 2)),
        }
    coverage = {}
    for i in range(draw(st.integers(1 if fuel else 0, 2))):
        a = at(0, horizon - 0.5)
        b = at((a - start).total_seconds() / 3600 + 0.5)
        coverage[f"a{i}"] = {
            "type": "helo",
            "over": draw(st.sampled_from(site_list)),
            "count": draw(st.integers(1, 2)),
            "windows": [{"start": a, "end": b}],
        }
    out: dict[str, Any] = {"aircraft_types": types, "aircraft": aircraft, "air_coverage": coverage}
    if draw(st.booleans()):
        out["delegation_overwatch"] = {"type": "helo", "count": draw(st.integers(1, 2))}
    if fuel or draw(st.booleans()):
        base = aircraft["helos"]["base"]
        capacity = draw(st.integers(1, 3000))
        out["fuel_points"] = {"fp": {"site": base, "capacity_gal": capacity,
                                     "initial_gal": draw(st.integers(0, capacity))}}  # fmt: skip
        truck: dict[str, Any] = {
            "count": draw(st.integers(1, 2)),
            "depot": draw(st.sampled_from(site_list)),
            "serves": ["fp"],
            "operator": draw(st.sampled_from(force_names)),
            "drivers": draw(st.integers(1, 2)),
            "capacity_gal": draw(st.integers(1, 1500)),
            "load_min": draw(distributions(0, 60)),
            "unload_gal_per_min": draw(st.sampled_from([50.0, 600.0])),
        }
        if draw(st.booleans()):
            truck["reorder_point_gal"] = draw(st.integers(0, capacity))
        else:
            truck["every_h"] = draw(st.sampled_from([1.0, 4.0, 12.0]))
            truck["first_h"] = draw(st.sampled_from([0.0, 2.0]))
        if fuel or draw(st.booleans()):
            out["fuel_trucks"] = {"bowser": truck}
    return out


@st.composite
def scenarios(
    draw: st.DrawFn, *, posts_only: bool = False, swept: bool = False, fuel: bool = False
) -> Scenario:
    """A valid `Scenario` (validated field by field, and by the whole-file checks)."""
    data = draw(scenario_data(posts_only=posts_only, swept=swept, fuel=fuel))
    s = Scenario.model_validate(data)
    problems = check_scenario(s)
    assert not problems, problems  # the strategy must only make valid scenarios
    return s
