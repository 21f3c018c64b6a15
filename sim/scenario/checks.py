"""Whole-scenario checks that single fields cannot make: references and windows.

Each check yields `(field path, message)`; the loader turns them into located `Problem`s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sim.scenario.places import haversine_km, site_latlon
from sim.scenario.schema import AirStation, IncidentStream, Post, Scenario
from sim.scenario.targets import AIR_ALERT_METRICS
from sim.scenario.types import MAX_AIRCRAFT, MAX_DELEGATIONS, MAX_WINDOW_DAYS, MIN_ON_STATION_H

__all__ = ["check_scenario"]

Found = Iterator[tuple[tuple[Any, ...], str]]


def _known(kind: str, name: str, table: dict[str, Any]) -> str:
    choices = ", ".join(sorted(table)) or "none defined"
    return f"unknown {kind} {name!r} (known: {choices})"


def _ref(path: tuple[Any, ...], kind: str, name: str, table: dict[str, Any]) -> Found:
    """A reference to a `kind` called `name` that `table` must define."""
    if name not in table:
        yield path, _known(kind, name, table)


def _window(s: Scenario, city: str | None) -> tuple[dt.datetime, dt.datetime]:
    """The scenario window on a city's clock (its own time zone), naive; the scenario's own if none."""
    if city is None or city not in s.cities or s.cities[city].timezone is None:
        return s.start, s.end
    tz = s.city_tz(city)
    start, end = (t.replace(tzinfo=s.tz).astimezone(tz).replace(tzinfo=None) for t in (s.start, s.end))
    return start, end


def _within(s: Scenario, path: tuple[Any, ...], t: dt.datetime, what: str, city: str | None = None) -> Found:
    """`t` (read on `city`'s clock, else the scenario's) lies inside the scenario window."""
    start, end = _window(s, city)
    if not start <= t <= end:
        where = "" if (start, end) == (s.start, s.end) else f" ({city} time)"
        yield path, f"{what} {t} is outside the scenario window {start} to {end}{where}"


def _span(
    s: Scenario, path: tuple[Any, ...], first: dt.datetime | None, last: dt.datetime | None,
    city: str | None = None,
) -> Found:  # fmt: skip
    """Optional `first`/`last` bounds: each inside the scenario window, `last` after `first`."""
    for key, t in (("first", first), ("last", last)):
        if t is not None:
            yield from _within(s, (*path, key), t, key, city)
    if first is not None and last is not None and last <= first:
        yield (*path, "last"), f"last ({last}) must be after first ({first})"


def _check_forces(s: Scenario) -> Found:
    swept = [k for k, f in s.forces.items() if f.swept]
    if len(swept) > 1:
        yield ("forces",), f"only one force may be `swept: true`, found {', '.join(swept)}"
    for name, force in s.forces.items():
        for field in ("cities", "city_roles", "pools"):
            for city in getattr(force, field) or {}:
                yield from _ref(("forces", name, field, city), "city", city, s.cities)
        if force.swept and force.strength and not force.headcount:
            yield (
                ("forces", name, "headcount"),
                "a swept force with `strength` needs headcount > 0: the sweep "
                "scales every step by troops / headcount",
            )
        for i, step in enumerate(force.strength):
            yield from _within(s, ("forces", name, "strength", i), step.from_, "from")


def _check_sites(s: Scenario) -> Found:
    for name, site in s.sites.items():
        yield from _ref(("sites", name, "city"), "city", site.city, s.cities)
    for i, leg in enumerate(s.travel.legs):
        for j, end in enumerate(leg.between):
            yield from _ref(("travel", "legs", i, "between", j), "site", end, s.sites)


def _check_duty_travel(s: Scenario) -> Found:
    """A city's reserve site is one of its own sites; a fixed roster needs people placed at sites."""
    for name, city in s.cities.items():
        site = city.reserve_site
        if site is None:
            continue
        path = ("cities", name, "reserve_site")
        if site not in s.sites:
            yield from _ref(path, "site", site, s.sites)
        elif s.sites[site].city != name:
            yield path, f"reserve site {site!r} is in {s.sites[site].city}, not in {name}"
    if not s.travel.between_posts:
        for name, post in s.posts.items():
            if post.roster == "fixed":
                yield (
                    ("posts", name, "roster"),
                    "a fixed roster needs `travel: {between_posts: true}` (without it each city is one "
                    "instant pool, with no sites to keep people at)",
                )


