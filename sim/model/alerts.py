"""Incidents answered from the air: an aircraft on ground alert scrambles to the incident's site.

Each incident of a stream with `air_alert` calls the nearest ready aircraft of the alert's type that can
reach the site, and a crew: from the duty board, or, for a type with dedicated aircrews, a rested crew
first and then the aircraft, as a sortie does (a crew whose duty would run out before it could fly there
and back stands down to rest and another is taken). It takes off `scramble_min` after both are on hand
(with aircrews no sooner than a preflight after the report), flies to the site, stays the incident's time
on scene, less if bingo or its crew's duty comes first, flies home and turns around (`AirContext.land`;
a failure in flight is found on landing, as on a tanker sortie).

The response is recorded when the aircraft and crew are called: `dispatched_h` then, `travel_h` the
scramble plus the transit, so `response_min` is the time to overhead; an incident no aircraft was called
for by the end of the run is unanswered.
"""

from __future__ import annotations

import math

import numpy as np
from simpy.events import ProcessGenerator

from sim.model.aircraft import AirContext, Aircraft
from sim.model.aircrews import Crew, CrewRoster
from sim.model.board import CityBoard
from sim.model.record import ResponseRecord
from sim.scenario.incidents import AirAlert

__all__ = ["air_alert_stream"]


def air_alert_stream(
    ctx: AirContext, name: str, city: str, alert: AirAlert, times: np.ndarray, scramble_h: np.ndarray,
    on_scene_h: np.ndarray,
) -> ProcessGenerator:  # fmt: skip
    """Raise each incident of stream `name` at its time and scramble an aircraft to it."""
    env = ctx.env
    for i, t in enumerate(times.tolist()):
        if t > env.now:
            yield env.timeout(t - env.now)
        scramble = AlertScramble(ctx, f"{name}#{i + 1}", name, city, alert)
        env.process(scramble.run(float(scramble_h[i]), float(on_scene_h[i])))


class AlertScramble:
    """One incident's air response: call an aircraft and crew, scramble, fly there, stay, come home."""

    def __init__(self, ctx: AirContext, label: str, stream: str, city: str, alert: AirAlert) -> None:
        self.ctx, self.label, self.stream, self.city, self.alert = ctx, label, stream, city, alert

    def run(self, scramble: float, on_scene: float) -> ProcessGenerator:
        """The whole response; `scramble` and `on_scene` in hours."""
        ctx, env, rec, alert = self.ctx, self.ctx.env, self.ctx.rec, self.alert
        raised = env.now
        rec.air_responses.append(ResponseRecord(self.stream, self.city, raised, math.nan, math.nan,
                                                alert.target_min))  # fmt: skip
        index = len(rec.air_responses) - 1
        self._log("air_alert", f"raised; a {alert.type} on alert called")
        roster = ctx.rosters.get(alert.type)
        if roster is None:
            ac, board, crew, launch_at = yield from self._board_crew(scramble)
        else:
            ac, crew, launch_at = yield from self._aircrew(roster, scramble)
            board = None
        transit = ctx.transit_h(ac, alert.site)
        rec.air_responses[index] = rec.air_responses[index]._replace(
            dispatched_h=env.now, travel_h=launch_at - env.now + transit
        )
        self._log("air_alert", f"{ac.name} called after {(env.now - raised) * 60:.1f} min; overhead in "
                               f"{(launch_at - env.now + transit) * 60:.1f} min")  # fmt: skip
        yield env.timeout(launch_at - env.now)
        launch = env.now
        ac.take_off(launch)
        self._log("sortie", f"{ac.name} launched for {self.label}")
        yield env.timeout(transit)
        self._log("air_alert", f"{ac.name} overhead after {(env.now - raised) * 60:.1f} min")
        if isinstance(crew, Crew):
            rules = ac.t.aircrew
            assert rules is not None
            assert crew.duty_from is not None
            duty_end = crew.duty_from + rules.max_duty_h - rules.postflight_h - transit
        else:
            duty_end = launch + ac.t.crew_duty_h - transit
        stay = max(0.0, min(on_scene, ac.hours_left(env.now, transit), duty_end - env.now))
        yield env.timeout(stay)
        why = "on-scene time done" if stay >= on_scene else "bingo or crew duty"
        self._log("air_alert", f"{ac.name} leaves the scene: {why}")
        yield env.timeout(transit)
        yield from ctx.land(ac, crew, board, launch)

    def _board_crew(self, scramble: float) -> ProcessGenerator:
        """The nearest ready aircraft that can reach the site, then a crew from its city's duty board:
        (aircraft, board, crew, take-off time)."""
        ctx, alert = self.ctx, self.alert
        ac: Aircraft = yield ctx.fleet.acquire((alert.type,), alert.site, alert.priority)
        board: CityBoard = ctx.boards[ac.city]
        crew = board.request(
            "aircrew", ac.name, ac.base, [ac.t.operator], ac.t.crew, alert.priority, "aviation"
        )
        yield crew.event
        return ac, board, crew, ctx.env.now + scramble

    def _aircrew(self, roster: CrewRoster, scramble: float) -> ProcessGenerator:
        """A rested dedicated crew, then the nearest ready aircraft; taking off `scramble` after both are
        on hand and a preflight after the report: (aircraft, crew, take-off time)."""
        ctx, env, alert, rules = self.ctx, self.ctx.env, self.alert, roster.rules
        while True:
            crew: Crew = yield roster.acquire(alert.priority)
            roster.report(crew, self.city, alert.site, self.label)
            ac: Aircraft = yield ctx.fleet.acquire((alert.type,), alert.site, alert.priority)
            assert crew.duty_from is not None
            launch_at = max(env.now + scramble, crew.duty_from + rules.preflight_h)
            back = launch_at + 2 * ctx.transit_h(ac, alert.site) + rules.postflight_h
            if back < crew.duty_from + rules.max_duty_h:
                return ac, crew, launch_at
            # its duty ran out waiting for an aircraft: it rests, the aircraft waits for another crew
            roster.release(crew, ac.city, ac.base, flew=False, rest=True)
            ctx.fleet.put_back(ac)

    def _log(self, kind: str, detail: str) -> None:
        if self.ctx.rec.trace:
            self.ctx.rec.log(self.ctx.env.now, kind, self.city, self.alert.site, self.label, detail)
