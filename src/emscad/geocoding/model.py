"""What the geocoder answers: ranked candidates and reverse-geocoding results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_QUERY_CHARS = 200  # longer than any address; a paste of a whole call note is refused
MAX_LIMIT = 50


class MatchType(StrEnum):
    """How a candidate was found, from the most to the least exact."""

    COORDINATES = "coordinates"  # typed coordinates or a map pick: taken as they are
    ADDRESS_POINT = "address_point"  # an address point of the region
    INTERPOLATED = "interpolated"  # a house number placed along its street
    INTERSECTION = "intersection"  # where two named streets meet
    PLACE = "place"  # a landmark, station or hospital, by name or alias
    STREET = "street"  # a street without (or without a known) house number


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer to a search. `label` is the region's own spelling, never the typed text.

    `score` runs from 0 to 1: 1 for an exact match; typos, dropped words and guesses (an
    interpolated number, a street without the number) lower it. `detail` is a second line
    for a type-ahead list: the place's address, the alias that matched, the number range.
    """

    match_type: MatchType
    label: str
    lon: float
    lat: float
    score: float
    street: str = ""
    cross_street: str = ""
    housenumber: str = ""
    unit: str = ""
    city: str = ""
    zip: str = ""
    place_id: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "match_type": self.match_type.value,
            "label": self.label,
            "lon": round(self.lon, 7),
            "lat": round(self.lat, 7),
            "score": round(self.score, 3),
            "street": self.street,
            "cross_street": self.cross_street,
            "housenumber": self.housenumber,
            "unit": self.unit,
            "city": self.city,
            "zip": self.zip,
            "place_id": self.place_id,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ReverseResult:
    """What is at a point: the nearest address, the road and its cross streets.

    `street` is the road the point lies on (the nearest road segment; with no road network,
    the nearest address's street). `cross_streets` are the nearest differently named streets
    met along that road in each direction, nearest first; empty without a road network.
    """

    lon: float
    lat: float
    address: Candidate | None
    address_distance_m: float | None
    street: str
    street_distance_m: float | None
    cross_streets: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        def metres(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "lon": self.lon,
            "lat": self.lat,
            "address": None if self.address is None else self.address.to_json(),
            "address_distance_m": metres(self.address_distance_m),
            "street": self.street,
            "street_distance_m": metres(self.street_distance_m),
            "cross_streets": list(self.cross_streets),
        }
