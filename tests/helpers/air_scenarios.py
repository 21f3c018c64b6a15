"""Small air and fuel scenarios with round numbers, for exact-sequence tests.

The helicopter base and the station lie on one meridian, so far apart that a 150 kt helicopter takes
`TRANSIT_H` (a quarter hour, to float rounding) to fly between them.
"""

from __future__ import annotations

import math
import textwrap

from sim.model.travel import haversine_km
from sim.scenario import Scenario, parse_scenario

CRUISE_KT = 150
DEG = 0.25 * CRUISE_KT * 1.852 / (6371.0 * math.pi / 180)
TRANSIT_H = haversine_km(-12.0, -77.0, -12.0 - DEG, -77.0) / (CRUISE_KT * 1.852)

HEADER = f"""
name: air
timezone: America/Lima
start: 2024-11-04T00:00
end: 2024-11-05T00:00
cities: {{lima: {{lat: -12.0, lon: -77.0}}}}
sites:
  base: {{city: lima, kind: base, lat: -12.0, lon: -77.0}}
  over: {{city: lima, kind: venue, lat: {-12.0 - DEG!r}, lon: -77.0}}
forces:
  us:
    headcount: 40
    cities: {{lima: 1}}
    roles: {{security: 0.5, aviation: 0.25, logistics: 0.25}}
    shift: {{pattern: continuous}}
aircraft_types:
  mh60:
    operator: us
    cruise_kt: {CRUISE_KT}
    fuel_capacity_gal: 360
    burn_gal_per_h: 160
    reserve_min: 15
    crew: 4
    turnaround_min: 30
"""


def air_scenario(body: str, header: str = HEADER) -> Scenario:
    """The shared header (one day, a base and a station a quarter hour apart, MH-60s) plus `body`."""
    return parse_scenario(textwrap.dedent(header) + textwrap.dedent(body), "air.yaml")
