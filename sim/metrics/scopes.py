"""The demands a metric can be scoped to, read once from the scenario: which posts a force may staff or
a city holds, which tier a delegation is in, which city an incident stream or air requirement is in,
and the bounds the scenario's share targets count within.

Scoped metric columns are named `metric[key=value]` (`post_coverage[force=us]`), or
`metric[key=value,key=value]` for a force in one city; `columns()` lists every one in a fixed order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.scenario.schema import Scenario
from sim.scenario.targets import AIR_ALERT_METRICS, PERCENTILES, Target

__all__ = ["PostScope", "Scopes", "column", "within_metric"]

Scope = tuple[tuple[str, str], ...]  # ((key, value), ...): () is the whole event

POST_METRICS = (
    "post_coverage",
    "worst_post_coverage",
    "gap_person_hours",
    "critical_gap",
    "critical_gap_person_hours",
)
PER_POST_METRICS = ("post_coverage", "gap_person_hours", "critical_gap", "longest_gap_h")
FORCE_CITY_POST_METRICS = ("post_coverage", "gap_person_hours")
ESCORT_METRICS = ("escort_delay_p95_min", "escort_delay_max_min", "movements_unescorted")
INCIDENT_METRICS = ("response_time_p90_min", "reached_within_target_frac", "unanswered_incidents")
DUTY_METRICS = ("utilization", "overtime_person_hours")


def column(metric: str, scope: Scope) -> str:
    """`metric` on `scope`: `post_coverage[force=us]`; the bare metric for the whole event."""
    if not scope:
        return metric
    return f"{metric}[{','.join(f'{k}={v}' for k, v in scope)}]"


def within_metric(family: str, bound_min: float) -> str:
    """The share-within metric of `family` ("escort", "response" or "air_response") for a bound in minutes:
    `escort_within_15min_frac`."""
    return f"{family}_within_{bound_min:g}min_frac"


@dataclass(frozen=True)
class PostScope:
    """Where a post is and who may staff it."""

    city: str
    site: str
    role: str
    forces: tuple[str, ...]
    critical: bool


@dataclass(frozen=True)
class Scopes:
    """Every scope value of a scenario, and the share bounds its targets use."""

    posts: dict[str, PostScope]
    post_groups: tuple[Scope, ...]  # force, city, site, role and force-in-city groups of posts
    delegation_of: dict[str, str]  # a delegation copy's name (usa, business.3) → its scenario name
    escort_groups: dict[str, tuple[Scope, ...]]  # scenario delegation name → the scopes it counts in
    escort_scopes: tuple[Scope, ...]
    stream_groups: dict[str, tuple[Scope, ...]]  # incident stream → the scopes it counts in
    incident_scopes: tuple[Scope, ...]
    alert_groups: dict[str, tuple[Scope, ...]]  # incident stream with an air alert → its scopes
    alert_scopes: tuple[Scope, ...]
    requirement_of: dict[str, str]  # air station name → requirement scope value
    requirement_city: dict[str, str]
    fuel_points: tuple[str, ...]
    duty_scopes: tuple[Scope, ...]
    escort_bounds: tuple[float, ...]
    response_bounds: tuple[float, ...]
    air_response_bounds: tuple[float, ...]

    @classmethod
    def of(cls, s: Scenario) -> Scopes:
        city_of = {name: site.city for name, site in s.sites.items()}
        posts = {
            name: PostScope(city_of[p.site], p.site, p.role, tuple(p.forces), p.critical)
            for name, p in s.posts.items()
        }
        delegation_of: dict[str, str] = {}
        escort_groups: dict[str, tuple[Scope, ...]] = {}
        for name, d in s.delegations.items():
            for k in range(d.count):
                delegation_of[name if d.count == 1 else f"{name}.{k + 1}"] = name
            escort_groups[name] = ((), (("delegation", name),), (("tier", d.tier),),
                                   (("city", city_of[d.hotel]),))  # fmt: skip
        stream_groups: dict[str, tuple[Scope, ...]] = {
            name: ((), (("stream", name),), (("city", inc.city),)) for name, inc in s.incidents.items()
        }
        alert_groups = {name: groups for name, groups in stream_groups.items() if s.incidents[name].air_alert}
        requirement_of = {name: name for name in s.air_coverage}
        requirement_city = {name: city_of[st.over] for name, st in s.air_coverage.items()}
        if s.delegation_overwatch is not None:
            for copy, name in delegation_of.items():
                if s.delegations[name].air_overwatch:
                    requirement_of[f"overwatch.{copy}"] = f"overwatch.{name}"
                    requirement_city[f"overwatch.{name}"] = city_of[s.delegations[name].hotel]
        targets = s.targets.all()
        return cls(
            posts=posts,
            post_groups=_post_groups(posts),
            delegation_of=delegation_of,
            escort_groups=escort_groups,
            escort_scopes=_union(escort_groups.values()),
            stream_groups=stream_groups,
            incident_scopes=_union(stream_groups.values()),
            alert_groups=alert_groups,
            alert_scopes=_union(alert_groups.values()),
            requirement_of=requirement_of,
            requirement_city=requirement_city,
            fuel_points=tuple(s.fuel_points),
            duty_scopes=_duty_scopes(s),
            escort_bounds=_bounds(targets, "escort"),
            response_bounds=_bounds(targets, "response"),
            air_response_bounds=_bounds(targets, "air_response"),
        )

    def columns(self) -> list[str]:
        """Every scoped metric column, in the order `sim.metrics.scoped` fills them."""
        out: list[str] = []
        for scope in self.post_groups:
            names = FORCE_CITY_POST_METRICS if len(scope) == 2 else POST_METRICS
            out += [column(m, scope) for m in names]
        for post in self.posts:
            out += [column(m, (("post", post),)) for m in PER_POST_METRICS]
        out += [within_metric("escort", b) for b in self.escort_bounds]  # whole event
        out += [within_metric("response", b) for b in self.response_bounds]
        escort = (*ESCORT_METRICS, *(within_metric("escort", b) for b in self.escort_bounds))
        out += [column(m, scope) for scope in self.escort_scopes for m in escort]
        incident = (*INCIDENT_METRICS, *(within_metric("response", b) for b in self.response_bounds))
        out += [column(m, scope) for scope in self.incident_scopes for m in incident]
        out += [within_metric("air_response", b) for b in self.air_response_bounds]
        alert = (*AIR_ALERT_METRICS, *(within_metric("air_response", b) for b in self.air_response_bounds))
        out += [column(m, scope) for scope in self.alert_scopes for m in alert]
        out += [column("air_coverage", scope) for scope in self.air_scopes()]
        out += [column("fuel_outage_h", (("fuel_point", f),)) for f in self.fuel_points]
        out += [column(m, scope) for scope in self.duty_scopes for m in DUTY_METRICS]
        return out

    def air_scopes(self) -> tuple[Scope, ...]:
        requirements = dict.fromkeys(self.requirement_of.values())
        cities = dict.fromkeys(self.requirement_city[r] for r in requirements)
        return (*((("requirement", r),) for r in requirements), *((("city", c),) for c in cities))


def _post_groups(posts: dict[str, PostScope]) -> tuple[Scope, ...]:
    groups: dict[Scope, None] = {}
    for key in ("force", "city", "site", "role"):
        for p in posts.values():
            values = p.forces if key == "force" else (getattr(p, key),)
            for v in values:
                groups[((key, v),)] = None
    for p in posts.values():
        for f in p.forces:
            groups[(("force", f), ("city", p.city))] = None
    return tuple(groups)


def _union(groups: Iterable[Iterable[Scope]]) -> tuple[Scope, ...]:
    """The scoped (non-empty) scopes of several items, once each, in first-seen order."""
    seen: dict[Scope, None] = {}
    for scopes in groups:
        for scope in scopes:
            if scope:
                seen[scope] = None
    return tuple(seen)


def _duty_scopes(s: Scenario) -> tuple[Scope, ...]:
    scopes: list[Scope] = []
    for name, force in s.forces.items():
        scopes.append((("force", name),))
        scopes += [(("force", name), ("city", c)) for c in force.city_names]
    return tuple(scopes)


def _bounds(targets: list[Target], family: str) -> tuple[float, ...]:
    """The within-bounds (minutes) that the targets of an escort or response family count shares within."""
    out: dict[float, None] = {}
    for t in targets:
        if t.metric == f"{family}_within_frac" and t.within_min is not None:
            out[float(t.within_min)] = None
        elif t.metric in PERCENTILES and t.metric.startswith(family) and t.max is not None:
            out[float(t.max)] = None
    return tuple(out)
