"""`size`: the search agrees with a fine grid sweep on the same seed, finds the Erlang C answer on an
M/M/c escort queue, resumes to the same folder, and says so when the evidence is not monotone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.experiment import RunOptions, design_sweep
from sim.experiment.search import SizeSettings, find_inversions, judge, size_search
from sim.metrics import target_specs
from sim.results import experiment as results_experiment
from sim.results.sizing import resume_size, run_size
from sim.scenario import Scenario
from sim.validation.theory import mmc
from tests.helpers.tiny import tiny

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def grid_answer(path: Path, levels: list[int], n: int, out: Path) -> int | None:
    """The smallest level meeting every target in a sweep over `levels` (the sweep command's answer)."""
    options = RunOptions(replications=n, workers=1, out=out)
    outcome = results_experiment.start(design_sweep(path, levels, options), options)
    meeting = outcome.answer.smallest_meeting
    return None if meeting is None else int(meeting)


GATES = """
seed: 5
targets: {post_coverage_min: 0.98, p_critical_gap_max: 0.2}
forces:
  us:
    headcount: 30
    swept: true
    cities: {lima: 1}
    absence_prob: 0.1
posts:
  gate: {site: lcc, required: 5, forces: [us], critical: true, daily: [{from: "00:00", to: "00:00"}]}
  door: {site: hotel, required: 3, forces: [us], daily: [{from: "08:00", to: "20:00"}]}
"""


def write_gates(folder: Path) -> Path:
    from sim.scenario.loader import scenario_yaml

    path = folder / "gates.yaml"
    path.write_text(scenario_yaml(tiny(GATES)))
    return path


def test_size_agrees_with_a_fine_grid_sweep_on_the_same_seed(tmp_path: Path) -> None:
    # Replications are not added (max = first round), so every level is judged on the grid's 20.
    path = write_gates(tmp_path)
    levels = list(range(0, 41, 2))
    expected = grid_answer(path, levels, 20, tmp_path / "grid")
    found = run_size(path, resolution=2, replications=20, max_replications=20, workers=1, out=tmp_path / "s")
    assert expected is not None
    assert 0 < expected < 40
    assert found.result.answer == expected
    assert found.result.status == "found"
    assert found.result.below is not None
    assert not found.result.below.meets
    assert found.result.below.level == expected - 2
    assert found.result.replications_spent < 20 * len(levels)
    assert (found.folder / "search.csv").read_text().count("\n") == len(found.result.steps) + 1


def _escort_queue(teams: int) -> tuple[Path, tuple[str, ...]]:
    """The M/M/c example with one person per escort team on continuous duty, so that troops = teams, and
    the target: at least 80% of movements start within 6 minutes of being due."""
    sets = (
        "forces.escorts.swept=true",
        f"forces.escorts.headcount={teams}",
        "tiers.minister.escort_team=1",
        "targets.escort_delay_p95_max_min=null",
        "targets.checks=[{metric: escort_within_frac, within_min: 6, min: 0.8}]",
    )
    return EXAMPLES / "escort_queue.yaml", sets


def erlang_c_teams(arrivals_per_h: float, service_per_h: float, within_h: float, share: float) -> int:
    """The fewest servers c of an M/M/c queue with P(wait <= t) = 1 - C(c, a) e^{-(c mu - lambda) t}
    at least `share`."""
    c = math.floor(arrivals_per_h / service_per_h) + 1
    while True:
        q = mmc(arrivals_per_h, service_per_h, c)
        if 1 - q.p_wait * math.exp(-(c * service_per_h - arrivals_per_h) * within_h) >= share:
            return c
        c += 1


def test_size_finds_the_erlang_c_number_of_escort_teams(tmp_path: Path) -> None:
    # 48 trips a day (2 an hour), exponential escorts of mean 60 min: a = 2. Erlang C gives
    # P(wait <= 6 min) = 0.598 with 3 teams and 0.857 with 4, so 4 teams meet "80% within 6 minutes".
    expected = erlang_c_teams(2.0, 1.0, 0.1, 0.8)
    assert expected == 4
    path, sets = _escort_queue(2)
    found = run_size(path, sets=sets, resolution=1, replications=10, workers=1, out=tmp_path / "mmc")
    assert found.result.answer == expected
    below = found.result.below
    assert below is not None
    assert below.level == expected - 1
    failing = below.failing
    assert failing is not None
    assert failing.metric == "escort_within_6min_frac"
    # the share within 6 minutes at 3 teams is Erlang C's 0.598, within its interval's reach
    at3 = next(c for c in below.checks if c.metric == "escort_within_6min_frac")
    assert at3.estimate < 0.8


def test_an_interrupted_size_resumes_to_the_same_answer_and_search(tmp_path: Path) -> None:
    path = write_gates(tmp_path)
    whole = run_size(path, resolution=2, replications=6, workers=1, out=tmp_path / "whole")

    def stop(step: object) -> None:
        if getattr(step, "step", 0) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        run_size(path, resolution=2, replications=6, workers=1, out=tmp_path / "cut", progress=stop)
    assert getattr(info.value, "folder", None) == tmp_path / "cut.incomplete"  # named for --resume
    assert (tmp_path / "cut.incomplete" / "levels").is_dir()
    resumed = resume_size(tmp_path / "cut.incomplete", workers=1)
    assert resumed.folder == tmp_path / "cut"
    assert resumed.result.answer == whole.result.answer
    assert (resumed.folder / "search.csv").read_text() == (whole.folder / "search.csv").read_text()
    assert (resumed.folder / "replications.csv").read_text() == (
        whole.folder / "replications.csv"
    ).read_text()


class FakeSource:
    """Post coverage per replication as a function of the level, with no randomness: lets a test set
    which levels meet the target."""

    def __init__(self, coverage: dict[int, float]) -> None:
        self.coverage, self.spent = coverage, 0

    def __call__(self, key: str, scenario: Scenario, troops: int | None, n: int) -> dict[str, np.ndarray]:
        self.spent += n
        value = self.coverage[int(key)]
        return {"post_coverage": np.full(n, value) + np.linspace(-1e-4, 1e-4, n)}


ONE_TARGET = """
targets: {post_coverage_min: 0.99, p_critical_gap_max: null}
forces:
  us: {headcount: 50, swept: true, cities: {lima: 1}}
"""


def test_size_reports_an_inversion_when_the_evidence_is_not_monotone() -> None:
    # 40 meets, 45 does not, 50 and above meet: the search from 50 walks down to 45 (fails), so its answer
    # is 50, one step above a failing level; 40 meeting below a failing 45 is the inversion it names.
    coverage = dict.fromkeys(range(0, 101, 5), 1.0) | {45: 0.9, 35: 0.9, 30: 0.9}
    coverage |= dict.fromkeys(range(0, 30, 5), 0.5)
    source = FakeSource(coverage)
    s = tiny(ONE_TARGET)
    result = size_search(s, source, SizeSettings(5, 4, 4, None, 50))
    assert result.answer == 50
    assert [st.evidence.level for st in result.steps] == [50, 45]
    assert result.inversions == ()
    # from 60 the doubling steps down are 55, 45: 45 fails, then bisection judges 50; starting at 40
    # instead lands on 40 itself (the walk down from 40 sees 35 fail): the search is local
    result = size_search(s, source, SizeSettings(5, 4, 4, None, 40))
    assert result.answer == 40
    # levels judged on both sides of a dip are named as an inversion
    assert find_inversions({lv: judge(lv, source(str(lv), s, lv, 4), target_specs(s))
                            for lv in (35, 40, 45, 50)}) == ((40, 45),)  # fmt: skip


def test_a_close_level_gets_more_replications_and_the_answer_is_judged_on_them() -> None:
    # At 35 the coverage (0.9901) clears 0.99 but 4 replications cannot show it (undecided): the search
    # adds replications there (to 10 in the first step, within the cap of 40) until it is shown.
    source = FakeSource({lv: (1.0 if lv >= 40 else 0.9901 if lv == 35 else 0.5) for lv in range(0, 101, 5)})
    result = size_search(tiny(ONE_TARGET), source, SizeSettings(5, 4, 40, None, 50))
    assert result.answer == 35
    close = [st for st in result.steps if st.evidence.level == 35]
    assert close[-1].evidence.n > 4
    assert close[-1].evidence.meets
    assert result.below is not None
    assert result.below.n == close[-1].evidence.n


def test_size_within_a_budget_stops_and_says_so() -> None:
    source = FakeSource({lv: (1.0 if lv >= 35 else 0.5) for lv in range(0, 101, 5)})
    result = size_search(tiny(ONE_TARGET), source, SizeSettings(5, 4, 4, 12, 100))
    assert result.status == "budget"
    assert result.replications_spent <= 12
    assert result.answer is not None
    assert result.answer >= 35


def test_a_target_the_input_does_not_move_stops_the_search_and_is_named() -> None:
    # coverage stays at 0.9 whatever the troops: going up from 50, the search sees the same estimate at
    # more than twice 50 and stops, rather than doubling on to ten million
    source = FakeSource(dict.fromkeys(range(0, 10000, 5), 0.9))
    result = size_search(tiny(ONE_TARGET), source, SizeSettings(5, 4, 4, None, 50, high=9_995))
    assert result.answer is None
    assert result.status == "none meets (flat)"
    assert [c.metric for c in result.flat] == ["post_coverage"]
    assert max(st.evidence.level for st in result.steps) <= 4 * 50 + 5 * 16


def test_the_answer_and_the_level_below_end_on_the_same_replications() -> None:
    # 30 is close and stays undecided up to the cap (40 replications); 35 is shown on 10: the answer is
    # topped up to the 40 of the level below, so that the two are compared on the same replications
    coverage = {lv: (1.0 if lv >= 40 else 0.9901 if lv == 35 else 0.99001 if lv == 30 else 0.5)
                for lv in range(0, 101, 5)}  # fmt: skip
    result = size_search(tiny(ONE_TARGET), FakeSource(coverage), SizeSettings(5, 4, 40, None, 50))
    assert result.answer == 35
    assert result.below is not None
    assert result.at_answer is not None
    assert result.below.close
    assert result.below.n == result.at_answer.n == 40
    assert set(result.paired) == {"post_coverage"}


def test_a_target_only_replications_can_show_stops_the_climb() -> None:
    # 0.9901 clears 0.99 at every level, but 4 replications (the cap) cannot show it: going up cannot help
    source = FakeSource(dict.fromkeys(range(0, 10_000, 5), 0.9901))
    result = size_search(tiny(ONE_TARGET), source, SizeSettings(5, 4, 4, None, 50, high=9_995))
    assert result.answer is None
    assert result.status == "none meets (flat)"
    assert [c.status for c in result.flat] == ["undecided"]
    assert max(st.evidence.level for st in result.steps) <= 4 * 50 + 5 * 16


class TwoTargetSource(FakeSource):
    """Post coverage as in FakeSource, and a critical gap in every replication at every level: a target
    that no level meets and the level does not move."""

    def __call__(self, key: str, scenario: Scenario, troops: int | None, n: int) -> dict[str, np.ndarray]:
        return super().__call__(key, scenario, troops, n) | {"critical_gap": np.ones(n)}


TWO_TARGETS = """
targets: {post_coverage_min: 0.99, p_critical_gap_max: 0.05}
forces:
  us: {headcount: 50, swept: true, cities: {lima: 1}}
"""


def test_past_a_target_out_of_reach_the_search_finds_what_the_input_can_buy() -> None:
    # P(critical gap) is 1 at every level (out of the troops' reach); coverage is met from 35. The search
    # says no level meets every target, names the one out of reach, and sizes the rest: 35, with 30 below.
    source = TwoTargetSource({lv: (1.0 if lv >= 35 else 0.5) for lv in range(0, 10_000, 5)})
    result = size_search(tiny(TWO_TARGETS), source, SizeSettings(5, 4, 4, None, 50, high=9_995))
    assert result.answer is None
    assert result.status == "none meets (flat)"
    assert [c.metric for c in result.flat] == ["critical_gap"]
    assert result.reachable is not None
    assert result.reachable.answer == 35
    assert result.reachable.below is not None
    assert result.reachable.below.level == 30
    assert result.replications_spent == source.spent  # both searches' replications counted once
    # alone, the coverage target gives the same answer: the targets left out are exactly the flat ones
    alone = size_search(tiny(ONE_TARGET), FakeSource(source.coverage), SizeSettings(5, 4, 4, None, 50))
    assert alone.answer == result.reachable.answer


def test_a_target_only_replications_can_show_is_not_left_out() -> None:
    # undecided at the cap is a shortage of replications, not of troops: no search without it
    source = FakeSource(dict.fromkeys(range(0, 10_000, 5), 0.9901))
    result = size_search(tiny(ONE_TARGET), source, SizeSettings(5, 4, 4, None, 50, high=9_995))
    assert result.reachable is None


def test_a_level_names_a_target_plainly_missed_before_one_only_undecided() -> None:
    # coverage 0.99025 on 4 scattered replications clears 0.99 but its interval does not (undecided); a
    # critical gap in every replication plainly misses <= 0.05: the level is named by what the input
    # would have to fix, not by what more replications would show
    s = tiny(TWO_TARGETS)
    cols = {"post_coverage": np.array([0.995, 0.985, 0.999, 0.982]), "critical_gap": np.ones(4)}
    ev = judge(50, cols, target_specs(s))
    assert [c.status for c in ev.checks if not c.met] == ["undecided", "not met"]
    assert ev.failing is not None
    assert ev.failing.metric == "critical_gap"


def test_screening_finds_the_same_answer_on_fewer_replications() -> None:
    # From 35 up the coverage (0.9901) clears 0.99, but 4 replications cannot show it: every meeting level
    # needs 10. Screened, the levels on the way are judged on 4 and only the answer is grown: same answer,
    # same level below on the same replications, fewer replications.
    coverage = {lv: (0.9901 if lv >= 35 else 0.5) for lv in range(0, 101, 5)}
    found = {}
    for screen in (False, True):
        source = FakeSource(coverage)
        found[screen] = size_search(
            tiny(ONE_TARGET), source, SizeSettings(5, 4, 40, None, 100, screen=screen)
        )
    plain, screened = found[False], found[True]
    assert plain.answer == screened.answer == 35
    assert plain.below is not None
    assert screened.below is not None
    assert screened.below.level == plain.below.level == 30
    assert screened.at_answer is not None
    assert screened.at_answer.meets
    assert screened.below.n == screened.at_answer.n == plain.at_answer.n  # type: ignore[union-attr]
    assert "confirm" in [st.phase for st in screened.steps]
    # without screening, each of the 7 meeting levels judged grows from 4 to 10; screened, only 35 does
    assert screened.replications_spent < plain.replications_spent
    grown = [st.evidence.level for st in screened.steps if st.evidence.n > 4]
    assert set(grown) == {30, 35}


def test_a_screened_answer_that_fails_on_its_full_replications_sends_the_search_up() -> None:
    # 35 is close on 4 replications (taken to meet on the way) but stays undecided up to the cap of 40:
    # on its full replications it fails, and the search goes on up, to 40, judged on the same 40.
    coverage = {lv: (1.0 if lv >= 40 else 0.99001 if lv == 35 else 0.5) for lv in range(0, 101, 5)}
    result = size_search(tiny(ONE_TARGET), FakeSource(coverage), SizeSettings(5, 4, 40, None, 100))
    assert result.answer == 40
    assert result.below is not None
    assert result.at_answer is not None
    assert result.below.level == 35
    assert not result.below.meets
    assert result.below.n == result.at_answer.n == 40
    confirm = [st for st in result.steps if st.phase == "confirm"]
    assert [(st.evidence.level, st.decision) for st in confirm] == [(35, "close")]
    assert result.inversions == ()
