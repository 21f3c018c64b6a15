"""What falls short in `report.html`, per level worth showing, worst first: the critical posts (and
other posts) short beyond the tolerance, the air requirements below full coverage with their targets,
every force, the delegations whose escorts were late, the incident streams (from the folder's demand
tables: posts.csv, air.csv, forces.csv, delegations.csv, incidents.csv), and where and when the posts
were short (from gaps.csv).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.numbers import fmt_interval, fmt_value, metric_name
from sim.plots.demands import air_targets, failing_air, failing_posts
from sim.plots.files import ResultsTables
from sim.plots.gaps import top_hours, top_places
from sim.report.answer import checks
from sim.report.cells import demand_interval, level_name, ph, rows_at

__all__ = ["MAX_ROWS", "OTHER_POSTS_FROM", "demands", "worst"]

MAX_ROWS = 15  # rows of each table per demand; the rest are in the folder's CSV files
OTHER_POSTS_FROM = 0.05  # posts that are not critical are listed from this share of replications


def _post_rows(posts: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    return [{
        "post": r["post"], "where": f"{r['site']} ({r['city']})",
        "forces": str(r["forces"]).replace("+", ", "),
        "p": fmt_interval("critical_gap", demand_interval(r, "p_over_tolerance", n)),
        "coverage": fmt_interval("post_coverage", demand_interval(r, "coverage", n)),
        "short": ph(r["short_ph_mean"]),
        "longest": " / ".join(fmt_value("longest_gap_h", float(r[f"longest_gap_h_{q}"]))
                              for q in ("p50", "p90", "max")),
    } for _, r in posts.head(MAX_ROWS).iterrows()]  # fmt: skip


def _air_targets(t: ResultsTables, label: str) -> dict[str, dict[str, Any]]:
    """requirement → its air-coverage target at `label`: name and verdict."""
    by_name = {c["target"]: c for c in checks(t, label, failing_first=False)}
    c = air_targets(t.checks, label, t.key)
    return {} if c.empty else {str(r.requirement): by_name[str(r.target)] for r in c.itertuples()}


def _air_rows(t: ResultsTables, label: str, air: pd.DataFrame) -> list[dict[str, Any]]:
    targets, n = _air_targets(t, label), t.replications
    return [{
        "name": str(r.value), "coverage": fmt_interval("air_coverage", demand_interval(r, "coverage", n)),
        "target": targets.get(str(r.value)),
    } for r in air.head(MAX_ROWS).itertuples()]  # fmt: skip


def _force_rows(t: ResultsTables, label: str) -> list[dict[str, Any]]:
    n = t.replications
    return [{
        "force": r.force, "city": r.city if isinstance(r.city, str) and r.city else "all",
        "utilization": fmt_interval("utilization", demand_interval(r, "utilization", n)),
        "overtime": ph(r.overtime_ph_mean), "short": ph(r.short_ph_mean),
        "coverage": fmt_interval("post_coverage", demand_interval(r, "coverage", n)),
    } for r in rows_at(t.demand("forces"), t.key, label).itertuples()]  # fmt: skip


def _within_columns(table: pd.DataFrame, family: str) -> list[tuple[str, str]]:
    """(column prefix, header) of the share-within columns of delegations.csv or incidents.csv."""
    out = []
    for col in table.columns:
        if col.startswith(f"{family}_within_") and col.endswith("_mean"):
            prefix = col[: -len("_mean")]
            out.append((prefix, metric_name(prefix)))
    return out


def _scope_rows(table: pd.DataFrame, n: int, cells: dict[str, str],
                within: list[tuple[str, str]]) -> list[dict[str, Any]]:  # fmt: skip
    """The first `MAX_ROWS` rows of delegations.csv or incidents.csv: the scope, its value, each of
    `cells` (name → metric) and each share-within column, with their intervals."""
    return [{
        "scope": r["scope"], "name": r["value"],
        **{name: fmt_interval(metric, demand_interval(r, metric, n)) for name, metric in cells.items()},
        "within": [fmt_interval(p, demand_interval(r, p, n)) for p, _h in within],
    } for _, r in table.head(MAX_ROWS).iterrows()]  # fmt: skip


def _delegations(t: ResultsTables, label: str) -> dict[str, Any]:
    """The delegations (and tiers) whose escorts were late or missing, the latest first, and how many
    delegations were always on time."""
    dele = rows_at(t.demand("delegations"), t.key, label)
    within = _within_columns(dele, "escort")
    if not dele.empty:
        waited = dele[(dele["escort_delay_max_min_mean"].fillna(0) > 0)
                      | (dele["movements_unescorted_mean"].fillna(0) > 0)]  # fmt: skip
        waited = waited.assign(_p95=waited["escort_delay_p95_min_mean"].fillna(-1)).sort_values(
            ["_p95", "escort_delay_max_min_mean"], ascending=False, kind="stable")  # fmt: skip
        calm = int((dele["scope"] == "delegation").sum() - (waited["scope"] == "delegation").sum())
    else:
        waited, calm = dele, 0
    cells = {"p95": "escort_delay_p95_min", "max": "escort_delay_max_min", "never": "movements_unescorted"}
    return {"delegations": _scope_rows(waited, t.replications, cells, within),
            "delegations_more": max(0, len(waited) - MAX_ROWS), "delegations_calm": calm,
            "escort_within": [h for _p, h in within]}  # fmt: skip


def _incidents(t: ResultsTables, label: str) -> dict[str, Any]:
    """The incident streams (and other scopes), the slowest p90 first."""
    inc = rows_at(t.demand("incidents"), t.key, label)
    within = _within_columns(inc, "response")
    if not inc.empty:
        inc = inc.assign(_p90=inc["response_time_p90_min_mean"].fillna(-1)).sort_values(
            "_p90", ascending=False, kind="stable")  # fmt: skip
    cells = {"p90": "response_time_p90_min", "reached": "reached_within_target_frac",
             "never": "unanswered_incidents"}  # fmt: skip
    return {
        "incidents": _scope_rows(inc, t.replications, cells, within),
        "incidents_more": max(0, len(inc) - MAX_ROWS),
        "response_within": [h for _p, h in within],
    }


def demands(t: ResultsTables) -> list[dict[str, Any]]:
    """Per level worth showing: the failing critical posts and air requirements worst first, every force,
    the delegations whose escorts were late, and the incident streams (from the demand tables)."""
    out = []
    for label in t.focus:
        posts = failing_posts(t.demand("posts"), label, t.key)
        others = failing_posts(t.demand("posts"), label, t.key, critical=False, at_least=OTHER_POSTS_FROM)
        air = failing_air(t.demand("air"), label, t.key)
        out.append({
            "level": level_name(t, label),
            "posts": _post_rows(posts, t.replications), "posts_more": max(0, len(posts) - MAX_ROWS),
            "others": _post_rows(others, t.replications), "others_more": max(0, len(others) - MAX_ROWS),
            "others_from": f"{OTHER_POSTS_FROM:.0%}",
            "air": _air_rows(t, label, air), "air_more": max(0, len(air) - MAX_ROWS),
            "air_measured": not rows_at(t.demand("air"), t.key, label).empty,
            "forces": _force_rows(t, label),
            **_delegations(t, label),
            **_incidents(t, label),
        })  # fmt: skip
    return out


def worst(t: ResultsTables) -> list[dict[str, Any]]:
    """Per level worth showing: where and when the posts were short, by city, site and local hour."""
    out = []
    for label in t.focus:
        by_site, by_city = t.shortfall[label]
        places = top_places(by_site)
        hours = top_hours(by_site)
        total = float(by_site.to_numpy().sum()) if by_site.size else 0.0
        out.append({
            "level": level_name(t, label),
            "total": total,
            "cities": [{"name": k, "ph": float(v)} for k, v in by_city.sum(axis=1).items()],
            "places": [{"name": name, "ph": r["person_hours"], "share": r["share"],
                        "worst": f"{r['worst_hour']:%a %d %b %H:00}",
                        "worst_ph": r["worst_hour_person_hours"]}
                       for name, r in places.iterrows()],
            "hours": [{"name": r.iloc[0], "ph": r["person_hours"],
                       "hour": f"{r['hour']:%a %d %b %H:00}–{(r['hour'].hour + 1) % 24:02d}:00"}
                      for _, r in hours.iterrows()],
        })  # fmt: skip
    return out
