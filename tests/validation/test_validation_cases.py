"""Analytic validation: each case of scenarios/validation/ against its closed form (issue 5).

The checks run with the self-check's quick budget and fixed seeds. A deterministic check must equal
its closed form to rounding. A statistical check passes when the closed form lies inside the
simulated estimate's interval at the self-check's level: 99% for all of them together (Bonferroni:
each of the m statistical checks at 1 - 0.01/m). So the suite fails by chance with probability at
most 1% when the model is right, instead of about 1 - 0.99^m = 20% with a plain 99% interval each;
the tolerance is always an interval computed from the replications, never a number chosen by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.console import Console

from sim.validation import peer, theory
from sim.validation.cases import CASES, time_average
from sim.validation.checks import Check, rows_of
from sim.validation.selfcheck import FAMILY_CONFIDENCE, all_agree, print_selfcheck

_results: dict[str, list[Check]] = {}


def _checks(case: str) -> list[Check]:
    if case not in _results:
        _results[case] = peer.peer_checks(True) if case == "peer" else CASES[case](True)
    return _results[case]


def _all_checks() -> list[Check]:
    return [c for case in [*CASES, *(["peer"] if peer.available() else [])] for c in _checks(case)]


@pytest.mark.parametrize("case", list(CASES))
def test_case_agrees_with_closed_form(case):
    checks = _all_checks()
    each = 1 - (1 - FAMILY_CONFIDENCE) / sum(c.statistical for c in checks)
    mine = [c for c in checks if c.case == case]
    assert mine
    for c in mine:
        iv, iv99 = c.interval(each), c.interval(0.99)
        assert c.agrees(each), (
            f"{c.case} {c.quantity}: theory {c.theory:.6g} outside the {each:.4%} interval "
            f"[{iv.ci_low:.6g}, {iv.ci_high:.6g}] (mean {iv.mean:.6g}, n={c.n}; "
            f"plain 99%: [{iv99.ci_low:.6g}, {iv99.ci_high:.6g}])"
        )


def test_selfcheck_table_lists_every_case_and_all_agree():
    rows = rows_of(_all_checks())
    assert all_agree(rows)
    console = Console(record=True, width=120)
    print_selfcheck(rows, console, seconds=1.0)
    text = console.export_text()
    for case in CASES:
        assert case in text
    assert "E[shortfall]" in text  # not swallowed as rich markup
    assert f"All {len(rows)} rows agree" in text


def test_a_disagreeing_row_fails_the_selfcheck():
    wrong = Check("escorts_mm1", "W_q (min)", 60.0, "mean", (70.0, 71.0, 69.0, 70.5))
    rows = rows_of([wrong])
    assert not all_agree(rows)
    console = Console(record=True, width=120)
    print_selfcheck(rows, console)
    assert "1 of 1 rows disagree" in console.export_text()


# -- the closed forms themselves, on values worked by hand --------------------------------------------
def test_erlang_c_matches_hand_worked_values():
    one = theory.mmc(0.5, 1.0, 1)  # M/M/1: P(wait) = rho, W_q = rho / (mu - lambda)
    assert (one.p_wait, one.wait_h, one.queue_length) == pytest.approx((0.5, 1.0, 0.5))
    three = theory.mmc(2.0, 1.0, 3)  # a = 2, c = 3: C = (8/6 x 3) / (1 + 2 + 2 + 4) = 4/9
    assert three.p_wait == pytest.approx(4 / 9)
    assert three.wait_h == pytest.approx(4 / 9)
    two = theory.mmc(1.5, 1.0, 2)  # a = 1.5, c = 2: C = 4.5 / 7
    assert two.p_wait == pytest.approx(9 / 14)
    with pytest.raises(ValueError, match="below the servers"):
        theory.mmc(3.0, 1.0, 3)


def test_binomial_shortfall_matches_hand_worked_values():
    p, e = theory.absence_shortfall(10, 0.1, 9)
    assert p == pytest.approx(1 - 0.9**10 - 10 * 0.1 * 0.9**9)
    assert e == pytest.approx(0.9**10)  # E[A] - 1 + P(A = 0) with E[A] = 1
    assert theory.absence_shortfall(10, 0.0, 10) == (0.0, 0.0)


def test_sortie_and_fuel_closed_forms():
    assert theory.sortie_coverage(1, 1.5, 0.25, 4.0, 24.0) == pytest.approx(0.25)
    assert theory.sortie_coverage(5, 1.5, 0.25, 4.0, 24.0) == 1.0
    with pytest.raises(ValueError, match="whole number of cycles"):
        theory.sortie_coverage(1, 1.5, 0.25, 4.0, 25.0)
    t, length, k = theory.fuel_first_outage(1000, 350, 3.5, 4.0, 200, 1.5)
    assert (t, length, k) == (27.5, 2.0, 7)
    assert theory.availability(10, 2) == pytest.approx(5 / 6)
    assert theory.availability_start_up_bias(10, 2, 2016) < 2e-4


def test_time_average_of_a_step_function():
    steps = [(0.0, 0), (1.0, 2), (3.0, 1), (4.0, 0)]
    assert time_average(steps, 0.0, 4.0) == pytest.approx((2 * 2 + 1) / 4)
    assert time_average(steps, 2.0, 5.0) == pytest.approx((2 + 1) / 3)
    assert math.isclose(time_average([(0.0, 3)], 10.0, 20.0), 3.0)


def test_rotation_share_and_holdover_overtime_on_values_worked_by_hand():
    assert theory.rotation_share(("11111--",), 24.0) == pytest.approx(5 / 7)
    assert theory.rotation_share(("1", "2"), 12.0) == pytest.approx(1 / 2)  # 12on12off
    assert theory.rotation_share(("11111--", "22222--"), 12.0, 0.1) == pytest.approx(0.9 * 5 / 7 / 2)
    assert theory.holdover_overtime(4.0, 12.0) == pytest.approx(16 / 24)
    # The closed form against the integral of max(0, L - (S - u)) over u uniform on [0, S).
    u = (np.arange(120_000) + 0.5) / 120_000 * 12.0
    assert theory.holdover_overtime(4.0, 12.0) == pytest.approx(np.maximum(0, 4.0 - (12.0 - u)).mean())