def _check_posts(s: Scenario) -> Found:
    for name, post in s.posts.items():
        yield from _ref(("posts", name, "site"), "site", post.site, s.sites)
        for i, force in enumerate(post.forces):
            yield from _ref(("posts", name, "forces", i), "force", force, s.forces)
        city = s.sites[post.site].city if post.site in s.sites else None
        yield from _check_windows(s, ("posts", name), post, city)


def _check_windows(
    s: Scenario, path: tuple[Any, ...], item: Post | AirStation, city: str | None = None
) -> Found:
    """A post's (or air station's) explicit windows and daily dates lie inside the scenario window
    (on the clock of the city the item is in)."""
    start, end = _window(s, city)
    for i, w in enumerate(item.windows):
        yield from _within(s, (*path, "windows", i, "start"), w.start, "start", city)
        yield from _within(s, (*path, "windows", i, "end"), w.end, "end", city)
    for i, d in enumerate(item.daily):
        for key in ("first_date", "last_date"):
            day = getattr(d, key)
            if day is not None and not start.date() <= day <= end.date():
                yield (
                    (*path, "daily", i, key),
                    f"{key} {day} is outside the scenario window {start} to {end}",
                )


def _check_delegations(s: Scenario) -> Found:
    for name, d in s.delegations.items():
        base = ("delegations", name)
        yield from _ref((*base, "tier"), "tier", d.tier, s.tiers)
        for i, force in enumerate(d.escort_forces):
            yield from _ref((*base, "escort_forces", i), "force", force, s.forces)
        if d.hotel not in s.sites:
            yield (*base, "hotel"), _known("site", d.hotel, s.sites)
            continue
        city = s.sites[d.hotel].city
        places: list[tuple[tuple[Any, ...], str]] = [((*base, "arrival", "airport"), d.arrival.airport)]
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
        yield from _within(s, (*base, "arrival", "scheduled"), d.arrival.scheduled, "arrival", city)
        yield from _within(s, (*base, "departure", "scheduled"), d.departure.scheduled, "departure", city)
        for i, m in enumerate(d.programme):
            yield from _within(s, (*base, "programme", i, "at"), m.at, "movement", city)
            if not d.arrival.scheduled <= m.at <= d.departure.scheduled:
                yield (
                    (*base, "programme", i, "at"),
                    (
                        f"movement at {m.at} is outside the delegation's stay "
                        f"({d.arrival.scheduled} to {d.departure.scheduled})"
                    ),
                )
        if d.unscheduled is not None:
            yield from _span(s, (*base, "unscheduled"), d.unscheduled.first, d.unscheduled.last, city)


def _check_incidents(s: Scenario) -> Found:
    for name, inc in s.incidents.items():
        yield from _ref(("incidents", name, "city"), "city", inc.city, s.cities)
        for i, force in enumerate(inc.forces):
            yield from _ref(("incidents", name, "forces", i), "force", force, s.forces)
        yield from _span(s, ("incidents", name), inc.first, inc.last, inc.city)
        yield from _staged_sites(s, name, inc)
        alert = inc.air_alert
        if alert is not None:
            path = ("incidents", name, "air_alert")
            yield from _ref((*path, "type"), "aircraft type", alert.type, s.aircraft_types)
            if alert.site not in s.sites:
                yield (*path, "site"), _known("site", alert.site, s.sites)
            elif s.sites[alert.site].city != inc.city:
                yield (
                    (*path, "site"),
                    f"site {alert.site!r} is in {s.sites[alert.site].city}, but the stream's incidents are "
                    f"in {inc.city}",
                )
            if alert.type in s.aircraft_types and not any(g.type == alert.type for g in s.aircraft.values()):
                yield (*path, "type"), f"no aircraft of type {alert.type!r} is based anywhere to answer it"


