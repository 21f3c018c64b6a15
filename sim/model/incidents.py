"""Incidents: Poisson arrivals shaped by hour of day, each answered by a quick-reaction team."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import Recorder, ResponseRecord
from sim.model.simpy_compat import call_soon
from sim.model.timeline import Clock
from sim.scenario.schema import IncidentStream

__all__ = ["hour_weights", "incident_stream", "incident_times"]


def hour_weights(profile: Sequence[float]) -> np.ndarray:
    """Each hour's weight relative to the mean hour: profile[h] / mean(profile), finite for any finite,
    non-negative profile with some weight (as the scenario check ensures).

    The profile is first scaled by a power of two that brings its largest weight into [0.5, 1): the sum
    of 24 weights of 1e308 cannot overflow (nor a profile of subnormal weights give a mean of 0 and NaN
    weights), and as the scaling is exact the weights of an ordinary profile are unchanged to the bit.
    """
    p = np.asarray(profile, dtype=float)
    top = float(p.max()) if p.size else 0.0
    if not (math.isfinite(top) and top > 0) or not np.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"an hourly profile needs finite, non-negative weights, some positive: {list(p)}")
    _, exponent = math.frexp(top)
    scaled = np.ldexp(p, -exponent)  # the largest in [0.5, 1), exactly
    return scaled / scaled.mean()


def incident_times(inc: IncidentStream, clock: Clock, rng: np.random.Generator) -> np.ndarray:
    """Incident times (model hours): a non-homogeneous Poisson process drawn by thinning.

    The rate at local hour h is rate_per_day / 24 x profile[h] / mean(profile).
    """
    lo = clock.hours(inc.first) if inc.first else 0.0
    hi = clock.hours(inc.last) if inc.last else clock.horizon_h
    if inc.rate_per_day <= 0 or hi <= lo:
        return np.empty(0)
    base = inc.rate_per_day / 24
    if inc.hourly_profile is None:
        n = rng.poisson(base * (hi - lo))
        return np.sort(rng.uniform(lo, hi, n))
    weight = hour_weights(inc.hourly_profile)
    peak = base * weight.max()
    n = rng.poisson(peak * (hi - lo))
    t = np.sort(rng.uniform(lo, hi, n))
    keep = rng.random(n)
    start_hour = clock.hour_of_day(0.0)
    hour = np.floor((t + start_hour) % 24).astype(int)
    return t[keep * peak < base * weight[hour]]


def incident_stream(
    env: simpy.Environment,
    board: CityBoard,
    rec: Recorder,
    name: str,
    inc: IncidentStream,
    times: np.ndarray,
    travel_h: np.ndarray,
    on_scene_h: np.ndarray,
) -> ProcessGenerator:
    """Raise each incident at its time and start its response."""
    drawn = zip(times.tolist(), travel_h.tolist(), on_scene_h.tolist(), strict=True)
    for i, (t, travel, on_scene) in enumerate(drawn):
        if t > env.now:
            yield env.timeout(t - env.now)
        response = _Response(env, board, rec, f"{name}#{i + 1}", name, inc, travel, on_scene)
        call_soon(env, response.raised)


class _Response:
    """One incident's response: ask the board for a team, record its dispatch, hold it on scene, free it.

    Three callbacks where a process would take a generator and one more event: `raised` runs where the
    process's first step would (`call_soon`), `dispatched` when the board's task event fires, `cleared`
    when the time on scene is up, so that every event keeps its place among same-time events.
    """

    def __init__(
        self, env: simpy.Environment, board: CityBoard, rec: Recorder, label: str, stream: str,
        inc: IncidentStream, travel: float, on_scene: float,
    ) -> None:  # fmt: skip
        assert inc.team is not None  # only streams with a ground team start here (`IncidentStream.ground`)
        self.team: int = inc.team
        self.env, self.board, self.rec, self.label, self.stream = env, board, rec, label, stream
        self.inc, self.travel, self.on_scene = inc, travel, on_scene

    def raised(self, _: simpy.Event) -> None:
        env, board, rec, inc = self.env, self.board, self.rec, self.inc
        self.raised_h = raised = env.now
        if rec.trace:
            rec.log(raised, "incident", board.city, "", self.label, f"raised; team of {inc.team} needed")
        self.task = board.request("response", self.label, "", inc.forces, self.team, inc.priority)
        rec.responses.append(
            ResponseRecord(self.stream, board.city, raised, math.nan, self.travel, inc.target_min)
        )
        self.index = len(rec.responses) - 1
        self.task.event.callbacks.append(self.dispatched)

    def dispatched(self, _: simpy.Event) -> None:
        env, board, rec, inc = self.env, self.board, self.rec, self.inc
        dispatched = ResponseRecord(
            self.stream, board.city, self.raised_h, env.now, self.travel, inc.target_min
        )
        rec.responses[self.index] = dispatched
        if rec.trace:
            wait = (env.now - self.raised_h) * 60
            rec.log(env.now, "response", board.city, "", self.label,
                    f"dispatched after {wait:.1f} min; on scene in {self.travel * 60:.1f} min")  # fmt: skip
        busy = self.travel + self.on_scene if inc.busy_includes_travel else self.on_scene
        env.timeout(busy).callbacks.append(self.cleared)

    def cleared(self, _: simpy.Event) -> None:
        self.board.release(self.task)
        if self.rec.trace:
            self.rec.log(self.env.now, "response", self.board.city, "", self.label, "cleared; team free")
