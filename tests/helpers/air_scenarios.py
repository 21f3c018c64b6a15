"""Small air and fuel scenarios with round numbers, for exact-sequence tests.

The helicopter base and the station lie on one meridian, so far apart that a 150 kt helicopter takes
`TRANSIT_H` (a quarter hour, to float rounding) to fly between them.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from hypothesis import strategies as st

from sim.model.travel import haversine_km
from sim.scenario import Scenario, parse_scenario
from sim.scenario.types import MIN_ON_STATION_H

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


# -- random air scenarios on the same meridian, for property tests ---------------------------------
QUARTERS = (0.5, 1.0, 1 - 1e-7, 2.0, 3.0, 5.0)  # station and far base: quarter hours of transit away


def _site(lat_quarters: float, kind: str) -> dict[str, Any]:
    return {"city": "lima", "kind": kind, "lat": -12.0 - lat_quarters * DEG, "lon": -77.0}


@st.composite
def air_fleets(draw: st.DrawFn) -> dict[str, Any]:
    """A one-day air scenario as plain data: MH-60s at `base` (and maybe more at `far`, north of it),
    one or two coverage requirements over `over` (south of it), sometimes a tanker that may give more
    than it can spare, sometimes incidents answered by an air alert over `over`, a fuel point at the base
    and a truck. Distances, fuel, reserve and crew duty are
    drawn so that the station is sometimes out of reach: such a scenario is refused by `validate`."""
    over_q = draw(st.sampled_from(QUARTERS))
    far_q = draw(st.sampled_from(QUARTERS))
    helo: dict[str, Any] = {
        "operator": "us",
        "cruise_kt": CRUISE_KT,
        "fuel_capacity_gal": draw(st.sampled_from([100, 130, 190, 360, 600])),
        "burn_gal_per_h": draw(st.sampled_from([55, 160])),
        "reserve_min": draw(st.sampled_from([0, 15, 30])),
        "crew": 2,
        "crew_duty_h": draw(st.sampled_from([0.6, 2.0, 12.0])),
        "turnaround_min": draw(st.sampled_from([0, 30])),
        "failure_per_flight_h": draw(st.sampled_from([0.0, 0.0, 0.3])),
        "repair_h": 1,
    }
    types: dict[str, Any] = {"mh60": helo}
    aircraft: dict[str, Any] = {"helos": {"type": "mh60", "base": "base", "count": draw(st.integers(1, 2))}}
    if draw(st.booleans()):
        aircraft["distant"] = {"type": "mh60", "base": "far", "count": draw(st.integers(1, 2))}
    if draw(st.booleans()):
        helo["air_refuelable"] = True
        types["kc"] = {
            "kind": "tanker",
            "operator": "us",
            "cruise_kt": draw(st.sampled_from([150, 300])),
            "fuel_capacity_gal": draw(st.sampled_from([500, 800, 3000])),
            "burn_gal_per_h": draw(st.sampled_from([300, 1000])),
            "reserve_min": draw(st.sampled_from([0, 20])),
            "crew": 2,
            "crew_duty_h": 24,
            "offload_gal": draw(st.sampled_from([50, 500, 2500])),
            "transfer_min": draw(st.sampled_from([5, 30, {"kind": "exponential", "mean": 60}])),
            "receivers": ["mh60"],
        }
        aircraft["tankers"] = {"type": "kc", "base": draw(st.sampled_from(["base", "far"])), "count": 1}
    coverage = {}
    for i in range(draw(st.integers(1, 2))):
        start = draw(st.integers(0, 20))
        end = draw(st.integers(start + 1, 24))
        coverage[f"watch{i}"] = {
            "type": "mh60",
            "over": "over",
            "count": draw(st.integers(1, 2)),
            "windows": [{"start": f"2024-11-04T{start:02d}:00", "end": _clock_of(end)}],
        }
    capacity = draw(st.sampled_from([300, 2000]))
    incidents = {}
    if draw(st.booleans()):  # incidents answered from the air, over the same station
        incidents["calls"] = {
            "city": "lima",
            "rate_per_day": draw(st.sampled_from([2, 12])),
            "on_scene_min": draw(st.sampled_from([10, 200])),  # 200: longer than any endurance drawn here
            "air_alert": {"type": "mh60", "site": "over", "scramble_min": draw(st.sampled_from([0, 10]))},
        }
    return {
        "name": "air",
        "timezone": "America/Lima",
        "start": "2024-11-04T00:00",
        "end": "2024-11-05T00:00",
        "cities": {"lima": {"lat": -12.0, "lon": -77.0}},
        "sites": {"base": _site(0, "base"), "over": _site(over_q, "venue"), "far": _site(-far_q, "base")},
        "forces": {
            "us": {
                "headcount": draw(st.sampled_from([8, 40])),
                "cities": {"lima": 1},
                "roles": {"security": 0.5, "aviation": 0.25, "logistics": 0.25},
                "shift": {"pattern": "continuous"},
            }
        },
        "aircraft_types": types,
        "aircraft": aircraft,
        "air_coverage": coverage,
        "incidents": incidents,
        "fuel_points": {
            "base_fuel": {
                "site": "base",
                "capacity_gal": capacity,
                "initial_gal": draw(st.integers(0, capacity)),
            }
        },
        "fuel_trucks": {
            "bowser": {
                "count": 1,
                "depot": "base",
                "serves": ["base_fuel"],
                "operator": "us",
                "capacity_gal": draw(st.sampled_from([100, 1000])),
                "every_h": 2.0,
            }
        },
    }


def _clock_of(hour: int) -> str:
    return "2024-11-05T00:00" if hour == 24 else f"2024-11-04T{hour:02d}:00"


def reachable(data: dict[str, Any]) -> bool:
    """Whether the nearest base can fly to the station and back and hold it a minute, within the
    endurance less the reserve and within the crew's duty: what `validate` must require, worked out here
    from the quarter hours."""
    helo = data["aircraft_types"]["mh60"]
    over_q = (-12.0 - data["sites"]["over"]["lat"]) / DEG  # base is at 0, far to the north of it
    out_and_back = 2 * over_q * TRANSIT_H
    endurance = helo["fuel_capacity_gal"] / helo["burn_gal_per_h"]
    need = out_and_back + MIN_ON_STATION_H
    return need + helo["reserve_min"] / 60 <= endurance and need <= helo["crew_duty_h"]
