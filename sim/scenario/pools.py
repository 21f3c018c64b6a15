"""A force's people by city and role, and crews: plain arithmetic on the scenario, shared by the model
and by `validate`'s work estimate (sim.experiment.feasibility), which must not load SimPy for it."""

from __future__ import annotations

import math
from typing import TypeVar

from sim.scenario.schema import Force

__all__ = ["apportion", "crew_sizes", "pools_at", "pools_of"]

K = TypeVar("K")


def apportion(total: int, shares: dict[K, float]) -> dict[K, int]:
    """Split `total` people by `shares` into whole numbers summing to `total` (largest remainder)."""
    raw = {k: total * v for k, v in shares.items()}
    out = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(out.values())
    order = list(raw)
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], order.index(k)))[:left]:
        out[k] += 1
    return out


def pools_at(force: Force, headcount: int) -> dict[tuple[str, str], int]:
    """People of a force of `headcount` by (city, role): exact `pools` at their own total, else split
    by city shares then role shares (the city's own `city_roles` where given)."""
    if force.pools is not None:
        exact = {(c, str(r)): n for c, roles in force.pools.items() for r, n in roles.items()}
        total = sum(exact.values())
        if headcount == total or not total:
            return exact if headcount == total else dict.fromkeys(exact, 0)
        return apportion(headcount, {k: n / total for k, n in exact.items()})
    out = {}
    for city, n_city in apportion(headcount, force.cities or {}).items():
        roles = force.city_roles.get(city, force.roles)
        for role, n in apportion(n_city, {str(r): share for r, share in roles.items()}).items():
            out[(city, role)] = n
    return out


def pools_of(force: Force) -> dict[tuple[str, str], int]:
    """People of a force by (city, role): the most it ever has there (its headcount if it never changes)."""
    out = pools_at(force, force.headcount)
    for step in force.strength:
        for k, n in pools_at(force, step.headcount).items():
            out[k] = max(out.get(k, 0), n)
    return out


def crew_sizes(people: int, crews: int) -> list[int]:
    """Split a pool into `crews` crews as evenly as possible, larger crews first."""
    base, extra = divmod(people, crews)
    return [base + (i < extra) for i in range(crews)]
