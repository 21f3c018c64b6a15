"""One replication of a whole scenario: build the SimPy processes, run them, return the record."""

from __future__ import annotations

import simpy

from sim.model.board import CityBoard
from sim.model.delegations import delegation_plan, delegation_process
from sim.model.incidents import incident_stream, incident_times
from sim.model.posts import post_schedule
from sim.model.record import DutyTotals, PostTotals, Recorder, ReplicationRecord
from sim.model.streams import Streams
from sim.model.timeline import Clock, requirement_steps
from sim.model.travel import TravelTimes
from sim.model.workforce import pools_of, shift_rotation
from sim.scenario.schema import Scenario

__all__ = ["run_replication"]


def run_replication(
    scenario: Scenario,
    replication: int = 0,
    *,
    seed: int | None = None,
    troops: int | None = None,
    trace: bool = False,
) -> ReplicationRecord:
    """Run replication `replication` of `scenario` and return what it recorded.

    `seed` defaults to the scenario's; `troops` sets the swept force's headcount. Random numbers come
    from streams keyed by (seed, replication, stream name), so the same replication at another troop
    level sees the same flights, trips and incidents. With `trace`, every event is kept for the log.
    """
    s = scenario if troops is None else scenario.with_troops(troops)
    seed = s.seed if seed is None else seed
    streams = Streams(seed, replication)
    env = simpy.Environment()
    clock = Clock.of(s)
    rec = Recorder(trace=trace)
    travel = TravelTimes(s)
    boards = {city: CityBoard(env, city, rec) for city in s.cities}

    for fname, force in s.forces.items():
        for (city, role), people in pools_of(force).items():
            board = boards[city]
            board.add_pool(fname, role, DutyTotals())
            if people:
                rng = streams[f"absence.{fname}.{city}.{role}"]
                env.process(shift_rotation(env, board, fname, force, role, people, clock, rng, rec))

    for pname, post in s.posts.items():
        site = s.sites[post.site]
        board = boards[site.city]
        totals = PostTotals(site.city, post.site, post.critical)
        slot = board.add_post(pname, post.site, post.forces, post.role, post.priority, totals)
        env.process(post_schedule(env, board, slot, requirement_steps(post, s, clock)))

    for dname, d in s.delegations.items():
        tier = s.tiers[d.tier]
        team = d.escort_team or tier.escort_team
        board = boards[s.sites[d.hotel].city]
        for k in range(d.count):
            name = dname if d.count == 1 else f"{dname}.{k + 1}"
            plan = delegation_plan(name, d, clock, streams[f"delegation.{name}"])
            env.process(
                delegation_process(env, board, rec, plan, d, team, tier.priority, travel, clock.horizon_h)
            )

    for iname, inc in s.incidents.items():
        times = incident_times(inc, clock, streams[f"incidents.{iname}.times"])
        travel_h = inc.travel_min.sample_many(streams[f"incidents.{iname}.travel"], len(times))
        scene_h = inc.on_scene_min.sample_many(streams[f"incidents.{iname}.on_scene"], len(times))
        board = boards[inc.city]
        env.process(incident_stream(env, board, rec, iname, inc, times, travel_h / 60, scene_h / 60))

    env.run(until=clock.horizon_h)
    for board in boards.values():
        board.finish(clock.horizon_h)
    rec.events.sort(key=lambda e: e.time_h)
    open_incidents = sum(1 for r in rec.responses if r.dispatched_h != r.dispatched_h)
    return ReplicationRecord(
        scenario=s.name,
        replication=replication,
        seed=seed,
        troops=None if s.swept_force is None else s.forces[s.swept_force].headcount,
        horizon_h=clock.horizon_h,
        posts=rec.posts,
        duty=rec.duty,
        gaps=rec.gaps,
        movements=rec.movements,
        responses=rec.responses,
        incidents_open=open_incidents,
        events=rec.events,
        n_events=next(env._eid),  # SimPy's event counter: every event scheduled in the run
        critical_tolerance_h=s.targets.critical_gap_tolerance_min / 60,
    )
