"""Across a staffing sweep on common random numbers, mean post coverage never falls as troops rise
(issue 5). A small mixed scenario: posts of several priorities that two forces may staff, shifts with
absences, delegations with escorts and unscheduled trips, and incidents answered by the same troops.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.metrics import compute_metrics
from sim.model import run_replication
from tests.helpers.tiny import tiny

MIXED = """
forces:
  us:
    headcount: 20
    swept: true
    cities: {lima: 1}
    shift: {pattern: 12on12off, first_start: "07:00", handover_min: 30}
    absence_prob: 0.1
  police:
    headcount: 12
    cities: {lima: 1}
    shift: {pattern: 8h3crew, first_start: "06:00"}
    absence_prob: 0.05
posts:
  cordon:
    site: lcc
    required: 6
    forces: [us]
    critical: true
    priority: 1
    daily: [{from: "08:00", to: "20:00"}]
  gate:
    site: lcc
    required: 4
    forces: [police, us]
    priority: 4
    daily: [{from: "06:00", to: "06:00"}]
  hotel_watch:
    site: hotel
    required: 3
    forces: [us, police]
    priority: 6
    windows: [{start: 2024-11-04T18:00, end: 2024-11-05T10:00}]
tiers: {leader: {escort_team: 3, priority: 2}}
delegations:
  guest:
    tier: leader
    hotel: hotel
    escort_forces: [us]
    arrival: {airport: airport, scheduled: 2024-11-04T09:00, delay_min: {kind: exponential, mean: 30}}
    departure: {airport: airport, scheduled: 2024-11-05T19:00}
    programme: [{at: 2024-11-05T08:00, to: lcc, dwell_min: {kind: uniform, low: 60, high: 180}}]
    unscheduled: {rate_per_day: 6, duration_min: {kind: exponential, mean: 45}}
incidents:
  street:
    city: lima
    rate_per_day: 8
    team: 2
    forces: [us, police]
    travel_min: {kind: triangular, low: 5, mode: 10, high: 20}
    on_scene_min: {kind: lognormal, mean: 40, sd: 20}
    priority: 3
"""
LEVELS = [0, 6, 12, 18, 24, 30, 40, 60]
REPLICATIONS = 10


def test_mean_post_coverage_is_non_decreasing_in_troops_on_common_random_numbers():
    s = tiny(MIXED)
    coverage = np.array(
        [
            [
                compute_metrics(run_replication(s, rep, troops=t))["post_coverage"]
                for rep in range(REPLICATIONS)
            ]
            for t in LEVELS
        ]
    )
    means = coverage.mean(axis=1)
    for (t0, m0), (t1, m1) in itertools.pairwise(zip(LEVELS, means, strict=True)):
        assert m1 >= m0 - 1e-12, f"mean coverage fell from {m0:.6f} at {t0} troops to {m1:.6f} at {t1}"
    assert means[0] < means[-1]  # the sweep spans a real range
    assert means[-1] > 0.99
