"""Whole-scenario checks that single fields cannot make: references and windows.

Each check yields `(field path, message)`; the loader turns them into located `Problem`s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sim.scenario.schema import Scenario

__all__ = ["check_scenario"]

Found = Iterator[tuple[tuple[Any, ...], str]]


def _known(kind: str, name: str, table: dict[str, Any]) -> str:
    choices = ", ".join(sorted(table)) or "none defined"
    return f"unknown {kind} {name!r} (known: {choices})"


def _within(s: Scenario, path: tuple[Any, ...], t: dt.datetime, what: str) -> Found:
    if not s.start <= t <= s.end:
        yield path, f"{what} {t} is outside the scenario window {s.start} to {s.end}"


def _check_forces(s: Scenario) -> Found:
    swept = [k for k, f in s.forces.items() if f.swept]
    if len(swept) > 1:
        yield ("forces",), f"only one force may be `swept: true`, found {', '.join(swept)}"
    for name, force in s.forces.items():
        for city in force.cities:
            if city not in s.cities:
                yield ("forces", name, "cities", city), _known("city", city, s.cities)


def _check_sites(s: Scenario) -> Found:
    for name, site in s.sites.items():
        if site.city not in s.cities:
            yield ("sites", name, "city"), _known("city", site.city, s.cities)
    for i, leg in enumerate(s.travel.legs):
        for j, site in enumerate(leg.between):
            if site not in s.sites:
                yield ("travel", "legs", i, "between", j), _known("site", site, s.sites)


def _check_posts(s: Scenario) -> Found:
    for name, post in s.posts.items():
        if post.site not in s.sites:
            yield ("posts", name, "site"), _known("site", post.site, s.sites)
        for i, force in enumerate(post.forces):
            if force not in s.forces:
                yield ("posts", name, "forces", i), _known("force", force, s.forces)
        for i, w in enumerate(post.windows):
            yield from _within(s, ("posts", name, "windows", i, "start"), w.start, "start")
            yield from _within(s, ("posts", name, "windows", i, "end"), w.end, "end")
        for i, d in enumerate(post.daily):
            for key in ("first_date", "last_date"):
                day = getattr(d, key)
                if day is not None and not s.start.date() <= day <= s.end.date():
                    yield (
                        ("posts", name, "daily", i, key),
                        f"{key} {day} is outside the scenario window {s.start} to {s.end}",
                    )


def _check_delegations(s: Scenario) -> Found:
    for name, d in s.delegations.items():
        base = ("delegations", name)
        if d.tier not in s.tiers:
            yield (*base, "tier"), _known("tier", d.tier, s.tiers)
        for i, force in enumerate(d.escort_forces):
            if force not in s.forces:
                yield (*base, "escort_forces", i), _known("force", force, s.forces)
        if d.hotel not in s.sites:
            yield (*base, "hotel"), _known("site", d.hotel, s.sites)
            continue
        city = s.sites[d.hotel].city
        places = [((*base, "arrival", "airport"), d.arrival.airport)]
        places.append(((*base, "departure", "airport"), d.departure.airport))
        places += [((*base, "programme", i, "to"), m.to) for i, m in enumerate(d.programme)]
        for path, site in places:
            if site not in s.sites:
                yield path, _known("site", site, s.sites)
            elif s.sites[site].city != city:
                yield (
                    path,
                    (
                        f"site {site!r} is in {s.sites[site].city}, but the delegation's hotel "
                        f"{d.hotel!r} is in {city}: escorts work within one city"
                    ),
                )
        yield from _within(s, (*base, "arrival", "scheduled"), d.arrival.scheduled, "arrival")
        yield from _within(s, (*base, "departure", "scheduled"), d.departure.scheduled, "departure")
        for i, m in enumerate(d.programme):
            yield from _within(s, (*base, "programme", i, "at"), m.at, "movement")
            if not d.arrival.scheduled <= m.at <= d.departure.scheduled:
                yield (
                    (*base, "programme", i, "at"),
                    (
                        f"movement at {m.at} is outside the delegation's stay "
                        f"({d.arrival.scheduled} to {d.departure.scheduled})"
                    ),
                )


def _check_incidents(s: Scenario) -> Found:
    for name, inc in s.incidents.items():
        if inc.city not in s.cities:
            yield ("incidents", name, "city"), _known("city", inc.city, s.cities)
        for i, force in enumerate(inc.forces):
            if force not in s.forces:
                yield ("incidents", name, "forces", i), _known("force", force, s.forces)
        for key in ("first", "last"):
            t = getattr(inc, key)
            if t is not None:
                yield from _within(s, ("incidents", name, key), t, key)


def _check_peak(s: Scenario) -> Found:
    if s.peak is not None:
        yield from _within(s, ("peak", "start"), s.peak.start, "peak start")
        yield from _within(s, ("peak", "end"), s.peak.end, "peak end")
        if s.peak.end <= s.peak.start:
            yield ("peak", "end"), "peak end must be after peak start"


def check_scenario(s: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Every cross-reference and window problem in a field-valid scenario."""
    found: list[tuple[tuple[Any, ...], str]] = []
    for check in (
        _check_forces,
        _check_sites,
        _check_posts,
        _check_delegations,
        _check_incidents,
        _check_peak,
    ):
        found.extend(check(s))
    return found
