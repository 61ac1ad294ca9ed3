"""Hospitals, stations and address points from OSM features."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import polygonize

from emscad.geo import quantize_deg
from emscad.regions.model import AddressSource, AddressTable, Place, PlaceKind
from emscad.regions.osm.elements import OsmFeature
from emscad.regions.osm.tags import Tags
from emscad.regions.strings import StringPool

BBox = tuple[float, float, float, float]

# Keys whose presence makes the reader keep an object for a closer look.
FEATURE_KEYS = ("amenity", "healthcare", "emergency", "addr:housenumber")

# Station services: (tag key, tag value) -> service. `amenity=ambulance_station` is the old
# tagging for what is now `emergency=ambulance_station`; older extracts still use it.
_STATION_SERVICES = (
    ("emergency", "ambulance_station", "ems"),
    ("amenity", "ambulance_station", "ems"),
    ("amenity", "fire_station", "fire"),
    ("amenity", "police", "police"),
)
_UNNAMED = {
    "hospital": "Hospital (unnamed)",
    "ems": "Ambulance station (unnamed)",
    "fire": "Fire station (unnamed)",
    "police": "Police station (unnamed)",
}
# `healthcare:speciality` values that tell us what a hospital can take. OSM has no tag for
# trauma levels or stroke/STEMI certification, so those come from local data, not from here.
_SPECIALITIES = {
    "trauma": "trauma",
    "traumatology": "trauma",
    "paediatrics": "pediatric",
    "pediatrics": "pediatric",
    "burns": "burn",
    "burn": "burn",
}
_ALIAS_KEYS = ("official_name", "short_name", "alt_name", "old_name")
_LEADING_NUMBER = re.compile(r"\s*(\d+)")
_I32_MAX = 2**31 - 1


def is_hospital(tags: Tags) -> bool:
    return tags.get("amenity") == "hospital" or tags.get("healthcare") == "hospital"


def station_services(tags: Tags) -> tuple[str, ...]:
    """The services a station houses, in the order ems, fire, police (empty: not a station)."""
    found = [s for key, value, s in _STATION_SERVICES if tags.get(key) == value]
    return tuple(dict.fromkeys(found))


def has_address(tags: Tags) -> bool:
    return bool(_housenumber(tags)) and bool(_street(tags))


def is_feature(tags: Tags) -> bool:
    return is_hospital(tags) or bool(station_services(tags)) or has_address(tags)


def representative_point(feature: OsmFeature) -> tuple[float, float] | None:
    """A point inside the feature: the node itself, a point inside an area, a line's middle."""
    points = [p for part in feature.parts for p in part if math.isfinite(p[0] + p[1])]
    if not points:
        return None
    if len(points) == 1:
        return points[0]
    try:
        found = _surface_point(feature)
    except shapely.errors.GEOSException:  # a broken polygon: fall back to the vertices' mean
        found = None
    if found is None or found.is_empty:
        return (
            float(np.mean([p[0] for p in points])),
            float(np.mean([p[1] for p in points])),
        )
    return (float(found.x), float(found.y))


def _surface_point(feature: OsmFeature) -> Point | None:
    lines = [[p for p in part if math.isfinite(p[0] + p[1])] for part in feature.parts]
    lines = [line for line in lines if len(line) >= 2]
    if not lines:
        return None
    if feature.kind == "r":
        rings = list(polygonize([LineString(line) for line in lines]))
        if not rings:
            return None
        largest = max(rings, key=lambda g: g.area)
        return largest.representative_point()
    line = lines[0]
    if len(line) >= 4 and line[0] == line[-1]:
        polygon = Polygon(line)
        valid = polygon if polygon.is_valid else shapely.make_valid(polygon)
        return valid.representative_point()
    return LineString(line).interpolate(0.5, normalized=True)


def _inside(point: tuple[float, float], bbox: BBox | None) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    return west <= point[0] <= east and south <= point[1] <= north


def _housenumber(tags: Tags) -> str:
    return (tags.get("addr:housenumber") or "").strip()


def _street(tags: Tags) -> str:
    # Rural addressing without street names uses `addr:place` instead of `addr:street`.
    return (tags.get("addr:street") or "").strip() or (tags.get("addr:place") or "").strip()


