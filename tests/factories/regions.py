"""Small hand-made regions whose answers can be worked out on paper."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from emscad.regions.build import SegmentSpec, build_network, make_region
from emscad.regions.model import AddressTable, Place, PlaceKind, Region
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
LON0, LAT0 = -92.30, 34.74
STEP = 0.001  # about 91 m of longitude and 111 m of latitude here


def segments(
    nodes: list[tuple[float, float]],
    roads: list[tuple[int, int, bool, str]],
    *,
    speed_kph: float = 36.0,
    road_class: RoadClass = RoadClass.RESIDENTIAL,
    pool: StringPool | None = None,
) -> SegmentSpec:
    """Straight segments between `nodes` (grid units); each road is (u, v, oneway, name)."""
    pool = StringPool() if pool is None else pool
    shape_lon: list[float] = []
    shape_lat: list[float] = []
    for u, v, _, _ in roads:
        for n in (u, v):
            shape_lon.append(LON0 + nodes[n][0] * STEP)
            shape_lat.append(LAT0 + nodes[n][1] * STEP)
    k = len(roads)
    return SegmentSpec(
        u=np.array([r[0] for r in roads], np.int32),
        v=np.array([r[1] for r in roads], np.int32),
        shape_offsets=np.arange(0, 2 * k + 1, 2, dtype=np.int64),
        shape_lon=np.array(shape_lon),
        shape_lat=np.array(shape_lat),
        road_class=np.full(k, road_class, np.uint8),
        name=np.array([pool.add(r[3]) for r in roads], np.int32),
        oneway=np.array([r[2] for r in roads], bool),
        speed_kph=np.full(k, speed_kph),
    )


# A square block A-B-C-D with B->C one-way, a detached stub E-F and a one-way dead end B->G.
SQUARE_NODES = [(0, 0), (1, 0), (1, 1), (0, 1), (5, 5), (6, 5), (2, 0)]
SQUARE_ROADS = [
    (0, 1, False, "1st St"),
    (1, 2, True, "Oak St"),
    (2, 3, False, "2nd St"),
    (3, 0, False, "Elm St"),
    (4, 5, False, "Lost Rd"),
    (1, 6, True, "Dead End"),
]


def square_region(name: str = "square") -> Region:
    pool = StringPool()
    spec = segments(SQUARE_NODES, SQUARE_ROADS, pool=pool)
    lon = [LON0 + x * STEP for x, _ in SQUARE_NODES]
    lat = [LAT0 + y * STEP for _, y in SQUARE_NODES]
    network, dropped = build_network(lon, lat, spec, lights_sirens_factor=1.25)
    places = (
        Place(
            id="station-1",
            kind=PlaceKind.STATION,
            name="Station 1",
            lon=LON0,
            lat=LAT0,
            category="ems",
            aliases=("Station One",),
            capabilities=("ems",),
        ),
    )
    return make_region(
        name,
        network,
        addresses=AddressTable.empty(),
        places=places,
        strings=pool.freeze(),
        source={"kind": "test"},
        dropped=dropped,
        settings={"lights_sirens_factor": 1.25},
        created_at=CREATED,
    )
