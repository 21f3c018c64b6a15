"""Scenarios that validate must also be runnable, and say so when they are not (issue 11).

- Runaways: the schema's bounds (a window of centuries, a rate of a billion a day, a truck every
  nanosecond) are located errors; within them, `check_limits` refuses a scenario whose estimated work or
  memory is beyond the limit, with the numbers and the option that allows it (the limits are made small
  here, so that the tests are fast).
- Files that are not files: a named pipe (which must not block), a socket, a device, a symbolic link loop.
- Silent wrong results: an hourly profile too large or too small to average still gives incidents; a file
  with no `timezone` is refused; demands that can never be met give warnings with the numbers.
- Packaging: `make notebooks` runs as root; installing prints no `project.license` deprecation.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from sim.experiment.feasibility import MAX_EVENTS, check_limits, demand_warnings, work_estimate
from sim.model import run_replication
from sim.scenario import Problem, Scenario, ScenarioError, load_scenario, parse_scenario
from tests.helpers import ROOT

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))

BASE = """\
name: limits
timezone: America/Lima
start: 2024-11-14 00:00
end: 2024-11-16 00:00
cities: {lima: {lat: -12.05, lon: -77.04}}
sites:
  venue: {city: lima}
  hotel: {city: lima}
  airport: {city: lima}
forces:
  police: {headcount: 40, cities: {lima: 1.0}}
"""

INCIDENTS = """\
incidents:
  street:
    city: lima
    rate_per_day: {rate}
    team: 2
    forces: [police]
    travel_min: 10
    on_scene_min: 30
"""


def scenario(body: str = "", base: str = BASE) -> Scenario:
    return parse_scenario(base + textwrap.dedent(body), "limits.yaml")


def problems(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "limits.yaml")
    return e.value.problems


def line_of(text: str, fragment: str) -> int:
    (n,) = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    return n


# -- the schema's bounds: located errors -----------------------------------------------------------
BOUNDS = {
    "incident-rate-1e9-a-day": (
        INCIDENTS.format(rate="1.0e9"),
        "incidents.street.rate_per_day",
        "rate_per_day: 1.0e9",
        "at most 10,000 incidents a day in one stream (got 1e+09)",
    ),
    "trucks-every-nanosecond": (
        """\
fuel_points: {fp: {site: airport, capacity_gal: 1000, initial_gal: 500}}
fuel_trucks:
  bowsers:
    count: 1
    depot: airport
    serves: [fp]
    operator: police
    capacity_gal: 500
    every_h: 1.0e-9
""",
        "fuel_trucks.bowsers.every_h",
        "every_h: 1.0e-9",
        "greater than or equal to 0.1",
    ),
    "trips-1e7-a-day": (
        """\
tiers: {leader: {escort_team: 2}}
delegations:
  many:
    tier: leader
    count: 1000
    hotel: hotel
    escort_forces: [police]
    arrival: {airport: airport, scheduled: 2024-11-14 08:00}
    departure: {airport: airport, scheduled: 2024-11-15 20:00}
    unscheduled: {rate_per_day: 1.0e7, duration_min: 30}
""",
        "delegations.many.unscheduled.rate_per_day",
        "rate_per_day: 1.0e7",
        "at most 1,000 unscheduled trips a day per delegation (got 1e+07)",
    ),
}


@pytest.mark.parametrize("case", BOUNDS.values(), ids=BOUNDS)
def test_a_rate_beyond_the_schema_bound_is_a_located_error(case: tuple[str, str, str, str]) -> None:
    body, path, at, fragment = case
    text = BASE + body
    (p,) = problems(text)
    assert (p.path, p.line) == (path, line_of(text, at))
    assert fragment in p.message


@pytest.mark.parametrize("years", [500, 9000])
def test_a_window_of_centuries_is_refused_at_its_end(years: int) -> None:
    start, end = dt.date(998, 1, 1), dt.date(998 + years, 1, 1)
    text = BASE.replace("start: 2024-11-14", f"start: {start}").replace("end: 2024-11-16", f"end: {end}")
    (p,) = problems(text)
    assert (p.path, p.line) == ("end", line_of(text, "end:"))
    assert p.message == (
        f"the scenario window is {(end - start).days:,} days long ({start} 00:00:00 to {end} 00:00:00); "
        "at most 400 days"
    )


def test_a_window_of_400_days_is_allowed() -> None:
    s = scenario(base=BASE.replace("end: 2024-11-16 00:00", "end: 2025-12-19 00:00"))
    assert (s.end - s.start).days == 400


def test_more_than_ten_thousand_delegations_in_all_are_refused() -> None:
    one = """\
  d{i}:
    tier: leader
    count: 1000
    hotel: hotel
    escort_forces: [police]
    arrival: {{airport: airport, scheduled: 2024-11-14 08:00}}
    departure: {{airport: airport, scheduled: 2024-11-15 20:00}}
