"""Fuel points (SimPy Containers in whole gallons) and the fuel trucks that resupply them.

Every draw and delivery is an integer number of gallons, so the books balance exactly:
stock at the end = stock at the start + delivered - dispensed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy
from simpy.events import ProcessGenerator

from sim.model.board import CityBoard
from sim.model.record import FuelLedger, Recorder
from sim.scenario.air import FuelTrucks

__all__ = ["FuelStation", "truck_fleet"]


class FuelStation:
    """A fuel point: aircraft draw from it, trucks fill it; an aircraft waiting for fuel is recorded."""

    def __init__(
        self, env: simpy.Environment, name: str, city: str, site: str, capacity: int, initial: int,
        rec: Recorder,
    ) -> None:  # fmt: skip
        self.env, self.name, self.city, self.site, self.rec = env, name, city, site, rec
        self.tank = simpy.Container(env, capacity=capacity, init=initial)
        self.ledger = FuelLedger(city, site, capacity, initial)
        self.in_transit = 0
        self._delivered = env.event()  # fires at each delivery, for draws waiting on a short tank
        self._waiting = 0
        self._outage_start = 0.0
        self.on_draw: list[Callable[[], None]] = []
        self._note_level()

    @property
    def level(self) -> int:
        return int(self.tank.level)

    def _note_level(self) -> None:
        """When tracing, add the stock now to `ledger.levels` (one entry per instant: the last wins)."""
        if self.rec.trace:
            levels, now = self.ledger.levels, self.env.now
            if levels and levels[-1][0] == now:
                levels[-1] = (now, self.level)
            else:
                levels.append((now, self.level))

    def draw(self, gallons: int, who: str, into: Callable[[int], None] | None = None) -> ProcessGenerator:
        """Take `gallons`: what is in stock at once, the rest as deliveries arrive (an outage); `into` is
        handed each part as it is taken (the tanks it goes into).

        Taking what is there (rather than waiting for the whole amount) means an aircraft that needs
        more than the point can hold is still served, and never blocks the aircraft behind it.
        """
        env, rec = self.env, self.rec
        short = self.tank.level < gallons
        if short:
            if self._waiting == 0:
                self._outage_start = env.now
                if rec.trace:
                    rec.log(env.now, "fuel_outage", self.city, self.site, self.name,
                            f"{who} needs {gallons} gal, {self.level} in stock")  # fmt: skip
            self._waiting += 1
        remaining = gallons
        while remaining:
            take = min(remaining, self.level)
            if take:
                got = self.tank.get(take)  # in stock: the level falls at once
                self._note_level()
                yield got
                remaining -= take
                self.ledger.dispensed_gal += take
                if into is not None:
                    into(take)
                for hook in self.on_draw:  # reorder as stock falls, not only once this draw is whole
                    hook()
            if remaining:
                yield self._delivered
        if short:
            self._waiting -= 1
            if self._waiting == 0:
                self.ledger.outage_h += env.now - self._outage_start
                if rec.trace:
                    rec.log(env.now, "fuel_outage", self.city, self.site, self.name,
                            f"ended after {env.now - self._outage_start:.2f} h")  # fmt: skip

    def deliver(self, gallons: int) -> simpy.Event:
        """Put `gallons` in (callers never exceed the free space)."""
        self.ledger.delivered_gal += gallons
        self.ledger.deliveries += 1
        put = self.tank.put(gallons)  # never more than the free space: the level rises at once
        self._note_level()
        put.callbacks.append(self._wake_waiting)
        return put

    def _wake_waiting(self, _event: simpy.Event) -> None:
        delivered, self._delivered = self._delivered, self.env.event()
        delivered.succeed()

    def finish(self, horizon_h: float) -> None:
        """Close the books: final stock, and an outage still open at the end."""
        if self._waiting:
            self.ledger.outage_h += horizon_h - self._outage_start
        self.ledger.final_gal = self.level


def truck_fleet(
    env: simpy.Environment,
    name: str,
    cfg: FuelTrucks,
    board: CityBoard,
    points: dict[str, FuelStation],
    road_km: Callable[[str, str], float],
    rng: np.random.Generator,
    rec: Recorder,
    horizon_h: float,
) -> None:
    """Start a group of fuel trucks under its resupply policy."""
    trucks = simpy.Store(env, capacity=cfg.count)
    trucks.items.extend(f"{name}#{i + 1}" for i in range(cfg.count))

    def order(point: FuelStation) -> None:
        """Order one truckload for `point`: counted as on its way from now."""
        point.in_transit += cfg.capacity_gal
        env.process(trip(point))

    def trip(point: FuelStation) -> ProcessGenerator:
        truck = yield trucks.get()
        crew = board.request("fuel_truck", truck, cfg.depot, [cfg.operator], cfg.drivers, 3, "logistics")
        yield crew.event
        yield env.timeout(cfg.load_min.sample(rng) / 60)
        drive = road_km(cfg.depot, point.site) / cfg.road_speed_kmh
        yield env.timeout(drive)
        space = point.tank.capacity - point.level
        gallons = int(min(cfg.capacity_gal, space))
        yield env.timeout(gallons / cfg.unload_gal_per_min / 60)
        gallons = int(min(gallons, point.tank.capacity - point.level))
        point.in_transit -= cfg.capacity_gal
        put = point.deliver(gallons) if gallons > 0 else None
        if rec.trace:  # the stock as delivered, before anyone waiting draws from it
            rec.log(env.now, "fuel_delivery", point.city, point.site, truck,
                    f"{gallons} gal delivered to {point.name}; stock {point.level} gal")  # fmt: skip
        if put is not None:
            yield put
        for hook in point.on_draw:  # still low (a queue of aircraft, or a small truck): order again
            hook()
        yield env.timeout(drive)
        board.release(crew)
        yield trucks.put(truck)

    for pname in cfg.serves:
        point = points[pname]
        if cfg.reorder_point_gal is not None:

            def check(point: FuelStation = point, reorder: int = cfg.reorder_point_gal) -> None:
                while point.level + point.in_transit <= reorder:
                    order(point)

            point.on_draw.append(check)
            check()
        else:
            env.process(_scheduled(env, order, point, cfg.first_h, cfg.every_h or 0.0, horizon_h))


def _scheduled(
    env: simpy.Environment, order: Callable[[FuelStation], None], point: FuelStation, first: float,
    every: float, horizon: float,
) -> ProcessGenerator:  # fmt: skip
    t = first
    while t < horizon:
        if t > env.now:
            yield env.timeout(t - env.now)
        order(point)
        t += every
