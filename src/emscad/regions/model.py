"""What a region is: a directed road network, its addresses and its named places."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emscad.errors import DataError

FORMAT_VERSION = 1

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]
Bool = NDArray[np.bool_]

NO_STRING = -1  # a string column's value where there is no string


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph over physical road segments.

    A *segment* is a stretch of road between two graph nodes with its shape (a polyline that
    runs from `seg_u` to `seg_v`), street name, class and address ranges. Each segment carries
    one directed *edge* (`u -> v`) or two (`v -> u` too, unless one-way). Edges hold the
    lengths and travel times that routing uses. `left`/`right` address ranges are as seen
    travelling from `seg_u` to `seg_v`; 0 means no range.
    """

    node_lon: F64
    node_lat: F64

    seg_u: I32
    seg_v: I32
    seg_shape_offsets: I64  # shape of segment i is shape_*[offsets[i]:offsets[i + 1]]
    shape_lon: F64
    shape_lat: F64
    seg_length_m: F64
    seg_class: U8  # RoadClass
    seg_name: I32  # index into Region.strings, NO_STRING when unnamed
    seg_oneway: Bool  # True: only u -> v may be driven
    seg_left_from: I32
    seg_left_to: I32
    seg_right_from: I32
    seg_right_to: I32
    seg_zip_left: I32  # index into Region.strings
    seg_zip_right: I32

    edge_src: I32
    edge_dst: I32
    edge_seg: I32
    edge_forward: Bool  # True when the edge runs along its segment's shape (u -> v)
    edge_length_m: F64
    edge_time_s: F64  # normal driving
    edge_time_ls_s: F64  # lights and sirens

    @property
    def n_nodes(self) -> int:
        return len(self.node_lon)

    @property
    def n_segments(self) -> int:
        return len(self.seg_u)

    @property
    def n_edges(self) -> int:
        return len(self.edge_src)

    def segment_shape(self, seg: int) -> tuple[F64, F64]:
        a, b = int(self.seg_shape_offsets[seg]), int(self.seg_shape_offsets[seg + 1])
        return self.shape_lon[a:b], self.shape_lat[a:b]

    def validate(self) -> None:
        """Raise DataError if the arrays do not describe a consistent network."""
        n, s, e = self.n_nodes, self.n_segments, self.n_edges
        _same_length("nodes", n, self.node_lat)
        for name in _SEGMENT_COLUMNS:
            _same_length("segments", s, getattr(self, name))
        for name in _EDGE_COLUMNS:
            _same_length("edges", e, getattr(self, name))
        offsets = self.seg_shape_offsets
        if len(offsets) != s + 1 or (s and (offsets[0] != 0 or offsets[-1] != len(self.shape_lon))):
            raise DataError("segment shape offsets do not match the shape points")
        if len(self.shape_lat) != len(self.shape_lon):
            raise DataError("shape longitude and latitude columns differ in length")
        if s and np.any(np.diff(offsets) < 2):
            raise DataError("every segment shape needs at least two points")
        for name, arr, bound in (
            ("segment endpoints", self.seg_u, n),
            ("segment endpoints", self.seg_v, n),
            ("edge endpoints", self.edge_src, n),
            ("edge endpoints", self.edge_dst, n),
            ("edge segments", self.edge_seg, s),
        ):
            if len(arr) and (arr.min() < 0 or arr.max() >= bound):
                raise DataError(f"{name} refer to items that do not exist")
        for name in ("edge_length_m", "edge_time_s", "edge_time_ls_s", "seg_length_m"):
            arr = getattr(self, name)
            if len(arr) and not (np.all(np.isfinite(arr)) and arr.min() >= 0):
                raise DataError(f"{name} holds negative or non-finite values")
        if not (np.all(np.isfinite(self.node_lon)) and np.all(np.isfinite(self.node_lat))):
            raise DataError("node coordinates are not finite")


_SEGMENT_COLUMNS = (
    "seg_v",
    "seg_length_m",
    "seg_class",
    "seg_name",
    "seg_oneway",
    "seg_left_from",
    "seg_left_to",
    "seg_right_from",
    "seg_right_to",
    "seg_zip_left",
    "seg_zip_right",
)
_EDGE_COLUMNS = (
    "edge_dst",
    "edge_seg",
    "edge_forward",
    "edge_length_m",
    "edge_time_s",
    "edge_time_ls_s",
)


def _same_length(table: str, expected: int, arr: NDArray[Any]) -> None:
    if len(arr) != expected:
        raise DataError(f"the {table} table has columns of different lengths")


