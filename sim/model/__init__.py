"""The summit model: SimPy processes for people, posts, delegations and incidents. No I/O here."""

from sim.model.record import Event, Gap, ReplicationRecord
from sim.model.streams import Streams
from sim.model.summit import run_replication
from sim.model.timeline import Clock

__all__ = ["Clock", "Event", "Gap", "ReplicationRecord", "Streams", "run_replication"]
