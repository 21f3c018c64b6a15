"""Small scenarios for the experiment tests, as YAML text (the CLI tests need files)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.helpers.tiny import HEADER

# A U.S. force (swept) guards a critical gate around the clock and a hotel door by day, escorts one
# delegation and answers incidents; absences make every level random, so sweeps have something to
# estimate. About a millisecond or two per replication.
SMALL = HEADER + textwrap.dedent("""
    seed: 11
    replications: 12
    targets:
      post_coverage_min: 0.97
      p_critical_gap_max: 0.2
      critical_gap_tolerance_min: 30
    forces:
      us:
        headcount: 24
        swept: true
        cities: {lima: 1}
        shift: {pattern: 12on12off, first_start: "07:00"}
        absence_prob: 0.1
    posts:
      gate:
        site: lcc
        required: 6
        forces: [us]
        critical: true
        priority: 1
        daily: [{from: "00:00", to: "00:00"}]
      hotel_door:
        site: hotel
        required: 3
        forces: [us]
        priority: 5
        daily: [{from: "08:00", to: "20:00"}]
    tiers:
      t1: {escort_team: 2, priority: 2}
    delegations:
      usa:
        tier: t1
        hotel: hotel
        escort_forces: [us]
        arrival: {airport: airport, scheduled: 2024-11-04T10:00, delay_min: {kind: exponential, mean: 30}}
        departure: {airport: airport, scheduled: 2024-11-05T18:00, delay_min: {kind: exponential, mean: 20}}
        programme:
          - {at: 2024-11-04T15:00, to: lcc, dwell_min: 60}
          - {at: 2024-11-05T09:00, to: lcc, dwell_min: {kind: uniform, low: 30, high: 90}}
    incidents:
      lima_calls:
        city: lima
        rate_per_day: 6
        team: 2
        forces: [us]
        travel_min: {kind: uniform, low: 5, high: 20}
        on_scene_min: {kind: exponential, mean: 30}
        target_min: 20
""")

# The same without a swept force (for --troops errors).
UNSWEPT = SMALL.replace("    swept: true\n", "")
assert UNSWEPT != SMALL


def write(folder: Path, text: str = SMALL, name: str = "small.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path