def _staged_sites(s: Scenario, name: str, inc: IncidentStream) -> Found:
    """Staged teams' sites and the incidents' sites exist and are in the stream's city."""
    places: list[tuple[tuple[Any, ...], str]] = [
        (("incidents", name, "staged", i, "site"), t.site) for i, t in enumerate(inc.staged)
    ]
    if inc.site is not None:
        places.append((("incidents", name, "site"), inc.site))
    places += [(("incidents", name, "sites", site), site) for site in inc.sites or {}]
    for path, site in places:
        if site not in s.sites:
            yield path, _known("site", site, s.sites)
        elif s.sites[site].city != inc.city:
            yield (
                path,
                f"site {site!r} is in {s.sites[site].city}, but the stream's incidents are in {inc.city}",
            )


def _check_air(s: Scenario) -> Found:
    """Aircraft, air coverage and fuel name types, sites, forces and fuel points that exist; a tanker's
    receivers are air-refuelable types."""
    types = s.aircraft_types
    for name, t in types.items():
        yield from _ref(("aircraft_types", name, "operator"), "force", t.operator, s.forces)
        for i, receiver in enumerate(t.receivers):
            path = ("aircraft_types", name, "receivers", i)
            yield from _ref(path, "aircraft type", receiver, types)
            if receiver in types and not types[receiver].air_refuelable:
                yield (
                    path,
                    (
                        f"aircraft type {receiver!r} is not air_refuelable, so no tanker can refuel it "
                        "(set `air_refuelable: true` on it, or take it out of the receivers)"
                    ),
                )
    for name, g in s.aircraft.items():
        yield from _ref(("aircraft", name, "type"), "aircraft type", g.type, types)
        yield from _ref(("aircraft", name, "base"), "site", g.base, s.sites)
    for name, st in s.air_coverage.items():
        yield from _ref(("air_coverage", name, "type"), "aircraft type", st.type, types)
        yield from _ref(("air_coverage", name, "over"), "site", st.over, s.sites)
        yield from _check_windows(
            s, ("air_coverage", name), st, s.sites[st.over].city if st.over in s.sites else None
        )
    ow = s.delegation_overwatch
    if ow is not None and ow.type not in types:
        yield ("delegation_overwatch", "type"), _known("aircraft type", ow.type, types)
    for name, fp in s.fuel_points.items():
        yield from _ref(("fuel_points", name, "site"), "site", fp.site, s.sites)
    for name, ft in s.fuel_trucks.items():
        yield from _ref(("fuel_trucks", name, "depot"), "site", ft.depot, s.sites)
        for i, point in enumerate(ft.serves):
            yield from _ref(("fuel_trucks", name, "serves", i), "fuel point", point, s.fuel_points)
        yield from _ref(("fuel_trucks", name, "operator"), "force", ft.operator, s.forces)


def _air_requirements(s: Scenario) -> Iterator[tuple[str, str, str, tuple[Any, ...]]]:
    """(requirement, aircraft type, site over, where to locate a refusal) of every air coverage
    requirement, every delegation overwatch and every incident stream's air alert."""
    for name, st in s.air_coverage.items():
        yield f"air_coverage {name!r}", st.type, st.over, ("air_coverage", name, "over")
    ow = s.delegation_overwatch
    if ow is not None:
        for name, d in s.delegations.items():
            if d.air_overwatch:
                yield (
                    f"the overwatch of delegation {name!r}",
                    ow.type,
                    d.hotel,
                    ("delegations", name, "hotel"),
                )
    for name, inc in s.incidents.items():
        alert = inc.air_alert
        if alert is not None:
            path = ("incidents", name, "air_alert", "site")
            yield f"the air alert of incident stream {name!r}", alert.type, alert.site, path


def _nearest_transits(s: Scenario) -> Iterator[tuple[str, str, str, tuple[Any, ...], float, str]]:
    """(requirement, type, over, path, transit h, base) from the nearest base of the requirement's type,
    for every air requirement whose type, site and bases exist."""
    for requirement, type_name, over, path in _air_requirements(s):
        t = s.aircraft_types.get(type_name)
        if t is None or over not in s.sites:
            continue
        bases = {g.base for g in s.aircraft.values() if g.type == type_name and g.count and g.base in s.sites}
        if not bases:
            continue
        here = site_latlon(s.sites[over], s.cities)
        km, base = min((haversine_km(*site_latlon(s.sites[b], s.cities), *here), b) for b in sorted(bases))
        yield requirement, type_name, over, path, km / (t.cruise_kt * 1.852), base


