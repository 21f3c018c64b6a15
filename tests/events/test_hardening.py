"""Hardening of the model and the experiment plan against numbers at their limits (issue 11): a refuel
that fills the tanks to the gallon whatever the floating-point noise of the burn, hourly profiles of
huge or subnormal weights, precisions too fine to reach, and properties of the example scenarios'
traces (no refuel beyond a tank's capacity, fuel books that balance to the gallon)."""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pytest

from sim.experiment.plan import MIN_PRECISION, Plan, next_round
from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.model.incidents import hour_weights, incident_times
from sim.model.timeline import Clock
from sim.scenario import load_scenario, parse_scenario
from sim.validation import theory
from tests.helpers import ROOT
from tests.helpers.tiny import tiny

# -- a refuel fills the tanks to the gallon ----------------------------------------------------------

# Two helicopters keep one on station over `station`, T = 0.25 h from the base (to float rounding: the
# equator geometry of scenarios/validation/sortie_several.yaml). Endurance 220 gal / 100 gal/h = 2.2 h,
# a 30-minute reserve: each stays S = 2.2 - 0.5 - 2T = 1.2 h and burns 170 gal a sortie; a fixed
# 75-minute turnaround makes the cycle C = S + 2T + 1.25 = 2.95 h, and the 11.8-hour window is 4 cycles.
# Closed form (sim.validation.theory.sortie_coverage): 2 S / C = 48/59 = 0.81356. The burn of 170 gal
# came out as 169.99999... gal, and a refuel of int(169.99999) = 169 gal left each helicopter at 219 of
# 220 gal: every later sortie 0.01 h short, and an on-station share of 0.81271.
TWO_HELICOPTERS = """
name: two_helicopters
timezone: UTC
start: 2024-01-01T00:00
end: 2024-01-02T00:00
seed: 5
replications: 1
targets: {post_coverage_min: null, p_critical_gap_max: null}
cities:
  c: {lat: 0.0, lon: 0.0}
sites:
  base: {city: c, kind: base, lat: 0.0, lon: 0.0}
  station: {city: c, kind: venue, lat: 0.0, lon: 0.6245788553105583}
forces:
  aviators:
    headcount: 40
    cities: {c: 1.0}
    roles: {aviation: 1.0}
    shift: {pattern: continuous}
aircraft_types:
  helo:
    operator: aviators
    cruise_kt: 150
    fuel_capacity_gal: 220
    burn_gal_per_h: 100
    reserve_min: 30
    crew: 4
    turnaround_min: 75
aircraft:
  helos: {type: helo, base: base, count: 2}
air_coverage:
  watch:
    type: helo
    over: station
    windows: [{start: 2024-01-01T08:00, end: 2024-01-01T19:48}]
"""
FUEL_POINT = """
fuel_points:
  base_fuel: {site: base, capacity_gal: 5000, initial_gal: 5000}
"""


def _two_helicopters(extra: str = ""):
    return parse_scenario(textwrap.dedent(TWO_HELICOPTERS) + textwrap.dedent(extra), "two_helicopters.yaml")


def _exact_share() -> float:
    transit = 6371.0 * math.radians(0.6245788553105583) / (150 * 1.852)
    stay = 220 / 100 - 30 / 60 - 2 * transit
    return theory.sortie_coverage(2, stay, transit, 75 / 60, 11.8)


def _refuels(record) -> list[int]:
    return [int(re.match(r"(\d+) gal", e.detail).group(1)) for e in record.events if e.kind == "refuel"]


def test_the_two_helicopter_on_station_share_is_the_closed_form_exactly():
    expected = _exact_share()
    assert round(expected, 5) == 0.81356
    r = run_replication(_two_helicopters(), seed=1, trace=True)
    assert compute_metrics(r)["air_coverage"] == pytest.approx(expected, abs=1e-9)  # was 0.81271
    # the 8 sorties of the 4 cycles stay 1.2 h each and burn 170 gal (1.7 h at 100 gal/h), and every
    # refuel puts back all 170 (a last sortie, launched a rounding error before the window closes,
    # arrives as it closes)
    stays = [b - a for a, b in r.stations["watch"].on_station[0]]
    assert stays[:8] == pytest.approx([1.2] * 8, abs=1e-9)
    assert sum(stays[8:]) == pytest.approx(0, abs=1e-9)
    assert _refuels(r)[:8] == [170] * 8


def test_refuels_from_a_fuel_point_keep_the_share_exact_and_the_books_balanced_to_the_gallon():
    r = run_replication(_two_helicopters(FUEL_POINT), seed=1, trace=True)
    assert compute_metrics(r)["air_coverage"] == pytest.approx(_exact_share(), abs=1e-9)
    ledger = r.fuel["base_fuel"]
    assert _refuels(r)[:8] == [170] * 8
    assert ledger.dispensed_gal == sum(_refuels(r))
    assert ledger.final_gal == ledger.initial_gal + ledger.delivered_gal - ledger.dispensed_gal


# -- hourly profiles of huge or subnormal weights ----------------------------------------------------
INCIDENTS = """
forces:
  us:
    headcount: 10
    cities: {lima: 1}
    shift: {pattern: continuous}
incidents:
  calls:
    city: lima
    rate_per_day: 8
    hourly_profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    team: 1
    forces: [us]
    travel_min: 10
    on_scene_min: 20
"""
SEEDS = 2000


