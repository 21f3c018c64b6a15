"""What makes a replication cheaper must not change it: SimPy helpers that stand in for processes keep
every event's place, the event count is SimPy's own, and the per-scenario plan gives the same run."""

from __future__ import annotations

import gc
from pathlib import Path

import simpy

from sim.model import run_replication
from sim.model.record import ReplicationRecord
from sim.model.simpy_compat import call_soon, events_scheduled
from sim.model.summit import YOUNG_GC_THRESHOLD
from sim.scenario import load_scenario

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "apec2024_peru.yaml"


def test_events_scheduled_counts_every_event_simpy_schedules():
    env = simpy.Environment()

    def waiter():
        yield env.timeout(1)

    env.timeout(2)
    env.process(waiter())  # its start, its timeout, its end
    env.run(until=5)  # and the `until`, scheduled once more as it stops the run (to resume from)
    assert events_scheduled(env) == 1 + 3 + 2


def _order(helper_as_process: bool) -> list[tuple[float, str]]:
    """Who runs when, where a helper started at time 0 schedules a timeout at 1 among other events at 1:
    one scheduled before the helper starts, one by a process started before it, one after it, one by an
    ordinary event at 0 scheduled before it."""
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []

    def note(name: str):
        return lambda _: seen.append((env.now, name))

    def other():
        yield env.timeout(1)
        seen.append((env.now, "other process"))

    def helper_process():
        yield env.timeout(1)
        seen.append((env.now, "helper"))

    def start(_: simpy.Event) -> None:
        env.timeout(1).callbacks.append(note("helper"))

    env.timeout(1).callbacks.append(note("scheduled first"))
    env.timeout(0).callbacks.append(lambda _: env.timeout(1).callbacks.append(note("by an event at 0")))
    env.process(other())
    if helper_as_process:
        env.process(helper_process())
    else:
        call_soon(env, start)
    env.timeout(1).callbacks.append(note("scheduled after the helper's start"))
    env.run()
    return seen


def test_call_soon_takes_a_process_starts_place_among_same_time_events():
    # The helper's timeout is made when its start runs, after every event scheduled in the same step
    # (SimPy orders same-time events by the order they were scheduled): the same, process or callback.
    expected = [
        (1.0, "scheduled first"),
        (1.0, "scheduled after the helper's start"),
        (1.0, "other process"),
        (1.0, "helper"),
        (1.0, "by an event at 0"),  # an ordinary event: after every start at 0, the helper's too
    ]
    assert _order(helper_as_process=True) == expected
    assert _order(helper_as_process=False) == expected


def _same(a: ReplicationRecord, b: ReplicationRecord) -> None:
    # repr, not ==: a record holds NaNs (no dispatch by the end), and NaN != NaN
    assert repr(a) == repr(b)


def test_the_plan_of_a_scenario_serves_its_troop_levels_and_its_next_replications():
    s = load_scenario(REFERENCE)
    assert s.swept_force is not None
    troops = s.forces[s.swept_force].headcount // 2
    # the first plans `s` and reuses it at another troop level; the second plans a fresh copy
    _same(run_replication(s, 3, troops=troops), run_replication(s.with_troops(troops), 3))
    fresh = run_replication(s.model_copy(), 4)
    _same(run_replication(s, 4), fresh)
    _same(run_replication(s, 4), fresh)


def test_a_run_leaves_no_task_in_a_reference_cycle():
    """A task's event fires with no value: were the task its value, task and event would hold each
    other, and every escort and response would wait for the cyclic garbage collector to be freed (a
    cost per event that grew with the objects alive, issue 14)."""
    s = load_scenario(REFERENCE)
    run_replication(s, 0)  # plans and caches made once, outside what is looked at
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage, to be looked at
    try:
        record = run_replication(s, 0)
        gc.collect()
        cyclic = [type(x).__name__ for x in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert record.responses  # the run had tasks: escorts and responses
    assert "Task" not in cyclic


def test_young_collections_are_spaced_during_a_run_and_restored_after(monkeypatch):
    seen: list[tuple[int, ...]] = []
    run = simpy.Environment.run

    def noting(self, until=None):
        seen.append(gc.get_threshold())
        return run(self, until)

    monkeypatch.setattr(simpy.Environment, "run", noting)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 9, 8)
        run_replication(load_scenario(REFERENCE), 0)
        assert seen == [(YOUNG_GC_THRESHOLD, 9, 8)]
        assert gc.get_threshold() == (700, 9, 8)
        gc.set_threshold(0, 9, 8)  # automatic collection off: a run leaves it off
        run_replication(load_scenario(REFERENCE), 0)
        assert seen[-1] == (0, 9, 8)
        assert gc.get_threshold() == (0, 9, 8)
    finally:
        gc.set_threshold(*before)
