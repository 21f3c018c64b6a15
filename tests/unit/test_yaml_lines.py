"""The scenario reader's shortcut for plain scalars (sim.scenario.yaml_lines) builds what PyYAML's own
construction does with the same loader, for every kind of scalar a scenario holds."""

from __future__ import annotations

import datetime as dt

import yaml

from sim.scenario.yaml_lines import _Loader, load_with_lines

DOCUMENT = """
name: lima
quoted: "12"
single: '0.5'
count: 12
octal_like: 017
hex: 0x1F
ratio: 0.25
exp: 1.5e+3
infinite: .inf
yes_no: true
no_value: false
nothing: null
tilde: ~
empty:
day: 2024-11-14
stamp: 2024-11-14 17:45:00
time_of_day: 12:30
7: integer key
2.5: float key
on: boolean key
list: [a, 1, 2.0, null, "x"]
block: |
  two
  lines
anchor: &a {lat: -12.1, lon: -77.0}
alias: *a
merged:
  <<: *a
  lat: 3
"""


def test_plain_scalars_are_built_as_pyyaml_builds_them() -> None:
    data, lines = load_with_lines(DOCUMENT)
    assert data == yaml.load(DOCUMENT, Loader=_Loader)
    assert data["quoted"] == "12"
    assert data["count"] == 12
    assert data["time_of_day"] == "12:30"  # no base-60 numbers
    assert data["stamp"] == dt.datetime(2024, 11, 14, 17, 45)
    assert data[7] == "integer key"
    assert data[True] == "boolean key"  # YAML 1.1: `on` is true
    assert data["merged"] == {"lat": 3, "lon": -77.0}
    assert lines[("time_of_day",)] == 18
