"""Bigger versions of a scenario for the scale benchmarks: k staggered copies, or more people.

`copies(data, k)` repeats every site, post, delegation, incident stream, aircraft group, air
requirement, fuel point and truck group k times in the same cities (copy i's names end in `_c{i}`,
its times are `i * stagger_min` minutes later so that the copies' changes do not coincide) and
multiplies every force's headcount by k, so each copy has the people its posts need. `headcounts(data,
m)` multiplies the headcounts alone. Both work on plain data (`scenario_data`), validated afterwards.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

SECTIONS = [
    "sites",
    "posts",
    "delegations",
    "incidents",
    "aircraft",
    "air_coverage",
    "fuel_points",
    "fuel_trucks",
]
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$")
_TIME = re.compile(r"^\d\d:\d\d$")
_NOT_NAMES = {"kind", "type", "tier", "role", "operator", "city"}  # keys whose values are never copied names


MAX_HEADCOUNT = 10_000_000  # the schema's limit on a force


def headcounts(data: dict[str, Any], m: int) -> dict[str, Any]:
    """The scenario with every force's headcount (and exact pools, strength steps) times `m`, but at
    most the schema's 10^7 people (13,000 police x 1000 would exceed it)."""
    out = copy.deepcopy(data)
    for force in out.get("forces", {}).values():
        force["headcount"] = min(force["headcount"] * m, MAX_HEADCOUNT)
        for step in force.get("strength", []):
            step["headcount"] = min(step["headcount"] * m, MAX_HEADCOUNT)
        for roles in (force.get("pools") or {}).values():
            for role in roles:
                roles[role] *= m
    return out


def copies(data: dict[str, Any], k: int, stagger_min: int = 7) -> dict[str, Any]:
    """The scenario with k copies of its sites, posts, delegations, incidents and air and fuel parts,
    copy i shifted `i * stagger_min` minutes later, and every headcount times k."""
    out = headcounts(data, k)
    ids = {name for sec in SECTIONS for name in data.get(sec) or {}}
    end = dt.datetime.fromisoformat(data["end"])
    for i in range(1, k):
        rename = {name: f"{name}_c{i}" for name in ids}
        shift = dt.timedelta(minutes=i * stagger_min)
        for sec in SECTIONS:
            for name, entry in (data.get(sec) or {}).items():
                out[sec][rename[name]] = _moved(entry, rename, shift, end)
        legs = data.get("travel", {}).get("legs", [])
        out["travel"]["legs"] = out["travel"]["legs"] + [_moved(leg, rename, shift, end) for leg in legs]
    return out


def _moved(x: Any, rename: dict[str, str], shift: dt.timedelta, end: dt.datetime) -> Any:
    """A copy of `x` with names renamed, date-times and times of day `shift` later (never past `end`)."""
    if isinstance(x, dict):
        return {k: v if k in _NOT_NAMES else _moved(v, rename, shift, end) for k, v in x.items()}
    if isinstance(x, list):
        return [_moved(v, rename, shift, end) for v in x]
    if isinstance(x, str):
        if x in rename:
            return rename[x]
        if _DATETIME.match(x):
            return min(dt.datetime.fromisoformat(x) + shift, end).isoformat(timespec="minutes")
        if _TIME.match(x):
            h, m = map(int, x.split(":"))
            t = (h * 60 + m + int(shift.total_seconds() // 60)) % (24 * 60)
            return f"{t // 60:02d}:{t % 60:02d}"
    return x
