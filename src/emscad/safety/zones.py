"""Stay-away zones: resolving them against the agency's protected places, and containment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from emscad.geo import haversine_m
from emscad.safety.orders import DEFAULT_ZONE_RADIUS_M, ProtectiveOrder, StayAwayZone, ZoneKind

# Coordinates are stored to 1e-7 degree (about 1 cm): a point on the circle must not fall
# outside it by a rounding error, so the edge gets that much slack.
ZONE_EDGE_TOLERANCE_M = 0.01


@dataclass(frozen=True, slots=True)
class ProtectedPlace:
    """One of the agency's own sites (a station, the dispatch center, a parking lot)."""

    id: str
    label: str
    lon: float
    lat: float
    radius_m: float = DEFAULT_ZONE_RADIUS_M


@dataclass(frozen=True, slots=True)
class ZoneHit:
    zone: StayAwayZone
    distance_m: float


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(haversine_m(lon1, lat1, lon2, lat2))


def zones_of(order: ProtectiveOrder, places: Iterable[ProtectedPlace] = ()) -> list[StayAwayZone]:
    """The zones that protect this order's people, with places resolved.

    A zone tied to a place follows the place's current coordinates. When the order protects
    a member of staff, every protected place is a workplace zone as well, listed or not:
    staff move between stations, and a respondent who once worked here knows them all.
    """
    by_id = {p.id: p for p in places}
    zones: list[StayAwayZone] = []
    for zone in order.zones:
        place = by_id.get(zone.place) if zone.place else None
        zones.append(replace(zone, lon=place.lon, lat=place.lat) if place else zone)
    if order.protects_staff:
        listed = {z.place for z in order.zones if z.place}
        for place in by_id.values():
            if place.id not in listed:
                zones.append(
                    StayAwayZone(
                        id=f"place:{place.id}",
                        label=place.label,
                        lon=place.lon,
                        lat=place.lat,
                        radius_m=place.radius_m,
                        kind=ZoneKind.WORKPLACE,
                        place=place.id,
                    )
                )
    return zones


def containing(zones: Iterable[StayAwayZone], lon: float, lat: float) -> ZoneHit | None:
    """The zone the point is deepest inside (edge included), or None."""
    best: ZoneHit | None = None
    for zone in zones:
        d = distance_m(lon, lat, zone.lon, zone.lat)
        if d > zone.radius_m + ZONE_EDGE_TOLERANCE_M:
            continue
        if best is None or d / zone.radius_m < best.distance_m / best.zone.radius_m:
            best = ZoneHit(zone, d)
    return best
