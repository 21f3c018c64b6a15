"""The summit model: SimPy processes for people, posts, delegations and incidents. No I/O here.

Its names are imported on first use (sim.lazy): `sim.model.record` and `sim.model.travel` are read by
`validate` and the metrics without SimPy and the model's processes.
"""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.model.record import Event, Gap, ReplicationRecord
    from sim.model.streams import Streams
    from sim.model.summit import run_replication
    from sim.model.timeline import Clock

__all__ = ["Clock", "Event", "Gap", "ReplicationRecord", "Streams", "run_replication"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.model.record": ["Event", "Gap", "ReplicationRecord"],
        "sim.model.streams": ["Streams"],
        "sim.model.summit": ["run_replication"],
        "sim.model.timeline": ["Clock"],
    },
)
