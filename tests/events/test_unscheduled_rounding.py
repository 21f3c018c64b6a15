"""An unscheduled trip due at the very time the delegation lands starts then, even when the clock reached
the landing a rounding error past the trip's time (SimPy refused the negative delay: a crash on a valid
scenario, found by random scenarios)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.model.delegations import _unscheduled


class _Moves:
    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.started: list[tuple[str, float, float]] = []

    def move(self, kind: str, frm: str, to: str, due: float, hold_h: float) -> Generator[Any, Any, None]:
        self.started.append((kind, due, self.env.now))
        yield self.env.timeout(hold_h)


def test_a_trip_due_a_rounding_error_before_the_clock_starts_at_once() -> None:
    env = simpy.Environment()
    moves = _Moves(env)

    def land() -> Generator[Any, Any, None]:
        yield env.timeout(0.1)
        yield env.timeout(0.2)  # the clock is now 0.30000000000000004
        env.process(_unscheduled(env, moves, "hotel", 0.3, 1.0))  # type: ignore[arg-type]

    env.process(land())
    env.run()
    assert env.now > 0.3  # the rounding this test is about
    assert moves.started == [("unscheduled", 0.3, 0.1 + 0.2)]
