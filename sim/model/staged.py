"""Staged reaction teams: dedicated teams standing by at sites, the nearest free one sent to each incident.

Each staged site is a standing post of `teams` x `team` people on the duty board; a team there is ready
when the post has its people (`staffed // team` teams, at most `teams`) and it is not out on a call.
Incidents wait, first come first served, for a ready team; the ready team with the shortest road time
to the incident's site goes (ties: the site listed first).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard, PostSlot
from sim.model.posts import post_schedule
from sim.model.record import PostTotals, Recorder, ResponseRecord
from sim.scenario.schema import IncidentStream

__all__ = ["StagedSite", "StagedTeams", "add_staged", "incident_sites", "staged_stream"]


class StagedSite:
    """The teams staged at one site: how many the scenario gives, and how many are out on calls."""

    def __init__(self, site: str, teams: int, team: int, slot: PostSlot) -> None:
        self.site, self.teams, self.team, self.slot = site, teams, team, slot
        self.out = 0

    @property
    def ready(self) -> int:
        """Teams at the site with their people on duty and not out on a call."""
        return max(0, min(self.teams, self.slot.staffed // self.team) - self.out)


class StagedTeams:
    """A stream's staged teams and the incidents waiting for one."""

    def __init__(
        self,
        env: simpy.Environment,
        rec: Recorder,
        sites: list[StagedSite],
        minutes: Callable[[str, str], float],
    ) -> None:
        self.env, self.rec, self.sites, self.minutes = env, rec, sites, minutes
        self.waiting: deque[tuple[str, simpy.Event]] = deque()
        for s in sites:
            s.slot.watch = self.wake

    def nearest(self, site: str) -> StagedSite | None:
        """The ready team with the shortest road time to `site` (the first listed on a tie)."""
        ready = [s for s in self.sites if s.ready > 0]
        return min(ready, key=lambda s: self.minutes(s.site, site)) if ready else None

    def call(self, site: str) -> simpy.Event:
        """An event that fires with the team sent to an incident at `site`, once one is ready and every
        incident raised before it has a team (the waiting incidents are counted as "response" tasks
        waiting, as the duty board counts those of the "whoever is idle" rule)."""
        event = self.env.event()
        self.waiting.append((site, event))
        self.rec.queue_change(self.env.now, "response", +1)
        self.wake()
        return event

    def wake(self) -> None:
        """Send ready teams to the waiting incidents, in the order they were raised."""
        while self.waiting:
            team = self.nearest(self.waiting[0][0])
            if team is None:
                return
            _, event = self.waiting.popleft()
            team.out += 1
            self.rec.queue_change(self.env.now, "response", -1)
            event.succeed(team)

    def back(self, team: StagedSite) -> None:
        """A team is back at its site, ready again."""
        team.out -= 1
        self.wake()


def add_staged(
    env: simpy.Environment, board: CityBoard, rec: Recorder, name: str, inc: IncidentStream,
    minutes: Callable[[str, str], float], open_h: float,
) -> StagedTeams:  # fmt: skip
    """Register a stream's staging posts on the city's board, required from `open_h` to the end of the
    run (so incidents still waiting after the stream's last are answered), and return its teams."""
    assert inc.team is not None  # checked by the schema for staged streams
    sites = []
    for st in inc.staged:
        slot = board.add_post(
            f"{name}@{st.site}", st.site, inc.forces, "security", inc.priority,
            PostTotals(board.city, st.site, False),
        )  # fmt: skip
        env.process(post_schedule(env, board, slot, [(open_h, st.teams * inc.team)]))
        sites.append(StagedSite(st.site, st.teams, inc.team, slot))
    return StagedTeams(env, rec, sites, minutes)


def incident_sites(inc: IncidentStream, n: int, rng: np.random.Generator) -> list[str]:
    """Where each of `n` incidents arises: the stream's `site`, or `sites` drawn by weight."""
    where = inc.incident_sites
    names = list(where)
    if len(names) == 1:
        return names * n
    w = np.asarray(list(where.values()), dtype=float)
    w = w / w.max()  # no overflow in the sum for huge weights
    return [names[i] for i in rng.choice(len(names), size=n, p=w / w.sum())]


def staged_stream(
    env: simpy.Environment, teams: StagedTeams, rec: Recorder, city: str, name: str, inc: IncidentStream,
    times: np.ndarray, sites: list[str], dispatch_h: np.ndarray, on_scene_h: np.ndarray,
) -> ProcessGenerator:  # fmt: skip
    """Raise each incident at its time and site, and send it a staged team."""
    for i, t in enumerate(times.tolist()):
        if t > env.now:
            yield env.timeout(t - env.now)
        env.process(_respond(env, teams, rec, city, f"{name}#{i + 1}", name, inc, sites[i],
                             float(dispatch_h[i]), float(on_scene_h[i])))  # fmt: skip


def _respond(
    env: simpy.Environment, teams: StagedTeams, rec: Recorder, city: str, label: str, stream: str,
    inc: IncidentStream, site: str, dispatch: float, on_scene: float,
) -> ProcessGenerator:  # fmt: skip
    raised = env.now
    if rec.trace:
        rec.log(raised, "incident", city, site, label, "raised; nearest staged team called")
    record = ResponseRecord(stream, city, raised, float("nan"), dispatch, inc.target_min)
    rec.responses.append(record)
    index = len(rec.responses) - 1
    team = yield teams.call(site)
    road = teams.minutes(team.site, site) / 60
    rec.responses[index] = record._replace(dispatched_h=env.now, travel_h=dispatch + road)
    if rec.trace:
        wait, reach = (env.now - raised) * 60, (dispatch + road) * 60
        rec.log(env.now, "response", city, site, label,
                f"team from {team.site} sent after {wait:.1f} min; on scene in {reach:.1f} min")  # fmt: skip
    yield env.timeout(dispatch + road + on_scene + road)
    teams.back(team)
    if rec.trace:
        rec.log(env.now, "response", city, team.site, label, "cleared; team back at its site")
