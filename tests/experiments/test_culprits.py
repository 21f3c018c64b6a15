"""Which pools a missed target points to (`Blame`), and `allocate`'s pools searched together with it:
each pool's smallest number found exactly, whether the missed targets point at pools or not."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from sim.experiment.allocate import Split, _pool_minima, troops_of
from sim.experiment.culprits import Blame
from sim.experiment.search import Evidence, judge
from sim.metrics import TargetSpec
from sim.scenario import load_scenario

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "apec2024_peru.yaml"
N = 20


def _reference_blame() -> Blame:
    return Blame.of(load_scenario(REFERENCE), "us")


def test_a_missed_post_target_points_at_the_pools_of_the_posts_below_its_limit() -> None:
    blame = _reference_blame()
    full = np.ones(N)
    cols = {f"post_coverage[post={p}]": full for p in blame.posts}
    short = full.copy()
    short[3] = 0.95  # the President's cordon short in one replication
    cols["post_coverage[post=us_pres_cordon]"] = short
    assert blame("worst_post_coverage[force=us]", 0.99, cols) == {("lima", "security")}
    assert blame("worst_post_coverage[city=lima]", 0.99, cols) == {("lima", "security")}
    assert ("lima", "security") not in (blame("worst_post_coverage[city=pisco]", 0.99, cols) or set())
    assert blame("worst_post_coverage[force=host_police]", 0.99, cols) is None  # not the swept force
    # nothing below the limit (the mean's interval is what misses): the posts that are the worst
    cols["post_coverage[post=us_pres_cordon]"] = np.full(N, 0.995)
    assert blame("worst_post_coverage[force=us]", 0.99, cols) == {("lima", "security")}


def test_a_critical_gap_points_at_the_critical_posts_that_had_one() -> None:
    blame = _reference_blame()
    critical = [name for name, (_, _, crit) in blame.posts.items() if crit]
    cols = {f"critical_gap[post={p}]": np.zeros(N) for p in blame.posts}
    assert blame("critical_gap[force=us]", 0.05, cols) is None
    gap = np.zeros(N)
    gap[0] = 1.0
    cols[f"critical_gap[post={critical[0]}]"] = gap
    assert blame("critical_gap[force=us]", 0.05, cols) == {blame.posts[critical[0]][0]}


def test_escorts_and_responses_point_at_security_in_their_city_and_aircraft_targets_at_no_pool() -> None:
    blame = _reference_blame()
    assert blame("escort_within_15min_frac[delegation=usa]", 0.95, {}) == {("lima", "security")}
    assert blame("escort_within_15min_frac[delegation=china]", 0.95, {}) is None  # host escorts only
    assert blame("response_within_30min_frac[stream=pisco_us_assets]", 0.9, {}) == {("pisco", "security")}
    assert blame("air_coverage[requirement=mh60_lcc]", 0.95, {}) is None
    assert blame("fuel_outage_h[fuel_point=ag8_fuel]", 0.0, {}) is None


# A made-up operation where each pool has one post, met from `need[pool]` people on: the minima are known.
NEED: Split = {
    ("lima", "security"): 37,
    ("lima", "aviation"): 5,
    ("pisco", "security"): 0,
    ("pisco", "logistics"): 12,
}
FIXED: Split = {
    ("lima", "security"): 50,
    ("lima", "aviation"): 40,
    ("pisco", "security"): 9,
    ("pisco", "logistics"): 12,
}


class _FakeJudge:
    """Judges a split as `allocate`'s judge does (first round only), on columns that depend on the split
    alone; `fuel` adds a target no pool is blamed for, missed while Pisco logistics is short."""

    def __init__(self, fuel: bool) -> None:
        self.n, self.fuel = N, fuel
        self.source = SimpleNamespace(spent=0)
        self.looks: list[Split] = []

    def look(self, split: Split, n: int | None = None) -> tuple[Evidence, dict[str, np.ndarray]]:
        self.source.spent += self.n
        self.looks.append(dict(split))
        cols = {
            f"post_coverage[post={c}_{r}]": np.full(N, 1.0 if split[(c, r)] >= NEED[(c, r)] else 0.9)
            for c, r in NEED
        }
        cols["worst_post_coverage[force=us]"] = np.min(np.vstack(list(cols.values())), axis=0)
        specs = [TargetSpec("worst post", "worst_post_coverage[force=us]", "ci_low", 0.99)]
        if self.fuel:
            cols["fuel_outage_h[fuel_point=depot]"] = np.full(
                N, 0.0 if split[("pisco", "logistics")] >= 12 else 2.0
            )
            specs.append(TargetSpec("fuel", "fuel_outage_h[fuel_point=depot]", "ci_high", 0.0))
        return judge(troops_of(split), cols, specs), cols


def _blame() -> Blame:
    posts = {f"{c}_{r}": ((c, r), {"city": c, "role": r, "post": f"{c}_{r}"}, False) for c, r in NEED}
    return Blame("us", posts, {}, {})


def test_the_pools_searched_together_find_each_pools_smallest_number() -> None:
    fake = _FakeJudge(fuel=False)
    found, steps = _pool_minima(FIXED, list(FIXED), fake, 1, None, _blame())  # type: ignore[arg-type]
    assert found == NEED
    assert {st.phase for st in steps} == {"pools"}
    # one look per round for all pools, against a search per pool (about 2 log2 of its slack each)
    alone = sum(2 * int(np.ceil(np.log2(FIXED[p] - NEED[p] + 1))) for p in NEED if FIXED[p] > NEED[p])
    assert len(fake.looks) < alone


def test_a_missed_target_that_points_at_no_pool_sends_each_probe_to_a_look_of_its_own() -> None:
    fake = _FakeJudge(fuel=True)
    found, steps = _pool_minima(FIXED, list(FIXED), fake, 1, None, _blame())  # type: ignore[arg-type]
    assert found == NEED
    alone = [st for st in steps if st.phase.startswith("pool ")]
    assert alone, "the fuel target names no pool: the probes must have been looked at one by one"
    # a probe looked at alone is the split before it with every other probe back where it passed
    for i, st in enumerate(steps):
        if st.phase.startswith("pool "):
            joint = fake.looks[max(j for j in range(i) if steps[j].phase == "pools")]
            pool = next(p for p in NEED if st.phase == f"pool {p[0]}.{p[1]}")
            assert fake.looks[i][pool] == joint[pool]
            assert all(fake.looks[i][q] >= joint[q] for q in NEED)


def test_a_budget_stops_the_search_at_the_levels_passed_at() -> None:
    fake = _FakeJudge(fuel=False)
    found, _ = _pool_minima(FIXED, list(FIXED), fake, 1, 3 * N, _blame())  # type: ignore[arg-type]
    assert fake.source.spent <= 3 * N
    assert all(NEED[p] <= found[p] <= FIXED[p] for p in NEED)
