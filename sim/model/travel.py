"""Road travel times between sites: a given leg, else distance x detour factor / road speed; and, for
people moving between posts, none within a zone."""

from __future__ import annotations

from functools import cache

from sim.scenario.places import haversine_km, site_latlon
from sim.scenario.schema import Scenario

__all__ = ["TravelTimes", "haversine_km"]


class TravelTimes:
    """Road minutes between two sites of a scenario."""

    def __init__(self, s: Scenario) -> None:
        self._s = s
        self._legs = {}
        for leg in s.travel.legs:
            a, b = leg.between
            self._legs[(a, b)] = self._legs[(b, a)] = leg.minutes
        self.minutes = cache(self._minutes)
        self.km = cache(self._km)
        self.post_minutes = cache(self._post_minutes)

    def latlon(self, site: str) -> tuple[float, float]:
        """A site's coordinates, or its city's where the site gives none."""
        return site_latlon(self._s.sites[site], self._s.cities)

    def _km(self, a: str, b: str) -> float:
        """Straight-line km between two sites (for flying, and x detour factor for driving)."""
        if a == b:
            return 0.0
        return haversine_km(*self.latlon(a), *self.latlon(b))

    def road_km(self, a: str, b: str) -> float:
        """Road km: straight line x the scenario's detour factor."""
        return self.km(a, b) * self._s.travel.detour_factor

    def _minutes(self, a: str, b: str) -> float:
        if a == b:
            return 0.0
        if (a, b) in self._legs:
            return self._legs[(a, b)]
        sa, sb = self._s.sites[a], self._s.sites[b]
        if sa.lat is None or sa.lon is None or sb.lat is None or sb.lon is None:
            return self._s.travel.default_min
        km = haversine_km(sa.lat, sa.lon, sb.lat, sb.lon) * self._s.travel.detour_factor
        return 60.0 * km / self._s.travel.road_speed_kmh

    def _post_minutes(self, a: str, b: str) -> float:
        """Road minutes for people moving between posts: none within a site's `zone`; "" is the city's
        centre (the reserve where a city names no `reserve_site`), reached from a site with coordinates
        at the road speed, else in `default_min`."""
        if a == b:
            return 0.0
        if a and b:
            za, zb = self._s.sites[a].zone, self._s.sites[b].zone
            if za is not None and za == zb:
                return 0.0
            return self.minutes(a, b)
        site = self._s.sites[a or b]
        if site.lat is None or site.lon is None:
            return self._s.travel.default_min
        city = self._s.cities[site.city]
        km = haversine_km(city.lat, city.lon, site.lat, site.lon) * self._s.travel.detour_factor
        return 60.0 * km / self._s.travel.road_speed_kmh
