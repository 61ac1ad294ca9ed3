"""What the reader hands the pure importer: plain copies of the OSM objects it needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from emscad.regions.osm.tags import Tags

Point = tuple[float, float]  # lon, lat
Line = tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class OsmWay:
    """A way with a road `highway=*` class. A node missing from the file has NaN coordinates."""

    id: int
    tags: Tags
    refs: tuple[int, ...]
    lon: tuple[float, ...]
    lat: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class OsmFeature:
    """A node, way or multipolygon relation that may be a hospital, station or address.

    `parts` is the geometry: one one-point line for a node, the way's line for a way, the
    lines of the outer member ways for a relation (points of missing nodes left out).
    """

    kind: str  # "n", "w" or "r"
    id: int
    tags: Tags
    parts: tuple[Line, ...]

    @property
    def ref(self) -> str:
        return f"{self.kind}{self.id}"


@dataclass(frozen=True, slots=True)
class OsmData:
    roads: list[OsmWay] = field(default_factory=list)
    features: list[OsmFeature] = field(default_factory=list)
