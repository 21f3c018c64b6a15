"""Named random streams: one numpy Generator per (root seed, replication, stream name).

Keying by name (not by the order streams are asked for) means adding a stream shifts no other, and the
same replication at another troop level draws the same arrivals, delays and incidents: common random
numbers. Nothing here touches global random state.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

__all__ = ["Streams", "stream_key"]


@functools.cache  # names repeat in every replication
def stream_key(name: str) -> tuple[int, int]:
    """A stable 64-bit key for a stream name, as two 32-bit words for `SeedSequence.spawn_key`."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little")


class Streams:
    """The random streams of one replication; `streams["arrivals"]` is that stream's Generator."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._cache.get(name)
        if rng is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, *stream_key(name)))
            rng = self._cache[name] = np.random.Generator(np.random.PCG64(seq))
        return rng
