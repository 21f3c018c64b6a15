"""Tiny scenarios written inline, for tests that read as specifications."""

from __future__ import annotations

import textwrap

from sim.scenario import Scenario, parse_scenario

HEADER = """
name: tiny
timezone: America/Lima
start: 2024-11-04T00:00
end: 2024-11-06T00:00
cities: {lima: {lat: -12.05, lon: -77.04}}
sites:
  lcc: {city: lima, kind: venue}
  hotel: {city: lima, kind: hotel}
  airport: {city: lima, kind: airport}
travel:
  legs:
    - {between: [airport, hotel], minutes: 30}
    - {between: [hotel, lcc], minutes: 20}
    - {between: [airport, lcc], minutes: 40}
"""


def tiny(body: str, header: str = HEADER) -> Scenario:
    """A scenario from the shared header (two days, three Lima sites) plus `body`."""
    return parse_scenario(textwrap.dedent(header) + textwrap.dedent(body), "tiny.yaml")
