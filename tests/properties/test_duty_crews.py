"""Properties of crews on the duty board under random shift changes, tasks and releases, and of the
shift process under strength changes and outbreaks (common random numbers)."""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import run_replication
from sim.model.board import CityBoard
from sim.model.record import DutyTotals, PostTotals, Recorder
from tests.helpers.tiny import tiny

KEY = ("qrf", "security")

# One step: at time t, a crew (0-2) comes on with n people for `length` h (cap c on hold-over), or a
# task of `size` (priority p) runs for `hold` h; a post's requirement changes.
STEP = st.one_of(
    st.tuples(
        st.just("crew"), st.integers(0, 2), st.integers(0, 6), st.floats(0.25, 3), st.sampled_from([0.5, 9])
    ),
    st.tuples(st.just("task"), st.integers(1, 4), st.integers(1, 9), st.floats(0.1, 4), st.just(0)),
    st.tuples(st.just("post"), st.integers(0, 5), st.just(0), st.just(0.0), st.just(0)),
)


def _check(board: CityBoard, ledger: DutyTotals, seen: list[str]) -> None:
    crews = board.crews[KEY]
    on, held, over = board.on_duty[KEY], board.held[KEY], board.over[KEY]
    if on != sum(c.present for c in crews) or held != sum(c.held for c in crews):
        seen.append(f"t={board.env.now}: on {on} held {held} vs crews {[(c.present, c.held) for c in crews]}")
    if over != sum(c.held for c in crews if not c.on_shift):
        seen.append(f"t={board.env.now}: over {over} is not the held people of crews off shift")
    if min(on, held, over, *(c.present - c.held for c in crews)) < 0:
        seen.append(f"t={board.env.now}: a negative count")
    if any(not c.on_shift and c.present != c.held for c in crews):
        seen.append(f"t={board.env.now}: a crew off shift kept people no task holds")
    if not ledger.overtime_ph <= ledger.busy_ph + 1e-9 <= ledger.on_duty_ph + 2e-9:
        seen.append(f"t={board.env.now}: ledger out of order {ledger}")


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.floats(0, 12), STEP), min_size=1, max_size=25))
def test_people_on_duty_are_the_crews_present_and_person_hours_balance(steps):
    env = simpy.Environment()
    rec = Recorder()
    board = CityBoard(env, "lima", rec)
    ledger = DutyTotals()
    board.add_pool(*KEY, ledger)
    gate = board.add_post("gate", "lcc", ["qrf"], "security", 3, PostTotals("lima", "lcc", True))
    seen: list[str] = []
    present_ph = [0.0]  # person-hours integrated here from the crews, to compare with the ledger

    def crew(label, n, length, cap):
        board.crew_on(*KEY, label, n, env.now + length, cap)
        _check(board, ledger, seen)
        yield env.timeout(length)
        board.crew_off(*KEY, label)
        _check(board, ledger, seen)

    def task(size, priority, hold):
        t = board.request("response", "r", "", ["qrf"], size, priority)
        _check(board, ledger, seen)
        yield t.event
        yield env.timeout(hold)
        board.release(t)
        _check(board, ledger, seen)

    def script():
        last = 0.0
        for at, (kind, a, b, c, d) in sorted(steps, key=lambda s: s[0]):
            if at > env.now:
                yield env.timeout(at - env.now)
            if kind == "crew":
                label = f"crew {a}"
                if any(x.label == label and x.on_shift for x in board.crews[KEY]):
                    continue  # that crew is already on shift
                env.process(crew(label, b, c, d))
            elif kind == "task":
                env.process(task(a, b, c))
            else:
                board.set_required(gate, a)
            last = at
        del last

    def integrate():
        while True:
            present_ph[0] += board.on_duty[KEY] * 0.05
            yield env.timeout(0.05)

    env.process(script())
    env.process(integrate())
    env.run(until=20)
    board.finish(20)
    _check(board, ledger, seen)
    assert seen == []
    assert ledger.overtime_ph >= 0
    # Step times are floats: the 0.05 h sampled integral is within one step's worth of the exact one.
    assert ledger.on_duty_ph == pytest.approx(present_ph[0], abs=0.05 * 6 * 3 * (len(steps) + 1))


def _present_by_shift(headcount: int, replication: int, body: str) -> list[int]:
    s = tiny(body.replace("HEADCOUNT", str(headcount)))
    r = run_replication(s, replication, trace=True)
    return [
        int(e.detail.split(": ")[1].split()[0])
        for e in r.events
        if e.kind == "shift" and "on until" in e.detail
    ]


OUTBREAK = """
forces:
  police:
    headcount: HEADCOUNT
    strength: [{from: 2024-11-05T00:00, headcount: HEADCOUNT}]
    cities: {lima: 1}
    shift: {pattern: 8h3crew}
    absence_prob: 0.1
    outbreak: {prob_per_day: 0.5, absence_prob: 0.4, days: 1}
"""


@settings(max_examples=15, deadline=None)
@given(low=st.integers(1, 60), more=st.integers(1, 40), replication=st.integers(0, 1000))
def test_a_larger_force_never_has_fewer_present_in_any_shift_with_outbreaks(low, more, replication):
    small = _present_by_shift(low, replication, OUTBREAK)
    large = _present_by_shift(low + more, replication, OUTBREAK)
    assert len(small) == len(large)
    assert all(b >= a for a, b in zip(small, large, strict=True))


def test_outbreak_days_have_more_absence():
    quiet = OUTBREAK.replace("prob_per_day: 0.5", "prob_per_day: 0")
    always = OUTBREAK.replace("prob_per_day: 0.5", "prob_per_day: 1")
    n, reps = 300, 3
    absent_quiet = sum(n // 3 * 7 - sum(_present_by_shift(n, r, quiet)) for r in range(reps))
    absent_always = sum(n // 3 * 7 - sum(_present_by_shift(n, r, always)) for r in range(reps))
    shifts = 7 * reps * (n // 3)  # 7 shifts of 100 in the two-day window (the first from midnight)
    # Binomial counts: the 0.1 and 1 - 0.9 x 0.6 = 0.46 rates, each within 4.5 standard errors.
    for absent, p in ((absent_quiet, 0.1), (absent_always, 0.46)):
        assert abs(absent / shifts - p) < 4.5 * (p * (1 - p) / shifts) ** 0.5