def _stream(profile: list[float]):
    """The scenario of `INCIDENTS` (a two-day window) with `profile`, set after validation: the model
    must cope with any profile whatever limits the scenario check puts on the weights."""
    s = tiny(INCIDENTS)
    inc = s.incidents["calls"].model_copy(update={"hourly_profile": profile})
    return s, inc


def _counts(profile: list[float]) -> tuple[np.ndarray, list[np.ndarray]]:
    s, inc = _stream(profile)
    clock = Clock.of(s)
    draws = [incident_times(inc, clock, np.random.default_rng(seed)) for seed in range(SEEDS)]
    return np.array([len(t) for t in draws]), draws


def _assert_poisson_mean(counts: np.ndarray, expected: float) -> None:
    """The mean count of `SEEDS` Poisson draws within 4.5 standard errors (sd √expected / √SEEDS)."""
    tolerance = 4.5 * math.sqrt(expected / SEEDS)
    assert abs(counts.mean() - expected) <= tolerance, (counts.mean(), expected, tolerance)


def test_an_hourly_profile_of_huge_weights_gives_the_rate_set():
    days = 2.0
    counts, _ = _counts([1e308] * 24)  # the mean of these weights overflowed: 0 incidents
    _assert_poisson_mean(counts, 8 * days)
    counts, draws = _counts([1e308] * 12 + [0.0] * 12)  # all in the first twelve local hours
    _assert_poisson_mean(counts, 8 * days)
    hours = np.concatenate(draws) % 24  # the window starts at local midnight
    assert hours.size > 0
    assert hours.max() < 12


def test_an_hourly_profile_with_one_subnormal_weight_gives_no_nan():
    profile = [0.0] * 24
    profile[5] = 5e-324  # the smallest subnormal: its mean is 0, and profile / mean was NaN
    weights = hour_weights(profile)
    assert np.isfinite(weights).all()
    assert weights[5] == 24
    assert weights.sum() == 24
    counts, draws = _counts(profile)
    _assert_poisson_mean(counts, 16.0)
    hours = np.concatenate(draws) % 24
    assert ((hours >= 5) & (hours < 6)).all()
    mixed = hour_weights([5e-324] + [1e308] * 23)
    assert np.isfinite(mixed).all()
    assert mixed.sum() == pytest.approx(24)


def test_hour_weights_of_an_ordinary_profile_are_unchanged_to_the_bit():
    profile = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.7, 2.3, 1.9, 1.4, 1.2, 1.3, 1.1, 1.0, 1.2, 1.6, 2.2,
               2.6, 2.0, 1.5, 1.0, 0.6, 0.3]  # fmt: skip
    p = np.asarray(profile)
    assert hour_weights(profile).tolist() == (p / p.mean()).tolist()
    for bad in ([0.0] * 24, [1.0] * 23 + [math.inf], [1.0] * 23 + [math.nan], [1.0] * 23 + [-1.0]):
        with pytest.raises(ValueError, match="hourly profile"):
            hour_weights(bad)


def test_a_scenario_with_huge_profile_weights_raises_incidents():
    s, inc = _stream([1e308] * 24)
    s = s.model_copy(update={"incidents": {"calls": inc}})
    assert len(run_replication(s, seed=3).responses) > 0


# -- precision too fine to reach --------------------------------------------------------------------
def test_next_round_takes_any_ratio_without_overflow():
    for ratio in (1e200, 1e300, 1.7e308, math.inf, math.nan):
        assert next_round(20, ratio, 1000) == 40  # at most double
    assert next_round(600, 1e300, 1000) == 1000  # capped
    assert next_round(100, 1.1, 1000) == 130  # the 1/√n law below the doubling, as before


def test_plan_refuses_a_precision_finer_than_it_can_reach():
    with pytest.raises(
        ValueError, match=r"precision 1e-300 is finer than any run can reach \(at least 1e-06"
    ):
        Plan(precision=1e-300)
    with pytest.raises(ValueError, match="finer than any run can reach"):
        Plan(precision=MIN_PRECISION / 2)
    assert Plan(precision=MIN_PRECISION).precision == MIN_PRECISION
    assert Plan(precision=0.02).first_round() == 20


# -- properties of the example scenarios' traces ----------------------------------------------------
AIR_EXAMPLES = ["examples/air_fuel.yaml", "examples/small_summit.yaml", "apec2024_peru.yaml"]


@pytest.mark.parametrize("name", AIR_EXAMPLES)
def test_no_refuel_exceeds_the_tank_and_the_fuel_books_balance(name):
    s = load_scenario(ROOT / "scenarios" / name)
    for seed in (1, 2):
        r = run_replication(s, seed=seed, trace=True)
        refuels = [e for e in r.events if e.kind == "refuel"]
        assert refuels, "the example flies sorties and refuels"
        for e in refuels:
            gallons = int(re.match(r"(\d+) gal", e.detail).group(1))
            capacity = s.aircraft_types[r.aircraft[e.entity].type].fuel_capacity_gal
            # more than the tank would mean it landed with less than nothing: flown beyond its endurance
            assert 0 < gallons <= capacity, (e, capacity)
        for e in r.events:
            if e.kind == "air_refuel":
                took = float(re.match(r"took (\d+) gal", e.detail).group(1))
                assert took <= s.aircraft_types[r.aircraft[e.entity].type].fuel_capacity_gal, e
        for ledger in r.fuel.values():
            assert ledger.final_gal == ledger.initial_gal + ledger.delivered_gal - ledger.dispensed_gal
            assert 0 <= ledger.final_gal <= ledger.capacity_gal
