"""What the model needs from SimPy beyond its usual calls, in one place.

- `call_after_instant`: the one use of SimPy internals in the model, wrapped and explained below.
- `CountingEnvironment`: an `Environment` that counts the events it schedules (public API only).
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL, EventPriority

__all__ = ["AFTER_NORMAL", "CountingEnvironment", "call_after_instant"]

# SimPy orders same-time events by (time, priority, id): URGENT is 0, NORMAL 1. An event of priority 2
# runs after every ordinary event of its instant, including those scheduled after it.
AFTER_NORMAL = EventPriority(NORMAL + 1)


def call_after_instant(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """Call `callback` once, at the current time but after every ordinary event of this instant.

    SimPy's public API triggers an event only at NORMAL priority (`Event.succeed`, `Timeout`) or, for a
    process start, URGENT; neither runs after the events that other processes schedule later in the
    same instant. So this builds an already-succeeded event by hand, setting the two private fields
    that `Event.succeed` sets (`_ok`, `_value`), and schedules it with the public `schedule` at
    `AFTER_NORMAL`. Written against SimPy 4.1; if SimPy renames those fields, this is the one place to
    change.
    """
    event = simpy.Event(env)
    event.callbacks.append(callback)
    event._ok = True
    event._value = None
    env.schedule(event, AFTER_NORMAL)


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts every event it schedules (timeouts, triggered events, process
    starts and resumptions, the `until` of `run`): `scheduled` is that count, the run's event count."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.scheduled = 0

    def schedule(self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """Schedule `event` as `simpy.Environment.schedule` does, and count it."""
        self.scheduled += 1
        super().schedule(event, priority, delay)
