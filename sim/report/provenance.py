"""How a results folder was made, for `report.html`: the scenario's key facts and its summary, and
what a reader needs to reproduce the run (version, environment, command line, seed, replications,
scenario files and their hashes) with the methods behind every interval, as the STRESS-DES reporting
guideline asks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sim.plots.files import ResultsTables
from sim.report.cells import count, when
from sim.scenario import load_scenario
from sim.scenario.summary import describe_scenario

__all__ = ["METHODS", "facts", "reproducibility", "scenario_summary"]

METHODS = [
    ("Means", "Student-t 95% interval over replications: mean ± t(0.975; n−1)·s/√n."),
    ("P(critical gap)", "Wilson score 95% interval on the share of replications with a critical gap."),
    ("Differences", "paired on common random numbers (the same replication at each level or variant): "
     "Student-t 95% interval on the replication-by-replication differences."),
    ("Targets", "each target is checked on exactly the demand it names (a force, city, post, delegation, "
     "air requirement, ...); a level meets it with 95% confidence when the far bound of the checked "
     "metric's interval clears it (the lower bound for a minimum, the upper bound for a maximum), each "
     "target on its own. A percentile target (escort delay p95 ≤ B) is checked as the share within B "
     "(at least 95% of movements within B minutes), on its lower bound; a movement never escorted or an "
     "incident never reached counts as outside any bound."),
    ("Undecided", "the estimate meets the target but the interval still reaches past it: the replications, "
     "not the staffing, are what is missing; the number that would show it is exact for a share with no "
     "failure (Wilson) and otherwise follows the 1/√n law."),
]  # fmt: skip


def facts(r: dict[str, Any]) -> list[tuple[str, str]]:
    """The scenario's key facts, from its resolved form in the manifest."""

    def number(section: str) -> int:
        return len(r.get(section) or {})

    forces = "; ".join(
        f"{f.get('name') or k} ({k}): {f['headcount']:,} people" + (" — swept" if f.get("swept") else "")
        for k, f in (r.get("forces") or {}).items()
    )
    posts = r.get("posts") or {}
    critical = sum(1 for p in posts.values() if p.get("critical"))
    delegations = sum(int(d.get("count", 1)) for d in (r.get("delegations") or {}).values())
    aircraft = ", ".join(
        f"{g['count']} × {g['type']} at {g['base']}" for g in (r.get("aircraft") or {}).values()
    )
    fuel = ", ".join(f"{k} {p['capacity_gal']:,} gal" for k, p in (r.get("fuel_points") or {}).items())
    peak = r.get("peak")
    ow = r.get("delegation_overwatch")
    overwatch = f", and overwatch of delegations ({ow['count']} × {ow['type']} each)" if ow else ""
    return [
        ("window", f"{when(r.get('start'))} to {when(r.get('end'))} ({r.get('timezone')})"
         + (f"; peak {when(peak['start'])} to {when(peak['end'])}" if peak else "")),
        ("cities and sites",
         f"{count(number('cities'), 'city', 'cities')} ({', '.join(r.get('cities') or {})}), "
         f"{count(number('sites'), 'site', 'sites')}"),
        ("forces", forces),
        ("posts", f"{len(posts)} ({critical} critical)"),
        ("delegations", f"{delegations}"),
        ("incident streams", f"{number('incidents')}"),
        ("aircraft", aircraft or "none"),
        ("air coverage requirements", f"{number('air_coverage')}" + overwatch),
        ("fuel points", fuel or "none"),
    ]  # fmt: skip


def scenario_summary(entry: dict[str, Any]) -> str:
    """The scenario as `summit-sim validate` describes it: kept in the manifest by the run; for a
    folder written before that, read again from the scenario file if it is unchanged."""
    if entry.get("summary"):
        return str(entry["summary"])
    path = entry.get("path")
    if (
        path
        and Path(path).is_file()
        and (hashlib.sha256(Path(path).read_bytes()).hexdigest() == entry.get("sha256"))
    ):
        return describe_scenario(load_scenario(path))
    r = entry.get("resolved", {})
    counts = ", ".join(f"{len(r.get(k) or {})} {k.replace('_', ' ')}" for k in
                       ("cities", "sites", "forces", "posts", "delegations", "incidents",
                        "aircraft"))  # fmt: skip
    return f"scenario {entry.get('name')}: {r.get('start')} to {r.get('end')} {r.get('timezone')}; {counts}"


def reproducibility(t: ResultsTables) -> dict[str, Any]:
    """What a reader needs to run it again, and the methods behind the intervals."""
    m = t.manifest
    plan = m.get("plan", {})
    if plan.get("precision") is not None:
        how = (f"added in rounds until every target metric's 95% CI half-width was within --precision "
               f"{plan['precision']:g} (cap {plan.get('max_replications')}); precision "
               f"{'reached' if m.get('answer', {}).get('precision_met') else 'NOT reached'}")  # fmt: skip
    else:
        how = "fixed in advance (--replications, or the scenario's replications field)"
    return {
        "version": m.get("version"),
        "environment": m.get("environment") or {},
        "command_line": m.get("command_line"),
        "runs": [
            {**r, "started": when(r.get("started")), "ended": when(r.get("ended"))} for r in m.get("runs", [])
        ],
        "seed": m.get("seed"),
        "replications": t.replications,
        "replications_how": how,
        "scenarios": [
            {
                "name": s["name"],
                "path": s.get("path") or "(a scenario object, not a file)",
                "sha256": s["sha256"],
                "overrides": " ".join(f"--set {o}" for o in s.get("overrides") or []),
            }
            for s in m["scenarios"]
        ],
        "levels": ", ".join(t.labels),
        "key": t.key,
        "started": when(m.get("started")),
        "ended": when(m.get("ended")),
        "workers": m.get("workers"),
        "methods": METHODS,
    }