def _check_reach(s: Scenario) -> Found:
    """Each air requirement can be reached from the nearest base of its type and held at least
    `MIN_ON_STATION_H`: the flight out and back plus the reserve within the endurance, and the flight out
    and back within the crew's `crew_duty_h` (types with `aircrew`: `max_duty_h`, in `_check_aircrew`)."""
    for requirement, type_name, over, path, transit, base in _nearest_transits(s):
        t = s.aircraft_types[type_name]
        flights = f"transit {transit:.2f} h out and {transit:.2f} h back (from {base!r}, the nearest base of "
        flights += f"{type_name!r})"
        need = 2 * transit + t.reserve_min / 60
        if need > t.endurance_h - MIN_ON_STATION_H:
            yield (
                path,
                (
                    f"{requirement} over {over!r} is out of reach of {type_name!r}: {flights} + reserve "
                    f"{t.reserve_min / 60:.2f} h = {need:.2f} h, but its endurance is {t.endurance_h:.2f} h "
                    f"({t.fuel_capacity_gal:g} gal / {t.burn_gal_per_h:g} gal/h)"
                ),
            )
        elif t.aircrew is None and 2 * transit > t.crew_duty_h - MIN_ON_STATION_H:
            yield (
                ("aircraft_types", type_name, "crew_duty_h"),
                (
                    f"crew_duty_h ({t.crew_duty_h:g} h) leaves no time on station for {requirement} over "
                    f"{over!r}: {flights} = {2 * transit:.2f} h"
                ),
            )


def _check_aircrew(s: Scenario) -> Found:
    """An aircrew's duty period covers preflight, the flights out and back from the nearest base of its
    type to each station it must keep, and postflight, with time left on station."""
    worst: dict[str, tuple[float, str, str, str]] = {}  # type -> (transit, requirement, over, base)
    for requirement, type_name, over, _, transit, base in _nearest_transits(s):
        if s.aircraft_types[type_name].aircrew is None:
            continue
        if type_name not in worst or transit > worst[type_name][0]:
            worst[type_name] = (transit, requirement, over, base)
    tankers: dict[str, list[str]] = {}
    for name, t in s.aircraft_types.items():
        for receiver in t.receivers:
            tankers.setdefault(receiver, []).append(name)
    for receiver, names in tankers.items():
        crewed = [n for n in names if s.aircraft_types[n].aircrew is not None]
        if crewed and len(crewed) < len(names):
            other = next(n for n in names if n not in crewed)
            yield (
                ("aircraft_types", other),
                (
                    f"tankers of {receiver!r} must all have `aircrew` or none: {', '.join(crewed)} "
                    f"has it, {other!r} does not"
                ),
            )
    for type_name, (transit, requirement, over, base) in worst.items():
        crew = s.aircraft_types[type_name].aircrew
        assert crew is not None
        need = crew.preflight_h + 2 * transit + crew.postflight_h
        if need > crew.max_duty_h - MIN_ON_STATION_H:
            yield (
                ("aircraft_types", type_name, "aircrew", "max_duty_h"),
                (
                    f"max_duty_h ({crew.max_duty_h:g} h) leaves no time on station for {requirement} over "
                    f"{over!r}: preflight {crew.preflight_h:g} h + transit {transit:.2f} h out and "
                    f"{transit:.2f} h back (from {base!r}, the nearest base of {type_name!r}) + postflight "
                    f"{crew.postflight_h:g} h = {need:.2f} h"
                ),
            )


def _scope_tables(s: Scenario) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each scope key's kind and the names it may take."""
    requirements: dict[str, Any] = dict(s.air_coverage)
    if s.delegation_overwatch is not None:
        requirements.update({f"overwatch.{n}": d for n, d in s.delegations.items() if d.air_overwatch})
    return {
        "force": ("force", s.forces), "city": ("city", s.cities), "site": ("site", s.sites),
        "post": ("post", s.posts), "delegation": ("delegation", s.delegations), "tier": ("tier", s.tiers),
        "stream": ("incident stream", s.incidents), "requirement": ("air requirement", requirements),
        "fuel_point": ("fuel point", s.fuel_points),
        "role": ("role", dict.fromkeys(("security", "aviation", "logistics"))),
    }  # fmt: skip


