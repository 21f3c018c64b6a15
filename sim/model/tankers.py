"""Aerial refuelling: a receiver's call for fuel (`TankerRequest`) and the tanker run that answers it.

A tanker and its crew are secured in time for the receiver's relief decision (tanker types with
dedicated aircrews: a rested crew first, reporting a preflight earlier, then the tanker; a tanker
sortie is short, and is not cut to its crew's duty limit); the tanker launches to
meet the receiver over its station at `meet_at`, transfers fuel for its transfer time, offloads what the
receiver can take (up to `offload_gal`) and flies home to turn around. The receiver may withdraw the
call at any time (it left, failed or was relieved); the tanker then stands down, or, once in the air,
flies on and offloads nothing.
"""

from __future__ import annotations

from typing import cast

import simpy
from simpy.events import ProcessGenerator

from sim.model.aircraft import AirContext, Aircraft, CrewHold
from sim.model.aircrews import Crew
from sim.model.board import CityBoard

__all__ = ["TANKER_MARGIN_H", "TankerRequest", "TankerRun"]

TANKER_MARGIN_H = 0.25  # the tanker is asked to meet its receiver this long before the receiver's bingo


class TankerRequest:
    """A receiver's call for fuel: meet it over `over` at `meet_at`; decide by `decide_at`.

    `done` fires with the gallons given; `cancelled` fires when the receiver withdraws.
    """

    def __init__(
        self, env: simpy.Environment, receiver: Aircraft, over: str, meet_at: float, decide_at: float
    ) -> None:
        self.receiver, self.over, self.meet_at, self.decide_at = receiver, over, meet_at, decide_at
        self.assigned = False  # a tanker and its crew are committed
        self.in_contact = False  # the tanker is alongside, transferring fuel
        self.receiver_gone = False
        self.done = env.event()
        self.cancelled = env.event()

    @property
    def gallons(self) -> float:
        """The fuel given, once `done` has fired."""
        return cast(float, self.done.value)

    def withdraw(self) -> None:
        """The receiver no longer wants (or can no longer take) the fuel."""
        self.receiver_gone = True
        if not self.cancelled.triggered:
            self.cancelled.succeed()


