"""A short plain-text account of what a scenario contains, for `summit-sim validate`."""

from __future__ import annotations

from sim.scenario.pools import pools_at
from sim.scenario.schema import Scenario

__all__ = ["describe_scenario"]


def describe_scenario(s: Scenario) -> str:
    """Cities, sites, posts, delegations, forces with headcounts, incidents: one block each."""
    out = [_heading(s), _targets(s)]
    for block in (_places, _forces, _posts, _delegations, _incidents, _aircraft, _fuel):
        out += block(s)
    return "\n".join(out)


def _heading(s: Scenario) -> str:
    days = (s.end - s.start).total_seconds() / 86400
    return (
        f"scenario {s.name}: {s.start:%Y-%m-%d %H:%M} to {s.end:%Y-%m-%d %H:%M} {s.timezone} "
        f"({days:g} days), seed {s.seed}, {s.replications} replications"
    )


def _targets(s: Scenario) -> str:
    t = s.targets
    goals = [target.describe() for target in t.all()]
    if not goals:
        return "targets: none"
    tolerance = f"critical gap: a critical post short for over {t.critical_gap_tolerance_min:g} min"
    return f"targets ({len(goals)}; {tolerance}):" + "".join(f"\n  {goal}" for goal in goals)


def _places(s: Scenario) -> list[str]:
    """The cities, then the sites grouped by city."""
    out = [f"cities ({len(s.cities)}): " + ", ".join(s.cities)]
    by_city: dict[str, list[str]] = {}
    for name, site in s.sites.items():
        by_city.setdefault(site.city, []).append(name)
    out.append(f"sites ({len(s.sites)}):")
    out += [f"  {city}: {', '.join(names)}" for city, names in by_city.items()]
    return out


def _forces(s: Scenario) -> list[str]:
    out = [f"forces ({len(s.forces)}):"]
    for name, f in s.forces.items():
        split = _people(pools_at(f, f.headcount))
        swept = "  [swept by --troops]" if f.swept else ""
        steps = f", {len(f.strength)} strength changes (peak {f.peak})" if f.strength else ""
        out.append(
            f"  {name}: {f.headcount} people: {split}{steps}; {f.shift.name}, "
            f"absence {f.absence_prob:g}{swept}"
        )
    return out


def _people(pools: dict[tuple[str, str], int]) -> str:
    """People by city, then by role where a city has more than one: `lima 292 (security 175, aviation
    58, logistics 59), pisco 276 (...)`, or `lima 13000 security`: the whole numbers the model runs."""
    by_city: dict[str, dict[str, int]] = {}
    for (city, role), n in pools.items():
        by_city.setdefault(city, {})[role] = n
    return ", ".join(
        f"{city} {sum(roles.values())} "
        + (f"({', '.join(f'{r} {n}' for r, n in roles.items())})" if len(roles) > 1 else next(iter(roles)))
        for city, roles in by_city.items()
    )


def _posts(s: Scenario) -> list[str]:
    critical = sum(p.critical for p in s.posts.values())
    out = [f"posts ({len(s.posts)}, {critical} critical):"]
    for name, p in s.posts.items():
        flag = " critical" if p.critical else ""
        out.append(
            f"  {name} at {p.site}: {p.required} {p.role} from {'/'.join(p.forces)}, "
            f"priority {p.priority}{flag}"
        )
    return out


def _delegations(s: Scenario) -> list[str]:
    n_del = sum(d.count for d in s.delegations.values())
    out = [f"delegations ({n_del} in {len(s.delegations)} entries):"]
    for name, d in s.delegations.items():
        many = f" x{d.count}" if d.count > 1 else ""
        out.append(
            f"  {name}{many}: {d.tier}, arrives {d.arrival.scheduled:%m-%d %H:%M} at "
            f"{d.arrival.airport}, leaves {d.departure.scheduled:%m-%d %H:%M}, "
            f"{len(d.programme)} scheduled movements, escorts from {'/'.join(d.escort_forces)}"
        )
    return out


def _incidents(s: Scenario) -> list[str]:
    out = [f"incident streams ({len(s.incidents)}):"]
    for name, inc in s.incidents.items():
        ground = f"team {inc.team} from {'/'.join(inc.forces)}, target {inc.target_min:g} min"
        if inc.staged:
            at = ", ".join(f"{t.teams} at {t.site}" for t in inc.staged)
            ground += f"; staged teams: {at}; incidents at {', '.join(inc.incident_sites)}"
        alert = inc.air_alert
        air = (
            f"air alert {alert.type} from {alert.site}, target {alert.target_min:g} min"
            if alert is not None
            else ""
        )
        answered = "; ".join(x for x in (ground if inc.ground else "", air) if x)
        out.append(f"  {name} in {inc.city}: {inc.rate_per_day:g}/day, {answered}")
    return out


def _aircraft(s: Scenario) -> list[str]:
    """Aircraft groups, air coverage and delegation overwatch; nothing if the scenario has no aircraft."""
    if not s.aircraft_types:
        return []
    out = [f"aircraft ({sum(g.count for g in s.aircraft.values())} in {len(s.aircraft)} groups):"]
    for name, g in s.aircraft.items():
        t = s.aircraft_types[g.type]
        a = t.aircrew
        crews = (
            f"crew {t.crew} from {t.operator}"
            if a is None
            else f"crew {t.crew}, {a.crews} dedicated {g.type} crews of {t.operator} "
            f"(duty {a.max_duty_h:g} h, rest {a.min_rest_h:g} h)"
        )
        out.append(
            f"  {name}: {g.count} x {g.type} ({t.kind}) at {g.base}, endurance {t.endurance_h:.1f} h, {crews}"
        )
    out.append(f"air coverage requirements ({len(s.air_coverage)}):")
    for name, st in s.air_coverage.items():
        out.append(f"  {name}: {st.count} x {st.type} over {st.over}, priority {st.priority}")
    if s.delegation_overwatch is not None:
        ow = s.delegation_overwatch
        n = sum(d.count for d in s.delegations.values() if d.air_overwatch)
        out.append(f"  delegation overwatch: {ow.count} x {ow.type} over {n} delegations' movements")
    return out


def _fuel(s: Scenario) -> list[str]:
    """Fuel points and the trucks that resupply them; nothing if the scenario has no fuel points."""
    if not s.fuel_points:
        return []
    out = [f"fuel points ({len(s.fuel_points)}):"]
    for name, fp in s.fuel_points.items():
        out.append(f"  {name} at {fp.site}: {fp.initial_gal:,} of {fp.capacity_gal:,} gal")
    for name, ft in s.fuel_trucks.items():
        policy = (
            f"reorder at {ft.reorder_point_gal:,} gal"
            if ft.reorder_point_gal is not None
            else f"every {ft.every_h:g} h"
        )
        out.append(
            f"  trucks {name}: {ft.count} x {ft.capacity_gal:,} gal from {ft.depot} to "
            f"{', '.join(ft.serves)}, {policy}"
        )
    return out
