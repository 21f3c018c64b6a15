"""Which of the swept force's pools a missed target points to.

The swept force serves each demand from one pool, its people of one role in one city: a post from its
role in its city, a delegation's escorts from security in its hotel's city, an incident stream's ground
teams from security in the stream's city (the duty board of that city; `sim.model.board`). So where a
target on such demands is missed, only those pools can mend it by more people, and `allocate` need look
at no other:

- a post target (the worst post's coverage, pooled coverage, P(critical gap)) points at the pools of the
  posts that make it miss on these replications: those below the limit in some replication (for the
  worst post, failing that, those that are the worst in some replication), or with a critical gap;
- an escort target at the pools of the delegations in its scope, a response target at those of the
  incident streams in its scope, when the swept force is one of their forces.

For any other target (an air requirement, an air alert, a fuel point, a duty metric) nothing is said
(None): an aircraft waiting for fuel may be short of drivers or of maintainers, so any pool may be what
it misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.metrics import Scopes
from sim.numbers import metric_base
from sim.scenario import Scenario

__all__ = ["Blame"]

Pool = tuple[str, str]  # (city, role)

_POST_TARGETS = ("worst_post_coverage", "post_coverage", "critical_gap")
_ESCORT = ("escort_", "movements_unescorted")
_RESPONSE = ("response_", "reached_within_target_frac", "unanswered_incidents")


def _parse(col: str) -> tuple[str, dict[str, str]]:
    """`worst_post_coverage[force=us]` -> ("worst_post_coverage", {"force": "us"})."""
    base = metric_base(col)
    rest = col[len(base) :].strip("[]")
    return base, dict(kv.split("=", 1) for kv in rest.split(",")) if rest else {}


@dataclass(frozen=True)
class Blame:
    """The swept force's demands by pool, read once from the scenario."""

    force: str
    posts: dict[str, tuple[Pool, dict[str, str], bool]]  # post -> pool, its scope values, critical
    escorts: dict[str, tuple[Pool, dict[str, str]]]  # delegation -> pool, its scope values
    responses: dict[str, tuple[Pool, dict[str, str]]]  # incident stream -> pool, its scope values
    aircraft: dict[str, Pool] = field(default_factory=dict)  # aircraft group -> the pool crewing it
    trucks: dict[str, Pool] = field(default_factory=dict)  # fuel trucks -> the pool driving them

    @classmethod
    def of(cls, s: Scenario, force: str) -> Blame:
        scopes = Scopes.of(s)
        city_of = {name: site.city for name, site in s.sites.items()}
        posts = {
            name: (
                (p.city, p.role),
                {"city": p.city, "site": p.site, "role": p.role, "post": name},
                p.critical,
            )
            for name, p in scopes.posts.items()
            if force in p.forces
        }
        escorts = {
            name: (
                (city_of[d.hotel], "security"),
                {"delegation": name, "tier": d.tier, "city": city_of[d.hotel]},
            )
            for name, d in s.delegations.items()
            if force in d.escort_forces
        }
        responses = {
            name: ((inc.city, "security"), {"stream": name, "city": inc.city})
            for name, inc in s.incidents.items()
            if force in inc.forces
        }
        aircraft = {  # crewed from the operator's aviation role in the base's city, unless by aircrews
            name: (city_of[g.base], "aviation")
            for name, g in s.aircraft.items()
            if s.aircraft_types[g.type].operator == force and s.aircraft_types[g.type].aircrew is None
        }
        trucks = {
            name: (city_of[t.depot], "logistics") for name, t in s.fuel_trucks.items() if t.operator == force
        }
        return cls(force, posts, escorts, responses, aircraft, trucks)

    def drawing_on(self, pool: Pool) -> dict[str, list[str]]:
        """The force's demands that draw on `pool`, by kind ("posts", "escorts", "incident streams",
        "aircraft", "fuel trucks"): what a split leaving the pool empty leaves to other forces or undone."""
        found = {
            "posts": [n for n, (p, _where, _critical) in self.posts.items() if p == pool],
            "escorts": [n for n, (p, _where) in self.escorts.items() if p == pool],
            "incident streams": [n for n, (p, _where) in self.responses.items() if p == pool],
            "aircraft": [n for n, p in self.aircraft.items() if p == pool],
            "fuel trucks": [n for n, p in self.trucks.items() if p == pool],
        }
        return {kind: names for kind, names in found.items() if names}

    def __call__(self, column: str, limit: float, cols: dict[str, np.ndarray]) -> frozenset[Pool] | None:
        """The pools that can mend the target on `column` (a minimum or maximum `limit`), missed on the
        replications `cols`; None where the target names no pool (module docstring)."""
        base, scope = _parse(column)
        if scope.get("force", self.force) != self.force:
            return None
        scope.pop("force", None)
        if base in _POST_TARGETS:
            return self._posts(base, scope, limit, cols)
        if base.startswith(_ESCORT):
            found = {pool for pool, where in self.escorts.values() if _inside(where, scope)}
        elif base.startswith(_RESPONSE):
            found = {pool for pool, where in self.responses.values() if _inside(where, scope)}
        else:
            return None
        return frozenset(found) or None

    def _posts(
        self, base: str, scope: dict[str, str], limit: float, cols: dict[str, np.ndarray]
    ) -> frozenset[Pool] | None:
        inside = {
            name: pool
            for name, (pool, where, critical) in self.posts.items()
            if _inside(where, scope) and (critical or base != "critical_gap")
        }
        blamed: set[Pool] = set()
        if base == "critical_gap":
            for name, pool in inside.items():
                gap = cols.get(f"critical_gap[post={name}]")
                if gap is not None and np.nansum(gap) > 0:
                    blamed.add(pool)
            return frozenset(blamed) or None
        cover = {n: cols[f"post_coverage[post={n}]"] for n in inside if f"post_coverage[post={n}]" in cols}
        for name, c in cover.items():
            if np.any(c < limit):
                blamed.add(inside[name])
        if not blamed and base == "worst_post_coverage" and cover:
            worst = np.nanmin(np.vstack(list(cover.values())), axis=0)
            blamed = {inside[name] for name, c in cover.items() if np.any(c == worst)}
        return frozenset(blamed) or None


def _inside(where: dict[str, str], scope: dict[str, str]) -> bool:
    return all(where.get(k) == v for k, v in scope.items())
