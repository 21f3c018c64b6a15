"""Post windows opening, changing and closing on the duty board."""

from __future__ import annotations

import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard, PostSlot

__all__ = ["post_schedule"]


def post_schedule(
    env: simpy.Environment, board: CityBoard, slot: PostSlot, steps: list[tuple[float, int]]
) -> ProcessGenerator:
    """Set the post's requirement at each step of its schedule; where people need time to get there
    (`board.lead_h`), announce each rise that long ahead, so that people can be sent in time."""
    lead = board.lead_h(slot)
    if lead > 0:
        env.process(_announce(env, board, slot, steps, lead))
    for t, required in steps:
        if t > env.now:
            yield env.timeout(t - env.now)
        board.set_required(slot, required)


def _announce(
    env: simpy.Environment, board: CityBoard, slot: PostSlot, steps: list[tuple[float, int]], lead: float
) -> ProcessGenerator:
    level = 0
    for t, required in steps:
        if required > level and t > env.now:
            if t - lead > env.now:
                yield env.timeout(t - lead - env.now)
            board.announce(slot, t, required)
        level = required