"""
    text = (
        BASE
        + "tiers: {leader: {escort_team: 2}}\ndelegations:\n"
        + "".join(one.format(i=i) for i in range(11))
    )
    (p,) = problems(text)
    assert (p.path, p.line) == ("delegations", line_of(text, "delegations:"))
    assert p.message == "11,000 delegations in all (counts added up); at most 10,000"


# -- the work estimate and its limits --------------------------------------------------------------
def test_every_shipped_scenario_is_within_the_default_limits() -> None:
    assert SCENARIOS
    for path in SCENARIOS:
        s = load_scenario(path)
        assert check_limits(s, s.replications, workers=os.cpu_count() or 1) == [], path


@pytest.mark.parametrize(
    "name", ["apec2024_peru.yaml", "examples/air_fuel.yaml", "validation/escorts_mm3.yaml"]
)
def test_the_estimate_errs_high_but_not_wildly(name: str) -> None:
    s = load_scenario(ROOT / "scenarios" / name)
    actual = run_replication(s, 0).n_events
    assert actual <= work_estimate(s).events <= 5 * actual


def test_too_many_incidents_are_refused_with_the_numbers_and_the_option() -> None:
    s = scenario(INCIDENTS.format(rate=500))  # 1,000 incidents in two days
    est = work_estimate(s)
    (street,) = [p for p in est.parts if p.path == ("incidents", "street")]
    assert street.count == pytest.approx(1000)
    (p,) = check_limits(s, max_events=2000, file="limits.yaml")
    assert (p.file, p.line, p.path) == ("limits.yaml", None, "incidents.street")
    assert p.message.startswith(f"one replication would take about {est.events:,.0f} events")
    assert "over the limit of 2,000" in p.message
    assert "incidents.street: 1,000 incidents of stream street" in p.message
    assert p.message.endswith(f"allow it with --max-events {float(f'{est.events * 1.1:.2g}'):g}")
    assert p.message.endswith("allow it with --max-events 8900")  # 8,046 events, rounded up
    # the option's value is enough
    assert check_limits(s, max_events=float(p.message.rsplit(" ", 1)[1])) == []


def test_the_default_limit_refuses_a_year_of_the_busiest_incident_stream() -> None:
    s = scenario(INCIDENTS.format(rate=10_000), base=BASE.replace("end: 2024-11-16", "end: 2025-11-14"))
    events, memory = check_limits(s)  # 3.65 million incidents: too long, and too large
    assert work_estimate(s).events > MAX_EVENTS
    assert "--max-events" in events.message
    assert "--max-memory" in memory.message


def test_unscheduled_trips_of_many_delegations_are_counted() -> None:
    s = scenario(
        """\
        tiers: {leader: {escort_team: 2}}
        delegations:
          many:
            tier: leader
            count: 1000
            hotel: hotel
            escort_forces: [police]
            arrival: {airport: airport, scheduled: 2024-11-14 00:00}
            departure: {airport: airport, scheduled: 2024-11-16 00:00}
            unscheduled: {rate_per_day: 1000, duration_min: 30}
        """
    )
    (part,) = [p for p in work_estimate(s).parts if p.path == ("delegations", "many")]
    assert part.count == pytest.approx(1000 * (2 + 2 * 1000))
    assert [p.path for p in check_limits(s)] == ["delegations.many", "delegations.many"]  # events, memory
    assert check_limits(s, max_events=2.5e7, max_memory_gb=10) == []


def test_a_run_too_large_for_memory_is_refused_at_replications() -> None:
    s = scenario(INCIDENTS.format(rate=10))
    assert check_limits(s, 1000) == []
    (p,) = check_limits(s, 1_000_000, levels=1000, max_memory_gb=1)
    assert p.path == "replications"
    assert "of results for 1,000,000 replications x 1,000 levels" in p.message
    assert "over the limit of 1 GB" in p.message
    assert "--max-memory" in p.message


def test_trace_memory_counts_the_kept_events() -> None:
    s = scenario(INCIDENTS.format(rate=100))
    assert work_estimate(s, trace=True).replication_bytes > work_estimate(s).replication_bytes


def test_a_zero_time_truck_cycle_never_ends_and_cannot_be_allowed() -> None:
    # The reorder point is the point's whole capacity, so every delivery orders the next; trucks that load
    # in no time at the point itself go round in no time: the replication would never end.
    drivers = BASE.replace(
        "cities: {lima: 1.0}}", "cities: {lima: 1.0}, roles: {security: 0.5, logistics: 0.5}}"
    )
    s = scenario(
        """\
        fuel_points: {fp: {site: airport, capacity_gal: 100, initial_gal: 0}}
        fuel_trucks:
          loop: {count: 1, depot: airport, serves: [fp], operator: police, capacity_gal: 50, load_min: 0,
                 reorder_point_gal: 100}
        """,
        base=drivers,
    )
    assert math.isinf(work_estimate(s).events)
    (p,) = check_limits(s, max_events=math.inf)
    assert p.path == "fuel_trucks.loop"
    assert p.message.startswith("one replication would never end: fuel_trucks.loop: unboundedly many")
    assert "--max-events" not in p.message
    assert demand_warnings(s) == [
        "fuel trucks loop will shuttle without end: their reorder point (100 gal) is not below the "
        "capacity of fp (100 gal), so its stock can never rise above it and every delivery orders the next"
    ]


def test_sorties_that_cannot_stay_on_station_are_bounded_by_the_aircraft() -> None:
    # crew duty a minute longer than the flight there and back (0.27 h each way; shorter is refused,
    # tests/events/test_air_reach.py): each sortie turns round almost at once
    s = scenario(
        """\
        aircraft_types:
          h: {operator: police, cruise_kt: 100, fuel_capacity_gal: 400, burn_gal_per_h: 100, crew: 1,
              crew_duty_h: 0.56, turnaround_min: 30}
        aircraft: {helos: {type: h, base: airport, count: 2}}
        air_coverage:
          watch: {type: h, over: venue, windows: [{start: 2024-11-14 00:00, end: 2024-11-16 00:00}]}
        """,
        base=BASE.replace("venue: {city: lima}", "venue: {city: lima, lat: -12.5, lon: -77.04}"),
    )
    est = work_estimate(s)
    (watch,) = [p for p in est.parts if p.path == ("air_coverage", "watch")]
    assert 0 < watch.count < 2 * 48 / 0.5 + 2
    assert check_limits(s) == []


def test_a_large_crew_with_absences_costs_its_binomial_draws() -> None:
    small = scenario()
    big = scenario(
        base=BASE.replace(
            "headcount: 40, cities: {lima: 1.0}",
            "headcount: 10000000, cities: {lima: 1.0}, absence_prob: 0.5",
        )
    )
    assert work_estimate(big).events > 100 * work_estimate(small).events
    (p,) = check_limits(big, max_events=100_000)
    assert p.path == "forces.police"


def test_troops_sets_the_swept_force_for_the_estimate() -> None:
    s = scenario(base=BASE.replace("headcount: 40,", "headcount: 40, swept: true, absence_prob: 0.2,"))
    assert work_estimate(s, troops=10_000_000).events > work_estimate(s, troops=40).events
    assert work_estimate(s, troops=0).events < work_estimate(s).events


# -- files that are not files ----------------------------------------------------------------------
def run_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """`summit-sim validate PATH` in a process of its own, given 60 s (a blocked read would hang)."""
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    done = run_validate(fifo)  # no writer: opening it for reading would block for ever
    assert done.returncode == 2
    assert (
        done.stderr.splitlines()[0]
        == f"{fifo}: is a named pipe (FIFO), not a regular file: give a scenario file"
    )
    assert "Traceback" not in done.stderr


def test_a_socket_and_a_device_are_refused(tmp_path: Path) -> None:
    sock_path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(ScenarioError) as e:
            load_scenario(sock_path)
    assert e.value.problems == [
        Problem(str(sock_path), None, "", "is a socket, not a regular file: give a scenario file")
    ]
    for device in ("/dev/null", "/dev/zero"):
        with pytest.raises(ScenarioError) as e:
            load_scenario(device)
        assert (
            e.value.problems[0].message == "is a character device, not a regular file: give a scenario file"
        )


def test_a_symlink_loop_is_reported_as_a_loop(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ScenarioError) as e:
        load_scenario(a)
    assert e.value.problems == [
        Problem(str(a), None, "", "is a symbolic link loop (a link that leads back to itself), not a file")
    ]


def test_a_link_to_nothing_names_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to("gone.yaml")
    with pytest.raises(ScenarioError) as e:
        load_scenario(link)
    assert e.value.problems[0].message == "is a symbolic link to 'gone.yaml', which does not exist"


def test_a_link_to_a_scenario_is_read(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(ROOT / "scenarios" / "examples" / "one_post.yaml")
    assert load_scenario(link).name


# -- silent wrong results --------------------------------------------------------------------------
PROFILED = INCIDENTS.format(rate=8) + "    hourly_profile: {profile}\n"


@pytest.mark.parametrize(
    "profile",
    [[1.0e308] * 24, [5.0e-324] + [0.0] * 23, [1.0e-310] * 24, [1.0e308] + [5.0e-324] * 23],
    ids=["24x1e308", "one-subnormal", "all-subnormal", "huge-and-subnormal"],
)
def test_an_extreme_hourly_profile_still_gives_its_incidents(profile: list[float]) -> None:
    s = scenario(PROFILED.format(profile=profile))
    weights = s.incidents["street"].hourly_profile
    assert weights is not None
    assert all(math.isfinite(w) for w in weights)
    assert 0 < sum(weights) < math.inf
    counts = [len(run_replication(s, r).responses) for r in range(10)]
    assert 8 <= sum(counts) / len(counts) <= 24  # 16 expected in two days


def test_an_ordinary_hourly_profile_is_kept_exactly() -> None:
    profile = [0.5] * 6 + [1.0] * 12 + [3.0] * 6
    assert scenario(PROFILED.format(profile=profile)).incidents["street"].hourly_profile == profile


def test_an_all_zero_hourly_profile_is_refused() -> None:
    text = BASE + PROFILED.format(profile=[0.0] * 24)
    (p,) = problems(text)
    assert p.path == "incidents.street.hourly_profile"
    assert p.message.startswith("hourly_profile must not be all zeros")


def test_a_missing_timezone_is_refused() -> None:
    text = BASE.replace("timezone: America/Lima\n", "")
    (p,) = problems(text)
    assert (p.path, p.line) == ("timezone", 1)
    assert p.message.startswith("required field is missing (the IANA timezone of every date and time")


def test_every_shipped_scenario_names_its_timezone() -> None:
    for path in SCENARIOS:
        assert "\ntimezone: " in path.read_text(encoding="utf-8"), path


# -- demands that can never be met: warnings -------------------------------------------------------
def test_an_aircraft_whose_operator_has_no_aviation_people_is_warned_about() -> None:
    s = scenario(
        """\
        aircraft_types:
          h: {operator: police, cruise_kt: 120, fuel_capacity_gal: 400, burn_gal_per_h: 100, crew: 3}
        aircraft: {helos: {type: h, base: airport, count: 2}}
        """
    )
    assert demand_warnings(s) == [
        "aircraft helos (2 x h, based at airport in lima) can never fly: its operator police has no "
        "aviation people in lima, and a crew is 3"
    ]


def test_a_post_whose_forces_have_nobody_in_its_city_is_warned_about() -> None:
    s = scenario(
        """\
        posts:
          gate: {site: venue, required: 3, forces: [police], role: logistics,
                 daily: [{from: "08:00", to: "20:00"}]}
        """
    )
    assert demand_warnings(s) == [
        "post gate (at venue in lima) can never be staffed: its forces (police) have no logistics people "
        "in lima"
    ]


def test_a_post_that_asks_for_nobody_is_not_warned_about() -> None:
    s = scenario(
        """\
        posts:
          gate: {site: venue, required: 0, forces: [police], role: logistics,
                 daily: [{from: "08:00", to: "20:00"}]}
        """
    )
    assert demand_warnings(s) == []


def test_teams_larger_than_the_whole_pool_are_warned_about() -> None:
    s = scenario(
        INCIDENTS.format(rate=6).replace("team: 2", "team: 41")
        + """\
