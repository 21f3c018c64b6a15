"""Air operations of one replication: the object `summit` builds, runs and closes.

The parts live in their own modules: aircraft, the ready line, failures and turnarounds in
`aircraft`; station keeping as a chain of sorties in `sorties`; aerial refuelling in `tankers`.
Coverage is lost whenever no aircraft, crew or fuel is ready in time; it is recorded per slot as
on-station intervals, and turned into gaps by `AirOps.finish`. For types with dedicated aircrews
(`aircrews`) each gap is split by what the late sortie waited for: a crew, or an aircraft.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.aircraft import AirContext, Aircraft
from sim.model.aircrews import CrewRoster
from sim.model.board import CityBoard
from sim.model.fuel import FuelStation
from sim.model.record import Gap, Recorder, StationTotals
from sim.model.sorties import Slot, keep_slot

__all__ = ["AirOps", "Aircraft"]


class AirOps:
    """All aircraft, stations and tankers of one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        rec: Recorder,
        boards: dict[str, CityBoard],
        fuel_at: dict[str, FuelStation],
        site_km: Callable[[str, str], float],
        site_city: Callable[[str], str],
        rng_for: Callable[[str], np.random.Generator],
        tanker_types: dict[str, tuple[str, ...]],
    ) -> None:
        self.ctx = AirContext(env, rec, boards, fuel_at, site_km, site_city, rng_for, tanker_types)
        self.stations: dict[str, StationTotals] = {}

    @property
    def aircraft(self) -> list[Aircraft]:
        """Every aircraft in the run."""
        return self.ctx.aircraft

    @property
    def rosters(self) -> dict[str, CrewRoster]:
        """The dedicated aircrews of each aircraft type that has them."""
        return self.ctx.rosters

    def add_aircraft(self, ac: Aircraft) -> None:
        """Put an aircraft in the run, ready at its base."""
        self.ctx.add_aircraft(ac)

    def add_station(
        self, name: str, type_name: str, over: str, priority: int, slots: list[list[tuple[float, float]]]
    ) -> None:
        """A coverage requirement: one list of (start_h, end_h) windows per slot."""
        totals = StationTotals(type_name, self.ctx.site_city(over), over)
        totals.windows = slots
        totals.on_station = [[] for _ in slots]
        totals.required_ah = sum(b - a for windows in slots for a, b in windows)
        self.stations[name] = totals
        for k, windows in enumerate(slots):
            slot = Slot(name, k, type_name, over, priority, windows, totals)
            self.ctx.env.process(keep_slot(self.ctx, slot))

    def finish(self, horizon_h: float) -> None:
        """Close the books at the end of the run: count on-station time within the windows (an aircraft
        still on station counts up to the end), record each slot's coverage gaps, and add the flight
        and down time of sorties, repairs and maintenance still under way, and the duty of aircrews."""
        for station, k, since in self.ctx.on_station.values():
            self.stations[station].on_station[k].append((since, horizon_h))
        self.ctx.on_station.clear()
        for ac in self.ctx.aircraft:
            if ac.launched_h is not None:
                ac.ledger.flight_h += horizon_h - ac.launched_h
            if ac.down_from is not None:
                ac.ledger.down_h += horizon_h - ac.down_from
        for roster in self.ctx.rosters.values():
            roster.finish(horizon_h)
        for name, st in self.stations.items():
            on_total = 0.0
            for k, (windows, spans) in enumerate(zip(st.windows, st.on_station, strict=True)):
                covered = _clip(spans, windows)
                on_total += sum(b - a for a, b in covered)
                late = sorted((a, b, cause) for slot, a, b, cause in st.late if slot == k)
                for a, b in _subtract(windows, covered):
                    for lo, hi, cause in _split(a, b, late):
                        self.ctx.rec.gap(Gap("air", name, st.city, st.site, lo, hi, 1, False, (), cause))
                        if cause:
                            st.missed.append((k, lo, hi, cause))
            st.on_station_ah = on_total


def _clip(spans: list[tuple[float, float]], windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for a, b in spans:
        for wa, wb in windows:
            lo, hi = max(a, wa), min(b, wb)
            if hi > lo:
                out.append((lo, hi))
    return sorted(out)


def _split(a: float, b: float, late: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """[a, b) in pieces: those within a late sortie's (start, end, cause) take its cause, the rest none."""
    out, t = [], a
    for lo, hi, cause in late:
        lo, hi = max(lo, t), min(hi, b)
        if hi <= lo:
            continue
        if lo > t:
            out.append((t, lo, ""))
        out.append((lo, hi, cause))
        t = hi
    if t < b or not out:
        out.append((t, b, ""))
    return out


def _subtract(
    windows: list[tuple[float, float]], covered: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    out = []
    for wa, wb in windows:
        t = wa
        for a, b in covered:
            if b <= t or a >= wb:
                continue
            if a > t:
                out.append((t, a))
            t = max(t, b)
        if t < wb:
            out.append((t, wb))
    return out
