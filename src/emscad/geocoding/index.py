"""The geocoder: `GeocodeIndex.search` for what a dispatcher types, `.reverse` for a map point."""

from __future__ import annotations

import math
import threading

from emscad.errors import InvalidInput
from emscad.geocoding.model import MAX_LIMIT, MAX_QUERY_CHARS, Candidate, MatchType, ReverseResult
from emscad.geocoding.query import Query, parse_coordinates, parse_query
from emscad.geocoding.resolve import (
    address_candidates,
    intersection_candidates,
    street_candidates,
)
from emscad.geocoding.reverse import reverse_geocode
from emscad.geocoding.tables import Tables, build_tables
from emscad.regions.model import AddressTable, Place, Region, RoadNetwork
from emscad.routing.snap import Snapper

PLACE_WITH_NUMBER = 0.8  # a place matched from text that starts with a house number
MIN_SCORE = 0.5  # below this a candidate is noise, not an option worth a line in the list
_TYPE_ORDER = {t: i for i, t in enumerate(MatchType)}


class GeocodeIndex:
    """An offline geocoder over one region's addresses, roads and places.

    Build it once per region (`build_index`) and share it: searching never changes it, so
    concurrent searches are safe. The road network is optional; from an address list alone
    it still finds addresses, interpolates between them and estimates intersections.
    """

    def __init__(self, tables: Tables) -> None:
        self._t = tables
        self._snapper: Snapper | None = None
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls,
        addresses: AddressTable,
        strings: tuple[str, ...],
        *,
        network: RoadNetwork | None = None,
        places: tuple[Place, ...] = (),
        bbox: tuple[float, float, float, float] | None = None,
    ) -> GeocodeIndex:
        return cls(build_tables(addresses, strings, network=network, places=places, bbox=bbox))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self._t.bbox

    @property
    def street_count(self) -> int:
        return len(self._t.streets)

    def search(self, text: str, *, limit: int = 5) -> list[Candidate]:
        """Ranked candidates for typed text, best first (at most `limit`).

        Typed coordinates ("34.7465, -92.2896" or "-92.2896,34.7465") override everything:
        the answer is one COORDINATES candidate at exactly that point.
        """
        stripped = _check_text(text)
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
        coordinates = parse_coordinates(stripped)
        if coordinates is not None:
            return [self.coordinates(*self._order(*coordinates))]
        q = parse_query(text, cities=self._t.cities)
        found: list[Candidate] = []
        if q.is_intersection:
            found += intersection_candidates(self._t, q)
        elif q.street and q.number is not None:
            found += address_candidates(self._t, q)
        elif q.street:
            found += street_candidates(self._t, q, limit=limit)
        found += self._places(q, text, limit=limit)
        return _rank(found, limit)

    def reverse(self, lon: float, lat: float) -> ReverseResult:
        """The nearest address, the road under the point and its cross streets."""
        lon, lat = float(lon), float(lat)
        check_lonlat(lon, lat)
        return reverse_geocode(self._t, self._road_snapper(), lon, lat)

    def coordinates(self, lon: float, lat: float) -> Candidate:
        """A map pick or typed coordinates, taken exactly as given."""
        lon, lat = float(lon), float(lat)
        check_lonlat(lon, lat)
        return Candidate(
            match_type=MatchType.COORDINATES,
            label=f"{lat:.6f}, {lon:.6f}",
            lon=lon,
            lat=lat,
            score=1.0,
        )

    def _places(self, q: Query, text: str, *, limit: int) -> list[Candidate]:
        factor = PLACE_WITH_NUMBER if q.number is not None else 1.0
        out = []
        for m in self._t.places.match(text, partial=q.partial, limit=limit):
            p = m.place
            detail = " · ".join(s for s in (m.alias and f"“{m.alias}”", p.address) if s)
            out.append(
                Candidate(
                    match_type=MatchType.PLACE,
                    label=p.name,
                    lon=p.lon,
                    lat=p.lat,
                    score=m.similarity / 100 * factor,
                    place_id=p.id,
                    detail=detail,
                )
            )
        return out

    def _order(self, a: float, b: float) -> tuple[float, float]:
        """(lon, lat) from two typed numbers in either order, judged by the region's box."""
        as_lonlat = _valid(a, b)
        as_latlon = _valid(b, a)
        if not as_lonlat and not as_latlon:
            raise InvalidInput(
                f"coordinates out of range: {a}, {b} (latitude within ±90, longitude within ±180)"
            )
        if as_lonlat != as_latlon:
            return (a, b) if as_lonlat else (b, a)
        # Both readings are valid: take the one nearer the region (inside it, normally).
        return (a, b) if self._distance_deg(a, b) <= self._distance_deg(b, a) else (b, a)

    def _distance_deg(self, lon: float, lat: float) -> float:
        west, south, east, north = self._t.bbox
        dx = max(west - lon, 0.0, lon - east)
        dy = max(south - lat, 0.0, lat - north)
        return math.hypot(dx, dy)

    def _road_snapper(self) -> Snapper | None:
        net = self._t.network
        if net is None or net.n_segments == 0:
            return None
        # Built on first use: a command-line search never needs it, a server builds it once.
        with self._lock:
            if self._snapper is None:
                self._snapper = Snapper(net)
            return self._snapper


def build_index(region: Region) -> GeocodeIndex:
    """The geocoder for a region: its addresses, road network and places."""
    return GeocodeIndex.build(
        region.addresses,
        region.strings,
        network=region.network,
        places=region.places,
        bbox=region.manifest.bbox,
    )


def check_lonlat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("coordinates must be finite numbers")
    if not _valid(lon, lat):
        raise InvalidInput(
            f"coordinates out of range: longitude {lon}, latitude {lat} "
            "(latitude within ±90, longitude within ±180)"
        )


def _valid(lon: float, lat: float) -> bool:
    return -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0


def _check_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise InvalidInput("nothing to search for: the text is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"search text too long: {len(text)} characters (at most {MAX_QUERY_CHARS})"
        )
    return stripped


def _rank(candidates: list[Candidate], limit: int) -> list[Candidate]:
    ordered = sorted(
        candidates,
        key=lambda c: (-round(c.score, 6), _TYPE_ORDER[c.match_type], c.label, c.lon, c.lat),
    )
    out: list[Candidate] = []
    seen: set[tuple[str, float, float]] = set()
    for c in ordered:
        if c.score < MIN_SCORE:
            break
        key = (c.label, round(c.lon, 5), round(c.lat, 5))
        if key not in seen:
            seen.add(key)
            out.append(c)
        if len(out) == limit:
            break
    return out