@dataclass(frozen=True, eq=False)
class AddressTable:
    """Address points. String columns index Region.strings (NO_STRING where empty)."""

    lon: F64
    lat: F64
    housenumber: I32  # the house number as written ("1200", "12 1/2", "N123W456")
    number: I32  # its leading integer, -1 where it has none; used for ranges and sorting
    street: I32  # full street name as written locally ("W 7th St")
    unit: I32
    city: I32
    zip: I32
    source: U8  # AddressSource

    def __len__(self) -> int:
        return len(self.lon)

    @classmethod
    def empty(cls) -> AddressTable:
        i32 = np.zeros(0, np.int32)
        return cls(
            lon=np.zeros(0),
            lat=np.zeros(0),
            housenumber=i32,
            number=i32,
            street=i32,
            unit=i32,
            city=i32,
            zip=i32,
            source=np.zeros(0, np.uint8),
        )

    def validate(self, n_strings: int) -> None:
        n = len(self)
        columns = ("lat", "housenumber", "number", "street", "unit", "city", "zip", "source")
        for name in columns:
            _same_length("addresses", n, getattr(self, name))
        for name in ("housenumber", "street", "unit", "city", "zip"):
            arr = getattr(self, name)
            if n and (arr.min() < NO_STRING or arr.max() >= n_strings):
                raise DataError(f"address column {name} refers to strings that do not exist")


class AddressSource(StrEnum):
    GENERATED = "generated"
    OSM = "osm"
    IMPORTED = "imported"

    @property
    def code(self) -> int:
        return list(AddressSource).index(self)

    @classmethod
    def from_code(cls, code: int) -> AddressSource:
        return list(cls)[code]


class PlaceKind(StrEnum):
    PLACE = "place"  # a named landmark: school, park, mall, stadium
    STATION = "station"  # an ambulance, fire or police station
    HOSPITAL = "hospital"


@dataclass(frozen=True, slots=True)
class Place:
    """A named location: a landmark, a station or a hospital.

    `category` refines the kind (a station's "ems", "fire" or "police"; a landmark's "school").
    `capabilities` lists what a hospital offers ("trauma", "stroke", "stemi", "pediatric",
    "burn") or which services a station houses ("ems", "fire", "police").
    """

    id: str
    kind: PlaceKind
    name: str
    lon: float
    lat: float
    category: str = ""
    aliases: tuple[str, ...] = ()
    address: str = ""
    capabilities: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "name": self.name,
            "lon": self.lon,
            "lat": self.lat,
            "category": self.category,
            "aliases": list(self.aliases),
            "address": self.address,
            "capabilities": list(self.capabilities),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Place:
        try:
            return cls(
                id=str(data["id"]),
                kind=PlaceKind(data["kind"]),
                name=str(data["name"]),
                lon=float(data["lon"]),
                lat=float(data["lat"]),
                category=str(data.get("category", "")),
                aliases=tuple(str(a) for a in data.get("aliases", ())),
                address=str(data.get("address", "")),
                capabilities=tuple(str(c) for c in data.get("capabilities", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"a place record is malformed: {exc}") from exc


@dataclass(frozen=True, slots=True)
class DropReport:
    """What building the network left out to keep one strongly connected graph."""

    components: int = 1  # strongly connected components found before dropping
    nodes: int = 0
    segments: int = 0
    edges: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "components": self.components,
            "nodes": self.nodes,
            "segments": self.segments,
            "edges": self.edges,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """The region's description, stored as manifest.json beside its data files."""

    name: str
    created_at: str  # ISO 8601 UTC
    source: dict[str, Any]  # how the region was made: generator parameters, or input file
    bbox: tuple[float, float, float, float]  # west, south, east, north
    counts: dict[str, int]
    dropped: DropReport
    settings: dict[str, Any]  # settings that shaped the data (lights-and-sirens factor...)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> sha256, bytes
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "name": self.name,
            "created_at": self.created_at,
            "source": self.source,
            "bbox": list(self.bbox),
            "counts": self.counts,
            "dropped": self.dropped.to_json(),
            "settings": self.settings,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        try:
            west, south, east, north = (float(v) for v in data["bbox"])
            return cls(
                format_version=int(data["format_version"]),
                name=str(data["name"]),
                created_at=str(data["created_at"]),
                source=dict(data["source"]),
                bbox=(west, south, east, north),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                dropped=DropReport(**{k: int(v) for k, v in data["dropped"].items()}),
                settings=dict(data["settings"]),
                files={str(k): dict(v) for k, v in data["files"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"the region manifest is malformed: {exc}") from exc


@dataclass(frozen=True, eq=False)
class Region:
    """A region as loaded: the manifest plus everything it describes."""

    manifest: Manifest
    network: RoadNetwork
    addresses: AddressTable
    places: tuple[Place, ...]
    strings: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.manifest.name

    def string(self, index: int) -> str:
        return "" if index == NO_STRING else self.strings[index]

    def places_of(self, kind: PlaceKind) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.kind is kind)

    def validate(self) -> None:
        self.network.validate()
        self.addresses.validate(len(self.strings))
        n = len(self.strings)
        for name in ("seg_name", "seg_zip_left", "seg_zip_right"):
            arr = getattr(self.network, name)
            if len(arr) and (arr.min() < NO_STRING or arr.max() >= n):
                raise DataError(f"segment column {name} refers to strings that do not exist")