def postal_address(tags: Tags) -> str:
    """The address as one line: "1492 E Broad St Unit 2, Columbus, OH 43205"."""
    first = " ".join(s for s in (_housenumber(tags), _street(tags)) if s)
    unit = (tags.get("addr:unit") or "").strip()
    if first and unit:
        first = f"{first} Unit {unit}"
    state_zip = " ".join(s for s in ((tags.get("addr:state") or "").strip(), _postcode(tags)) if s)
    city = (tags.get("addr:city") or "").strip()
    return ", ".join(s for s in (first, city, state_zip) if s)


def _postcode(tags: Tags) -> str:
    return (tags.get("addr:postcode") or "").strip()


def _aliases(tags: Tags, name: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in _ALIAS_KEYS:
        for value in (tags.get(key) or "").split(";"):
            value = value.strip()
            if value and value != name and value not in found:
                found.append(value)
    return tuple(found)


def hospital_capabilities(tags: Tags) -> tuple[str, ...]:
    """What the tags say a hospital offers; an absent tag claims nothing."""
    found: list[str] = []
    # emergency=yes is an emergency department that takes ambulances; emergency=no is not.
    if (tags.get("emergency") or "").strip().lower() == "yes":
        found.append("emergency")
    for value in (tags.get("healthcare:speciality") or "").split(";"):
        capability = _SPECIALITIES.get(value.strip().lower())
        if capability and capability not in found:
            found.append(capability)
    return tuple(found)


def make_place(feature: OsmFeature, point: tuple[float, float]) -> Place | None:
    """The hospital or station a feature is, or None when it is neither."""
    tags = feature.tags
    if is_hospital(tags):
        kind, category, capabilities = PlaceKind.HOSPITAL, "", hospital_capabilities(tags)
        fallback = _UNNAMED["hospital"]
    else:
        services = station_services(tags)
        if not services:
            return None
        kind, category, capabilities = PlaceKind.STATION, services[0], services
        fallback = _UNNAMED[services[0]]
    name = (tags.get("name") or "").strip()
    return Place(
        id=f"osm-{feature.ref}",
        kind=kind,
        name=name or fallback,
        lon=point[0],
        lat=point[1],
        category=category,
        aliases=_aliases(tags, name),
        address=postal_address(tags),
        capabilities=capabilities,
    )


def places_and_addresses(
    features: Iterable[OsmFeature], *, bbox: BBox | None, pool: StringPool
) -> tuple[tuple[Place, ...], AddressTable]:
    """Hospitals, then stations, then every address point, each inside `bbox` if given."""
    hospitals: list[Place] = []
    stations: list[Place] = []
    rows: list[tuple[tuple[float, float], Tags]] = []
    for feature in features:
        found = representative_point(feature)
        if found is None:
            continue
        # On the 1e-7 degree grid region files use, so a saved region loads back identical.
        point = (float(quantize_deg(found[0])), float(quantize_deg(found[1])))
        if not _inside(point, bbox):
            continue
        place = make_place(feature, point)
        if place is not None:
            (hospitals if place.kind is PlaceKind.HOSPITAL else stations).append(place)
        if has_address(feature.tags):
            rows.append((point, feature.tags))
    return (*hospitals, *stations), address_table(rows, pool=pool)


def leading_number(housenumber: str) -> int:
    """The house number's leading integer ("12 1/2" -> 12, "12B" -> 12), -1 when it has none."""
    match = _LEADING_NUMBER.match(housenumber)
    if match is None:
        return -1
    number = int(match[1])
    return number if number <= _I32_MAX else -1


def address_table(
    rows: Sequence[tuple[tuple[float, float], Tags]], *, pool: StringPool
) -> AddressTable:
    if not rows:
        return AddressTable.empty()

    def strings(values: Iterable[str]) -> np.ndarray[tuple[int], np.dtype[np.int32]]:
        return np.array([pool.add(v) for v in values], np.int32)

    tags = [t for _, t in rows]
    numbers = [_housenumber(t) for t in tags]
    return AddressTable(
        lon=np.array([p[0] for p, _ in rows], np.float64),
        lat=np.array([p[1] for p, _ in rows], np.float64),
        housenumber=strings(numbers),
        number=np.array([leading_number(n) for n in numbers], np.int32),
        street=strings(_street(t) for t in tags),
        unit=strings((t.get("addr:unit") or "").strip() for t in tags),
        city=strings((t.get("addr:city") or "").strip() for t in tags),
        zip=strings(_postcode(t) for t in tags),
        source=np.full(len(rows), AddressSource.OSM.code, np.uint8),
    )
