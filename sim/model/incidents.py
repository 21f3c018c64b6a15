"""Incidents: Poisson arrivals shaped by hour of day, each answered by a quick-reaction team."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import Recorder, ResponseRecord
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
    for i, t in enumerate(times.tolist()):
        if t > env.now:
            yield env.timeout(t - env.now)
        env.process(_respond(env, board, rec, f"{name}#{i + 1}", name, inc,
                             float(travel_h[i]), float(on_scene_h[i])))  # fmt: skip


def _respond(
    env: simpy.Environment, board: CityBoard, rec: Recorder, label: str, stream: str,
    inc: IncidentStream, travel: float, on_scene: float,
) -> ProcessGenerator:  # fmt: skip
    raised = env.now
    assert inc.team is not None  # only streams with a ground team start here (`IncidentStream.ground`)
    if rec.trace:
        rec.log(raised, "incident", board.city, "", label, f"raised; team of {inc.team} needed")
    task = board.request("response", label, "", inc.forces, inc.team, inc.priority)
    rec.responses.append(ResponseRecord(stream, board.city, raised, float("nan"), travel, inc.target_min))
    index = len(rec.responses) - 1
    yield task.event
    rec.responses[index] = ResponseRecord(stream, board.city, raised, env.now, travel, inc.target_min)
    if rec.trace:
        wait = (env.now - raised) * 60
        rec.log(env.now, "response", board.city, "", label,
                f"dispatched after {wait:.1f} min; on scene in {travel * 60:.1f} min")  # fmt: skip
    yield env.timeout(travel + on_scene if inc.busy_includes_travel else on_scene)
    board.release(task)
    if rec.trace:
        rec.log(env.now, "response", board.city, "", label, "cleared; team free")
