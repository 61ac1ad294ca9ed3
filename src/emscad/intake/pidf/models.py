"""A caller's device location as received: geodetic shape, civic address, how and when measured."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from emscad.errors import InvalidInput

# Beyond 1,000 km a "location" says nothing about where to send an ambulance; it is also the
# bound incidents use for a location's uncertainty.
MAX_UNCERTAINTY_M = 1_000_000.0
MAX_FIELD_CHARS = 200


class ShapeKind(StrEnum):
    POINT = "point"
    CIRCLE = "circle"
    ELLIPSE = "ellipse"
    POLYGON = "polygon"


@dataclass(frozen=True, slots=True)
class Shape:
    """The geodetic shape as sent (RFC 5491), for drawing it on the map."""

    kind: ShapeKind
    points: tuple[tuple[float, float], ...]  # (lon, lat): the centre, or the polygon's ring
    radius_m: float | None = None  # circle
    semi_major_m: float | None = None  # ellipse
    semi_minor_m: float | None = None
    orientation_deg: float | None = None  # of the semi-major axis, clockwise from north
    altitude_m: float | None = None  # from a 3-D (EPSG::4979) position


@dataclass(frozen=True, slots=True)
class CivicAddress:
    """RFC 5139 civic address elements; empty strings for those not sent."""

    country: str = ""
    a1: str = ""  # state
    a2: str = ""  # county
    a3: str = ""  # city
    a4: str = ""  # city division
    a5: str = ""  # neighbourhood
    a6: str = ""  # street (RFC 4776; RD replaces it)
    prd: str = ""  # leading street direction
    pod: str = ""  # trailing street suffix
    rd: str = ""  # road
    sts: str = ""  # street suffix
    hno: str = ""  # house number
    hns: str = ""  # house number suffix
    lmk: str = ""  # landmark
    loc: str = ""  # additional location information
    flr: str = ""  # floor
    nam: str = ""  # name of the place (business, resident)
    pc: str = ""  # postal code
    bld: str = ""  # building
    unit: str = ""
    room: str = ""
    seat: str = ""
    plc: str = ""  # place type
    pcn: str = ""  # postal community name
    pobox: str = ""

    @property
    def street_line(self) -> str:
        """House number and street, e.g. "123A N Main St": what a geocoder can search."""
        road = self.rd or self.a6
        parts = (self.hno + self.hns, self.prd, road, self.sts, self.pod)
        return " ".join(p for p in parts if p)

    @property
    def text(self) -> str:
        """One line for the console, e.g. "Acme, 123 N Main St, Floor 2, Springfield, IL 62701"."""
        inside = (
            ("Bldg", self.bld),
            ("Unit", self.unit),
            ("Floor", self.flr),
            ("Room", self.room),
            ("Seat", self.seat),
        )
        region = " ".join(p for p in (self.a1, self.pc) if p)
        parts = [
            self.nam,
            self.street_line,
            *(f"{word} {value}" for word, value in inside if value),
            self.loc,
            self.a3 or self.pcn,
            region,
            self.country,
        ]
        line = ", ".join(p for p in parts if p)
        return f"{line} (near {self.lmk})" if self.lmk else line


@dataclass(frozen=True, slots=True)
class DeviceLocation:
    """Where a caller's device says it is. Supplemental: never the incident location by itself.

    `lon`/`lat` is a representative point (the point, the centre of a circle or ellipse, the
    centroid of a polygon) and `uncertainty_m` the distance from it that the shape spans.
    """

    received_at: datetime  # emscad's clock when it arrived
    source: str  # "pidf-lo" or "json"
    lon: float | None = None
    lat: float | None = None
    uncertainty_m: float | None = None
    confidence_pct: float | None = None  # RFC 7459; RFC 5491 implies 95 when not stated
    shape: Shape | None = None
    civic: CivicAddress | None = None
    method: str = ""  # RFC 4119 method: "GPS", "A-GPS", "Cell", "Manual", "Wiremap"...
    timestamp: datetime | None = None  # when the device or network measured it, if stated
    provider: str = ""  # who supplied it: the PIDF-LO provided-by, or the channel

    @property
    def has_point(self) -> bool:
        return self.lon is not None and self.lat is not None

    @property
    def observed_at(self) -> datetime:
        """When the location was true: the measurement time if stated, else when it arrived."""
        return self.timestamp or self.received_at

    @property
    def civic_text(self) -> str:
        return self.civic.text if self.civic else ""


def check_lonlat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("coordinates must be finite numbers")
    if not (-90 <= lat <= 90):
        raise InvalidInput(f"latitude {lat} is outside -90..90")
    if not (-180 <= lon <= 180):
        raise InvalidInput(f"longitude {lon} is outside -180..180")


def check_metres(value: float, what: str) -> float:
    if not (math.isfinite(value) and 0 <= value <= MAX_UNCERTAINTY_M):
        raise InvalidInput(f"{what} must be between 0 and {MAX_UNCERTAINTY_M:,.0f} m")
    return value


def check_confidence(value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= 100):
        raise InvalidInput("confidence must be a percentage above 0 and at most 100")
    return value


def parse_time(text: str, what: str) -> datetime:
    """An RFC 3339 time with its offset; a time without one is ambiguous and refused."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{what} {text.strip()[:40]!r} is not an RFC 3339 time") from exc
    if when.tzinfo is None:
        raise InvalidInput(f"{what} {text.strip()[:40]!r} has no time zone offset")
    return when.astimezone(UTC)


def short(text: str, what: str, limit: int = MAX_FIELD_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text
