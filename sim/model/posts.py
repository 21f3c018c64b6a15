"""Post windows opening, changing and closing on the duty board."""

from __future__ import annotations

import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard, PostSlot

__all__ = ["post_schedule"]


def post_schedule(
    env: simpy.Environment, board: CityBoard, slot: PostSlot, steps: list[tuple[float, int]]
) -> ProcessGenerator:
    """Set the post's requirement at each step of its schedule."""
    for t, required in steps:
        if t > env.now:
            yield env.timeout(t - env.now)
        board.set_required(slot, required)
