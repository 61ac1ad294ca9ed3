"""Reverse geocoding: the nearest address, the road a point is on, and its cross streets."""

from __future__ import annotations

from emscad.geocoding.model import Candidate, MatchType, ReverseResult
from emscad.geocoding.resolve import address_label
from emscad.geocoding.tables import Tables
from emscad.routing.snap import Snapper

_ANYWHERE_M = 1e9  # reverse geocoding always answers; the distances say how far it is


def reverse_geocode(t: Tables, snapper: Snapper | None, lon: float, lat: float) -> ReverseResult:
    address, address_m = _nearest_address(t, lon, lat)
    street, street_m = "", None
    cross: tuple[str, ...] = ()
    if snapper is not None and t.seg_street is not None and t.cross_streets is not None:
        snap = snapper.snap(lon, lat, max_distance_m=_ANYWHERE_M)
        sid = int(t.seg_street[snap.seg])
        if sid >= 0:
            street = t.streets.labels[sid]
        street_m = snap.distance_m
        cross = tuple(t.streets.labels[s] for s in t.cross_streets.around(snap.seg))
    elif address is not None:
        street, street_m = address.street, address_m
    return ReverseResult(
        lon=lon,
        lat=lat,
        address=address,
        address_distance_m=address_m,
        street=street,
        street_distance_m=street_m,
        cross_streets=cross,
    )


def _nearest_address(t: Tables, lon: float, lat: float) -> tuple[Candidate | None, float | None]:
    if t.point_tree is None:
        return None, None
    x, y = t.plane.to_xy(lon, lat)
    dist, idx = t.point_tree.query([float(x), float(y)])
    p = int(idx)
    a = t.addresses
    number = t.string(int(a.housenumber[p]))
    street = t.string(int(a.street[p]))
    unit = t.string(int(a.unit[p]))
    city, zip_code = t.string(int(a.city[p])), t.string(int(a.zip[p]))
    candidate = Candidate(
        match_type=MatchType.ADDRESS_POINT,
        label=address_label(number, street, unit, city, zip_code),
        lon=float(a.lon[p]),
        lat=float(a.lat[p]),
        score=1.0,
        street=street,
        housenumber=number,
        unit=unit,
        city=city,
        zip=zip_code,
    )
    return candidate, float(dist)