class TankerRun:
    """One tanker sortie answering `req` with a tanker of one of `types`."""

    def __init__(self, ctx: AirContext, req: TankerRequest, types: tuple[str, ...], priority: int) -> None:
        self.ctx, self.req, self.types, self.priority = ctx, req, types, priority

    def run(self) -> ProcessGenerator:
        """Secure a tanker and crew, launch in time, refuel the receiver, fly home and turn around."""
        secured = yield from self.secure()
        if secured is None:
            return
        tk, board, crew = secured
        transit = self.ctx.transit_h(tk, self.req.over)
        on_time = yield from self.wait_to_launch(transit, tk, crew)
        if not on_time:  # the receiver withdrew: stand down
            self.ctx.free_crew(tk, crew, board, flew=False)
            self.ctx.fleet.put_back(tk)
            return
        launch = self.launch(tk)
        yield from self.refuel(tk, transit)
        yield from self.return_home(tk, crew, board, launch, transit)

    def secure(self) -> ProcessGenerator:
        """Wake in time for the receiver's relief decision and the flight out, then get the nearest
        ready tanker and a crew: (tanker, board, crew), or None (nothing held) if the receiver
        withdraws meanwhile."""
        if all(x in self.ctx.rosters for x in self.types):
            return (yield from self.secure_crew_first())
        ctx, req, env = self.ctx, self.req, self.ctx.env
        lead = ctx.lead_h(self.types, req.over)
        wake = min(req.meet_at - lead, req.decide_at) - TANKER_MARGIN_H
        if wake > env.now:
            yield env.timeout(wake - env.now) | req.cancelled
            if req.cancelled.triggered:
                return None
        got = ctx.fleet.acquire(self.types, req.over, self.priority)
        yield got | req.cancelled
        if not got.triggered or req.cancelled.triggered:
            ctx.fleet.cancel(got)
            return None
        tk = cast(Aircraft, got.value)
        board = ctx.boards[tk.city]
        crew = board.request(
            "aircrew", tk.name, tk.base, [tk.t.operator], tk.t.crew, self.priority, "aviation"
        )
        yield crew.event | req.cancelled
        if not crew.event.triggered or req.cancelled.triggered:
            board.cancel(crew)
            ctx.fleet.put_back(tk)
            return None
        req.assigned = True
        return tk, board, crew

    def secure_crew_first(self) -> ProcessGenerator:
        """`secure` for tanker types with dedicated aircrews: wake a preflight earlier, take the first
        rested crew of any of them, then the nearest ready tanker of that crew's type."""
        ctx, req, env = self.ctx, self.req, self.ctx.env
        rosters = [ctx.rosters[x] for x in self.types]
        lead = ctx.lead_h(self.types, req.over)
        preflight = max(r.rules.preflight_h for r in rosters)
        wake = min(req.meet_at - lead - preflight, req.decide_at) - TANKER_MARGIN_H
        if wake > env.now:
            yield env.timeout(wake - env.now) | req.cancelled
            if req.cancelled.triggered:
                return None
        asks = [r.acquire(self.priority) for r in rosters]
        yield env.any_of(asks) | req.cancelled
        got = next((i for i, a in enumerate(asks) if a.triggered), None)
        for i, a in enumerate(asks):
            if i != got or req.cancelled.triggered:
                rosters[i].cancel(a)
        if got is None or req.cancelled.triggered:
            return None
        roster, crew = rosters[got], cast(Crew, asks[got].value)
        roster.report(crew, ctx.site_city(req.over), req.over, f"a tanker for {req.receiver.name}")
        ask = ctx.fleet.acquire((roster.type_name,), req.over, self.priority)
        yield ask | req.cancelled
        if not ask.triggered or req.cancelled.triggered:
            ctx.fleet.cancel(ask)
            roster.release(crew, ctx.site_city(req.over), req.over, flew=False)
            return None
        req.assigned = True
        return cast(Aircraft, ask.value), None, crew

    def wait_to_launch(self, transit: float, tk: Aircraft, crew: CrewHold) -> ProcessGenerator:
        """Wait on the ground until one transit before `meet_at` (and a preflight after a dedicated crew
        reported); False if the receiver withdraws."""
        req, env = self.req, self.ctx.env
        launch_at = req.meet_at - transit
        if isinstance(crew, Crew):
            assert crew.duty_from is not None
            launch_at = max(launch_at, crew.duty_from + self.ctx.rosters[tk.type_name].rules.preflight_h)
        if launch_at > env.now:
            yield env.timeout(launch_at - env.now) | req.cancelled
            if req.cancelled.triggered:
                return False
        return True

    def launch(self, tk: Aircraft) -> float:
        """Take off now; returns the launch time."""
        now = self.ctx.env.now
        tk.take_off(now)
        if self.ctx.rec.trace:
            self.ctx.rec.log(
                now, "tanker", tk.city, tk.base, tk.name, f"launched to refuel {self.req.receiver.name}"
            )
        return now

    def refuel(self, tk: Aircraft, transit: float) -> ProcessGenerator:
        """Fly out, transfer, and give the receiver what it can take; returns the gallons offloaded."""
        ctx, req, env = self.ctx, self.req, self.ctx.env
        yield env.timeout(transit)
        req.in_contact = not req.receiver_gone
        transfer = tk.t.transfer_min.sample(ctx.rng_for(f"air.transfer.{tk.name}")) / 60
        # a transfer longer than the tanker's own fuel allows is broken off at its bingo, with nothing given
        broken_off = transfer > tk.hours_left(env.now, transit)
        yield env.timeout(min(transfer, tk.hours_left(env.now, transit)))
        gallons = 0.0
        if not req.receiver_gone and not broken_off:
            r = req.receiver
            r.burn_to(env.now)
            tk.burn_to(env.now)
            spare = tk.fuel - tk.t.burn_gal_per_h * (transit + tk.t.reserve_min / 60)
            gallons = max(0.0, min(tk.t.offload_gal, r.t.fuel_capacity_gal - r.fuel, spare))
            tk.set_fuel(tk.fuel - gallons)  # the offloaded fuel comes from the tanker's own tanks
        tk.ledger.offloaded_gal += gallons
        if not req.done.triggered:
            req.done.succeed(gallons)
        if ctx.rec.trace:
            what = "broke off at its bingo" if broken_off else f"offloaded {gallons:.0f} gal"
            ctx.rec.log(env.now, "tanker", tk.city, req.over, tk.name, f"{what}; heading home")
        return gallons

    def return_home(
        self, tk: Aircraft, crew: CrewHold, board: CityBoard | None, launch: float, transit: float
    ) -> ProcessGenerator:
        """Fly home, land and turn around."""
        env = self.ctx.env
        yield env.timeout(transit)
        yield from self.ctx.land(tk, crew, board, launch)
