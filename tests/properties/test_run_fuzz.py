"""Run fuzzing (issue 11): random scenario-shaped documents go through validation and, when they pass it
and the work limits, through one replication, under a time and a memory cap. Every outcome is a success
or a located refusal; never another exception, never a run that outgrows its cap.

The documents are random small valid scenarios (`tests.helpers.validation_strategies`) with 1-3 numbers
stretched by up to twelve orders of magnitude either way, the window stretched to up to 500 days, or a
count raised: the inputs that ran away before (a rate of a billion a day, a truck every nanosecond, a
window of centuries). Limits are small (`MAX_EVENTS` below), so that an accepted scenario runs in a
fraction of a second and the whole test in well under half a minute.

Each replication runs in a forked child with an address-space limit (`RLIMIT_AS`) and a CPU-time limit
(`RLIMIT_CPU`), and the parent kills it after a wall-clock deadline: a runaway costs seconds, not the
machine.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import resource
import signal
import sys
import time
import warnings
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.experiment.feasibility import check_limits
from sim.model import run_replication
from sim.scenario import Scenario, ScenarioError, parse_scenario
from tests.helpers.validation_strategies import scenario_data

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="fork and rlimits")

MAX_EVENTS = 20_000  # per replication: a fraction of a second
MAX_MEMORY_GB = 1.0
CPU_S = 20  # the child's CPU-time limit; an accepted scenario takes well under a second
WALL_S = 40  # and the parent's deadline
HEADROOM = 1 << 30  # address space the child may add to what it inherits (1 GiB)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- documents -------------------------------------------------------------------------------------
def _numbers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every number (not a bool) in plain data."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _numbers(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _numbers(v, (*path, i))]
    return [path] if isinstance(node, int | float) and not isinstance(node, bool) else []


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for k in path[:-1]:
        data = data[k]
    return data


# The numbers that drive the work of a replication: stretched more often than the others.
COSTLY = {
    "rate_per_day", "every_h", "first_h", "count", "headcount", "required", "team", "escort_team",
    "crew_duty_h", "fuel_capacity_gal", "burn_gal_per_h", "capacity_gal", "initial_gal",
    "reorder_point_gal", "cruise_kt", "failure_per_flight_h", "maintenance_every_flight_h", "drivers",
    "mean", "value", "high", "replications",
}  # fmt: skip


@st.composite
def stretched_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random small valid scenario with its numbers, window or counts stretched towards the extremes."""
    data = copy.deepcopy(draw(scenario_data()))
    numbers = _numbers(data)
    costly = [p for p in numbers if p[-1] in COSTLY]
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["scale", "scale", "window", "count"]))
        if how == "window":
            days = draw(st.sampled_from([3, 10, 30, 60, 401, 500]))
            data["end"] = data["start"] + dt.timedelta(days=days)
        elif how == "count" and data.get("delegations"):
            name = draw(st.sampled_from(sorted(data["delegations"])))
            data["delegations"][name]["count"] = draw(st.sampled_from([10, 100, 1000]))
        elif numbers:
            path = draw(st.sampled_from(costly if costly and draw(st.booleans()) else numbers))
            parent = _parent(data, path)
            value = parent[path[-1]]
            factor = 10.0 ** draw(st.integers(-12, 12))
            parent[path[-1]] = type(value)(value * factor) if isinstance(value, int) else value * factor
            event(f"stretched {path[-1]}")
    return data


# -- one replication under a cap -------------------------------------------------------------------
def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def run_capped(s: Scenario, cpu_s: int = CPU_S) -> str:
    """Run one replication in a forked child under the caps: "ok N" (N events), "memory", "cpu", or
    "error TYPE: MESSAGE" for any other exception."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process (Python 3.12+)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read)
            limit = _address_space() + HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
            try:
                answer = f"ok {run_replication(s, 0).n_events}"
            except MemoryError:
                answer = "memory"
            except BaseException as e:  # reported to the parent, which fails the test with it
                answer = f"error {type(e).__name__}: {e}"
            os.write(write, answer.encode()[:60_000])
        finally:
            os._exit(status)
    os.close(write)
    deadline = time.monotonic() + WALL_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            return "wall"
        time.sleep(0.005)
    with os.fdopen(read, "rb") as f:
        answer = f.read().decode()
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        return "cpu"
    return answer or f"no answer (status {status})"


# -- the property ----------------------------------------------------------------------------------
def outcome(data: dict[str, Any]) -> str:
    """What became of a document: "invalid", "refused" (beyond the limits) or the replication's answer."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        s = parse_scenario(text, "fuzz.yaml")
    except ScenarioError as e:
        problems = e.problems
    else:
        return _within_limits(s)
    assert problems  # a ScenarioError lists its problems
    for p in problems:
        assert p.file == "fuzz.yaml"
        assert p.message
    return "invalid"


def _within_limits(s: Scenario) -> str:
    """Refused if beyond the (small) limits, else the answer of its replication under the caps."""
    refusals = check_limits(s, 1, max_events=MAX_EVENTS, max_memory_gb=MAX_MEMORY_GB, file="fuzz.yaml")
    if refusals:
        for p in refusals:
            assert p.path, p  # located: the field that costs most, or `replications`
            assert "--max-events" in p.message or "--max-memory" in p.message or "never end" in p.message
        return "refused"
    return run_capped(s)


@FUZZ
@given(stretched_scenarios())
def test_a_stretched_scenario_is_refused_or_runs_within_its_caps(data: dict[str, Any]) -> None:
    answer = outcome(data)
    event(answer.split()[0])
    if answer in ("invalid", "refused"):
        return
    assert answer.startswith("ok "), (
        f"accepted within {MAX_EVENTS:,} estimated events, but the replication gave {answer!r}:\n"
        + yaml.safe_dump(data, sort_keys=False)
    )
    assert int(answer.split()[1]) <= MAX_EVENTS  # the estimate errs high: the real count is below it


def test_the_cap_stops_a_runaway() -> None:
    """The harness itself: a replication that would never end is stopped by the caps, not waited for."""
    text = """
name: runaway
timezone: UTC
start: 2024-01-01T00:00
end: 2024-01-01T03:00
cities: {c: {lat: 0, lon: 0}}
sites: {s: {city: c}}
forces: {f: {headcount: 10, cities: {c: 1.0}, roles: {logistics: 1.0}}}
fuel_points: {fp: {site: s, capacity_gal: 1, initial_gal: 0}}
fuel_trucks:
  t: {count: 1, depot: s, serves: [fp], operator: f, capacity_gal: 5, load_min: 0, reorder_point_gal: 1}
"""
    s = parse_scenario(text, "runaway.yaml")
    (p,) = check_limits(s, 1, max_events=MAX_EVENTS)
    assert "never end" in p.message
    started = time.monotonic()
    assert run_capped(s, cpu_s=2) in ("cpu", "wall")
    assert time.monotonic() - started < WALL_S
