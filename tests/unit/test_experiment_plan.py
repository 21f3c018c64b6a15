"""Troop levels, replication plans and batches (sim.experiment.plan)."""

from __future__ import annotations

import pytest

from sim.experiment.plan import Batch, Plan, batches, next_round, parse_troops


def test_range_includes_stop_when_on_the_grid():
    assert parse_troops("0:1200:300") == [0, 300, 600, 900, 1200]
    assert parse_troops("0:1000:300") == [0, 300, 600, 900]
    assert parse_troops("5:5:1") == [5]


def test_list_is_sorted():
    assert parse_troops("900, 300,600") == [300, 600, 900]
    assert parse_troops("450") == [450]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5:1", "STOP (1) is below START (5)"),
        ("0:10:0", "STEP must be 1 or more"),
        ("0:10", "the step is missing"),
        ("0:10:5:1", "START:STOP:STEP"),
        ("a,b", "whole numbers"),
        ("-5,10", "from 0 to"),
        ("300,300", "listed twice"),
        ("0:100000:1", "too many"),
    ],
)
def test_bad_troop_levels_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_troops(text)


def test_plan_takes_a_count_or_a_precision():
    assert Plan(replications=30).first_round() == 30
    assert Plan(precision=0.02, max_replications=10).first_round() == 10
    with pytest.raises(ValueError, match="either"):
        Plan(replications=30, precision=0.1)
    with pytest.raises(ValueError, match="1 or more"):
        Plan(replications=0)


def test_next_round_follows_the_square_root_law_within_limits():
    assert next_round(20, 2.0, 1000) == 40  # 20 x 2² = 80, but at most double
    assert next_round(100, 1.1, 1000) == 130  # 121, rounded up to a multiple of 10
    assert next_round(100, 1.01, 1000) == 110  # at least 10 more
    assert next_round(600, 3.0, 1000) == 1000  # capped
    assert next_round(20, float("inf"), 1000) == 40


def test_batches_cover_each_missing_replication_once_in_runs():
    todo = {0: [0, 1, 2, 3, 4, 5, 6, 7], 1: [2, 3, 7]}
    out = batches(todo, workers=1)
    covered = {(b.variant, r) for b in out for r in range(b.start, b.stop)}
    assert covered == {(v, r) for v, reps in todo.items() for r in reps}
    assert sum(b.size for b in out) == 11
    assert Batch(1, 7, 8) in out  # a gap in the missing replications starts a new batch
    assert batches({0: []}, workers=4) == []
