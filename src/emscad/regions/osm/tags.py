"""Tag rules for roads: which ways an ambulance may drive, their direction, speed and name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum

from emscad.regions.roads import DEFAULT_SPEED_KPH, MPH, RoadClass

Tags = Mapping[str, str]

ROAD_CLASSES: dict[str, RoadClass] = {c.osm: c for c in RoadClass}

# Service roads that are not through roads: the lanes between parking bays and the lanes past a
# takeaway window. Both spellings of the latter occur in the data.
_EXCLUDED_SERVICE = frozenset({"parking_aisle", "drive-through", "drive_through"})

# The access keys that apply to an ambulance, most specific first: it is a motor car, a motor
# vehicle and a vehicle. The first key present decides.
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")

# Values that close a road to an ambulance. Everything else stays open, including private,
# destination, customers and delivery: a crew answering a call drives up private roads and
# into delivery-only streets. bus/psv-only roads are closed because routing them would
# make normal-driving times (transfers, returns to station) use roads a unit may not take.
DENIED = frozenset(
    {
        "no",
        "agricultural",
        "forestry",
        "agricultural;forestry",
        "psv",
        "bus",
        "use_sidepath",
        "dismount",
    }
)

# `emergency=*` is the access key for emergency vehicles; these values open a road even when
# the general access tags close it.
EMERGENCY_ALLOWED = frozenset(
    {"yes", "designated", "official", "permissive", "destination", "private", "permit"}
)

# Lifecycle tags that mean the road cannot be driven now although it is tagged as a road.
_CLOSED_LIFECYCLE = (("construction", "yes"), ("disused", "yes"), ("abandoned", "yes"))
_IMPASSABLE = (("impassable", "yes"), ("status", "impassable"), ("smoothness", "impassable"))


class Direction(Enum):
    """Which way a road may be driven, relative to the order of its OSM nodes."""

    BOTH = "both"
    FORWARD = "forward"
    BACKWARD = "backward"


_ONEWAY_VALUES: dict[str, Direction] = {
    "yes": Direction.FORWARD,
    "true": Direction.FORWARD,
    "1": Direction.FORWARD,
    "-1": Direction.BACKWARD,
    "reverse": Direction.BACKWARD,
    "no": Direction.BOTH,
    "false": Direction.BOTH,
    "0": Direction.BOTH,
    # Reversible lanes change direction by time of day and alternating ones by signal; a
    # unit may be sent either way, so both count as two-way.
    "reversible": Direction.BOTH,
    "alternating": Direction.BOTH,
}


def _value(tags: Tags, key: str) -> str:
    return tags.get(key, "").strip().lower()


def road_class(tags: Tags) -> RoadClass | None:
    """The road class of a way, or None when `highway=*` is not a class vehicles drive on."""
    return ROAD_CLASSES.get(tags.get("highway", ""))


def exclusion(tags: Tags) -> str | None:
    """Why an ambulance cannot use this way, or None when it can."""
    highway = tags.get("highway", "")
    if highway not in ROAD_CLASSES:
        return f"highway={highway}" if highway else "not a highway"
    if _value(tags, "area") == "yes":
        return "area=yes"
    service = _value(tags, "service")
    if highway == "service" and service in _EXCLUDED_SERVICE:
        return f"service={service}"
    for key, value in (*_CLOSED_LIFECYCLE, *_IMPASSABLE):
        if _value(tags, key) == value:
            return f"{key}={value}"
    emergency = _value(tags, "emergency")
    if emergency in EMERGENCY_ALLOWED:
        return None
    if emergency == "no":
        return "emergency=no"
    # An emergency-access road (a gated link between estates, a fire lane) is there for us.
    if highway == "service" and service == "emergency_access" and not emergency:
        return None
    for key in ACCESS_KEYS:
        value = _value(tags, key)
        if value:
            return f"{key}={value}" if value in DENIED else None
    return None


def is_drivable(tags: Tags) -> bool:
    return exclusion(tags) is None


def direction(tags: Tags) -> Direction:
    """The driving direction from `oneway`, or implied by a roundabout or a motorway."""
    found = _ONEWAY_VALUES.get(_value(tags, "oneway"))
    if found is not None:
        return found
    # Absent or unrecognised `oneway`: roundabouts and motorways are one-way by definition.
    if _value(tags, "junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return Direction.FORWARD
    return Direction.BOTH


_SPEED = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>mph|km/h|kmh|kph|knots|kn)?", re.IGNORECASE
)
_UNIT_KPH = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": MPH, "knots": 1.852, "kn": 1.852}
MAX_PLAUSIBLE_KPH = 250.0  # above this a value is a typo, not a limit


def parse_maxspeed(text: str | None) -> float | None:
    """The speed limit in km/h from a `maxspeed` value, or None when it states no number.

    "50" and "50 km/h" are km/h, "35 mph" is miles per hour, "10 knots" is knots. Several
    values separated by ";" give the lowest. Words ("none", "walk", "signals") and zone codes
    ("US:urban", "RU:rural") give None: the caller falls back to the class default.
    """
    if not text:
        return None
    speeds: list[float] = []
    for part in text.split(";"):
        match = _SPEED.fullmatch(part.strip())
        if match is None:
            continue
        unit = (match["unit"] or "").lower()
        kph = float(match["number"]) * _UNIT_KPH[unit]
        if 0 < kph <= MAX_PLAUSIBLE_KPH:
            speeds.append(kph)
    return min(speeds) if speeds else None


def speed_kph(tags: Tags, klass: RoadClass, way: Direction) -> float:
    """Normal driving speed: the posted limit where the tags give one, else the class default."""
    posted = parse_maxspeed(tags.get("maxspeed"))
    if posted is not None:
        return posted
    forward = parse_maxspeed(tags.get("maxspeed:forward"))
    backward = parse_maxspeed(tags.get("maxspeed:backward"))
    if way is Direction.FORWARD and forward is not None:
        return forward
    if way is Direction.BACKWARD and backward is not None:
        return backward
    if way is Direction.BOTH:
        # One speed serves both directions: the lower limit keeps estimates on the safe side.
        stated = [s for s in (forward, backward) if s is not None]
        if stated:
            return min(stated)
    return DEFAULT_SPEED_KPH[klass]


def street_name(tags: Tags) -> str:
    """`name`, else `ref` (an unnamed state route is still "OH 315")."""
    return (tags.get("name") or "").strip() or (tags.get("ref") or "").strip()


def tiger_zip(value: str | None) -> str:
    """The first ZIP code of a `tiger:zip_*` value ("97060:97232" and "43215;43206" list two)."""
    if not value:
        return ""
    return re.split(r"[;:,]", value, maxsplit=1)[0].strip()
