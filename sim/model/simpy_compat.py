"""What the model needs from SimPy beyond its usual calls, in one place.

- `call_after_instant`, `call_soon`: the one use of SimPy internals in the model (an event succeeded by
  hand), wrapped and explained below.
- `events_scheduled`: how many events an environment has scheduled, read from SimPy's own event ids.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL, URGENT, EventPriority

__all__ = ["AFTER_NORMAL", "call_after_instant", "call_soon", "events_scheduled"]

# SimPy orders same-time events by (time, priority, id): URGENT is 0, NORMAL 1. An event of priority 2
# runs after every ordinary event of its instant, including those scheduled after it.
AFTER_NORMAL = EventPriority(NORMAL + 1)


def call_soon(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """Call `callback` once, at the current time, before the ordinary events of this instant, where
    `env.process` would run a new process's first step (an URGENT event scheduled now).

    For a helper process whose first step only schedules a timeout: the callback schedules it at the
    very point in the order of events where the process would have, without the process (its start,
    its generator and the event of its end). Built as `call_after_instant` builds its event.
    """
    _schedule_now(env, callback, URGENT)


def call_after_instant(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """Call `callback` once, at the current time but after every ordinary event of this instant.

    SimPy's public API triggers an event only at NORMAL priority (`Event.succeed`, `Timeout`) or, for a
    process start, URGENT; neither runs after the events that other processes schedule later in the
    same instant. So this builds an already-succeeded event by hand, setting the two private fields
    that `Event.succeed` sets (`_ok`, `_value`), and schedules it with the public `schedule` at
    `AFTER_NORMAL`. Written against SimPy 4.1; if SimPy renames those fields, this is the one place to
    change.
    """
    _schedule_now(env, callback, AFTER_NORMAL)


def _schedule_now(
    env: simpy.Environment, callback: Callable[[simpy.Event], None], priority: EventPriority
) -> None:
    """Schedule an already-succeeded event at the current time and `priority`, calling `callback`."""
    event = simpy.Event(env)
    event.callbacks.append(callback)
    event._ok = True
    event._value = None
    env.schedule(event, priority)


def events_scheduled(env: simpy.Environment) -> int:
    """How many events `env` has scheduled so far (timeouts, triggered events, process starts and
    resumptions, the `until` of `run`): the run's event count.

    `Environment.schedule` numbers every event it queues from 0 (`_eid`, an `itertools.count`, to order
    same-time events), so the next number is the count. Reading it costs nothing during the run, where
    an overridden `schedule` that counted would cost a Python call per event. Reading it takes that
    number; call it once, after the run. Written against SimPy 4.1, like `call_after_instant`.
    """
    return next(env._eid)