def _demand_exists(s: Scenario, metric: str, key: str, value: str) -> bool:
    """Whether a scope holds any of the demand `metric` measures (a force that staffs no post, a city with
    no delegation: a target there would be met for want of anything to measure)."""
    city_of = {n: site.city for n, site in s.sites.items()}
    if metric in AIR_ALERT_METRICS:
        alerted = {n: inc for n, inc in s.incidents.items() if inc.air_alert is not None}
        return value in alerted if key == "stream" else any(inc.city == value for inc in alerted.values())
    if metric in (
        "post_coverage",
        "worst_post_coverage",
        "critical_gap",
        "gap_person_hours",
        "critical_gap_person_hours",
    ):
        posts = list(s.posts.values())
        if metric.startswith("critical") and key != "post":
            posts = [p for p in posts if p.critical]
        test = {"force": lambda p: value in p.forces, "city": lambda p: city_of.get(p.site) == value,
                "site": lambda p: p.site == value, "role": lambda p: p.role == value,
                "post": lambda p: True}[key]  # fmt: skip
        return any(test(p) for p in posts) if key != "post" else True
    if key == "city" and metric.startswith(("escort", "movements")):
        return any(city_of.get(d.hotel) == value for d in s.delegations.values())
    if key == "tier":
        return any(d.tier == value for d in s.delegations.values())
    if key == "city" and metric == "air_coverage":
        return any(city_of.get(st.over) == value for st in s.air_coverage.values())
    if key == "city":
        return any(inc.city == value for inc in s.incidents.values())
    return True


def _check_targets(s: Scenario) -> Found:
    """Each scoped target names a demand that exists and holds something to measure."""
    tables = _scope_tables(s)
    for i, t in enumerate(s.targets.checks):
        if t.scope is None:
            continue
        key, value = t.scope
        path = ("targets", "checks", i, key)
        kind, table = tables[key]
        if value not in table:
            yield path, _known(kind, value, table)
        elif not _demand_exists(s, t.metric, key, value):
            yield path, f"{kind} {value!r} has nothing {t.metric} measures: the target would be met trivially"


def _check_peak(s: Scenario) -> Found:
    if s.peak is not None:
        yield from _within(s, ("peak", "start"), s.peak.start, "peak start")
        yield from _within(s, ("peak", "end"), s.peak.end, "peak end")
        if s.peak.end <= s.peak.start:
            yield ("peak", "end"), "peak end must be after peak start"


def _check_size(s: Scenario) -> Found:
    """The schema's bounds on the whole: the window's length, delegations and aircraft in all."""
    days = (s.end - s.start).total_seconds() / 86400
    if days > MAX_WINDOW_DAYS:
        length = f"{days:,.0f}" if days == int(days) else f"{days:,.2f}"
        window = f"{s.start} to {s.end}"
        yield (
            ("end",),
            f"the scenario window is {length} days long ({window}); at most {MAX_WINDOW_DAYS} days",
        )
    delegations = sum(d.count for d in s.delegations.values())
    if delegations > MAX_DELEGATIONS:
        what = f"{delegations:,} delegations in all (counts added up); at most {MAX_DELEGATIONS:,}"
        yield ("delegations",), what
    aircraft = sum(g.count for g in s.aircraft.values())
    if aircraft > MAX_AIRCRAFT:
        yield ("aircraft",), f"{aircraft:,} aircraft in all (counts added up); at most {MAX_AIRCRAFT:,}"


def check_scenario(s: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Every cross-reference and window problem in a field-valid scenario."""
    found: list[tuple[tuple[Any, ...], str]] = []
    for check in (
        _check_size,
        _check_forces,
        _check_sites,
        _check_posts,
        _check_duty_travel,
        _check_delegations,
        _check_incidents,
        _check_air,
        _check_reach,
        _check_aircrew,
        _check_targets,
        _check_peak,
    ):
        found.extend(check(s))
    return found