tiers: {leader: {escort_team: 50}}
delegations:
  usa:
    tier: leader
    hotel: hotel
    escort_forces: [police, police]
    arrival: {airport: airport, scheduled: 2024-11-14 08:00}
    departure: {airport: airport, scheduled: 2024-11-15 20:00}
"""
    )
    assert demand_warnings(s) == [
        "incidents street can never be answered: a team is 41, but its forces (police) have 40 security "
        "people in lima in all",
        "delegation usa can never be escorted: an escort team is 50, but its forces (police) have 40 "
        "security people in lima in all",
    ]
    assert demand_warnings(s, troops=None) == demand_warnings(s)


def test_the_shipped_scenarios_give_no_demand_warnings() -> None:
    for path in SCENARIOS:
        assert demand_warnings(load_scenario(path)) == [], path


# -- packaging -------------------------------------------------------------------------------------
def test_make_notebooks_allows_root_only_as_root() -> None:
    done = subprocess.run(["make", "-n", "notebooks"], capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        pytest.skip(f"make is not usable here: {done.stderr.strip()}")
    (lab,) = [line for line in done.stdout.splitlines() if "jupyter lab" in line]
    assert ("--allow-root" in lab) == (os.geteuid() == 0)


def test_the_license_is_an_spdx_expression() -> None:
    # The table form `{text = "MIT"}` makes setuptools (>= 77) print a deprecation warning on install.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in "".join(project["build-system"]["requires"]).replace(" ", "")


# -- the command line: validate, trace and the experiments check the limits and print the warnings --------
def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


BUSY = BASE + INCIDENTS.format(rate=200)  # 200 incidents a day for 2 days: about 3,300 estimated events


def test_validate_prints_the_estimate_and_refuses_beyond_the_limit(tmp_path: Path) -> None:
    (tmp_path / "busy.yaml").write_text(BUSY, encoding="utf-8")
    est = work_estimate(parse_scenario(BUSY, "busy.yaml"), workers=os.cpu_count() or 1)
    ok = cli("validate", "busy.yaml", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert f"work: {est.describe()}" in ok.stdout.splitlines()
    refused = cli("validate", "busy.yaml", "--max-events", "1000", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stdout == ""
    first = refused.stderr.splitlines()[0]
    assert first.startswith("busy.yaml: incidents.street: one replication would take about ")
    assert f"over the limit of 1,000 (incidents.street: {est.largest(1)[0].count:,.0f} incidents" in first
    allowed = first.rsplit(" ", 1)[1]
    assert float(allowed) > est.events
    assert cli("validate", "busy.yaml", "--max-events", allowed, cwd=tmp_path).returncode == 0
    assert "Traceback" not in refused.stderr


def test_run_and_trace_beyond_the_limits_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "busy.yaml").write_text(BUSY, encoding="utf-8")
    run = cli("run", "busy.yaml", "-n", "5", "--max-events", "1000", "--out", "out", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "--max-events" in run.stderr
    memory = cli("run", "busy.yaml", "-n", "100000", "--max-memory", "0.01", "--out", "out", cwd=tmp_path)
    assert memory.returncode == 2, memory.stderr
    assert "busy.yaml: replications: the run would need about " in memory.stderr
    assert "100,000 replications" in memory.stderr
    trace = cli("trace", "busy.yaml", "--max-events", "1000", "--out", "out", cwd=tmp_path)
    assert trace.returncode == 2, trace.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy.yaml"]  # no results folder of any kind


def test_validate_and_run_print_the_demands_that_can_never_be_met(tmp_path: Path) -> None:
    text = BASE + INCIDENTS.format(rate=6).replace("team: 2", "team: 41")
    (tmp_path / "big_team.yaml").write_text(text, encoding="utf-8")
    (warning,) = demand_warnings(parse_scenario(text, "big_team.yaml"))
    for args in (("validate",), ("run", "-n", "2", "--quiet", "--out", "out")):
        done = cli(*args, "big_team.yaml", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"summit-sim: warning: {warning}" in done.stderr.splitlines()
