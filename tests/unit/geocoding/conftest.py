"""Regions the geocoding tests share: a small synthetic city and a hand-made street block."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from emscad.geocoding import GeocodeIndex, build_index
from emscad.regions.build import build_network, make_region
from emscad.regions.model import AddressSource, AddressTable, Region
from emscad.regions.strings import StringPool
from emscad.regions.synthetic import generate_region
from tests.factories.regions import CREATED, LAT0, LON0, STEP, segments

# A plus-shaped block: Elm St runs east from node 0 through 1 to 2; Oak St runs north
# through node 1; Ash St runs north through node 0. Elm St's odd numbers are on its left
# (north) side, even on its right (south), as seen from u to v (west to east).
BLOCK_NODES: list[tuple[float, float]] = [(0, 0), (1, 0), (2, 0), (1, 1), (1, -1), (0, 1), (0, -1)]
BLOCK_ROADS = [
    (0, 1, False, "Elm St"),
    (1, 2, False, "Elm St"),
    (4, 1, False, "Oak St"),
    (1, 3, False, "Oak St"),
    (6, 0, False, "Ash St"),
    (0, 5, False, "Ash St"),
]
BLOCK_RANGES = [  # left from, left to, right from, right to
    (101, 199, 100, 198),
    (201, 299, 200, 298),
    (0, 0, 0, 0),
    (0, 0, 0, 0),
    (0, 0, 0, 0),
    (0, 0, 0, 0),
]
# Address points: (house number, street, unit, x, y) in grid units.
BLOCK_ADDRESSES = [
    ("120", "Elm St", "", 0.2, -0.15),
    ("125", "Elm St", "", 0.25, 0.15),
    ("180", "Elm St", "Apt 2", 0.8, -0.15),
    ("215", "Oak St", "", 1.15, 0.5),
]


def block_region() -> Region:
    pool = StringPool()
    spec = segments(BLOCK_NODES, BLOCK_ROADS, pool=pool)
    columns = list(zip(*BLOCK_RANGES, strict=True))
    spec.left_from, spec.left_to, spec.right_from, spec.right_to = (
        np.array(c, np.int32) for c in columns
    )
    lon = [LON0 + x * STEP for x, _ in BLOCK_NODES]
    lat = [LAT0 + y * STEP for _, y in BLOCK_NODES]
    network, dropped = build_network(lon, lat, spec, lights_sirens_factor=1.25)

    def ids(values: list[str]) -> NDArray[np.int32]:
        return np.array([pool.add(v) for v in values], np.int32)

    rows = BLOCK_ADDRESSES
    addresses = AddressTable(
        lon=np.array([LON0 + r[3] * STEP for r in rows]),
        lat=np.array([LAT0 + r[4] * STEP for r in rows]),
        housenumber=ids([r[0] for r in rows]),
        number=np.array([int(r[0]) for r in rows], np.int32),
        street=ids([r[1] for r in rows]),
        unit=ids([r[2] for r in rows]),
        city=ids(["Riverton"] * len(rows)),
        zip=ids(["72201"] * len(rows)),
        source=np.full(len(rows), AddressSource.GENERATED.code, np.uint8),
    )
    return make_region(
        "block",
        network,
        addresses=addresses,
        places=(),
        strings=pool.freeze(),
        source={"kind": "test"},
        dropped=dropped,
        settings={"lights_sirens_factor": 1.25},
        created_at=CREATED,
    )


@pytest.fixture(scope="session")
def city() -> Region:
    return generate_region("t", seed=3, nodes=3000, lights_sirens_factor=1.25, created_at=CREATED)


@pytest.fixture(scope="session")
def index(city: Region) -> GeocodeIndex:
    return build_index(city)


@pytest.fixture(scope="session")
def points_only(city: Region) -> GeocodeIndex:
    """The same city's geocoder from its address list alone: no roads, no places."""
    return GeocodeIndex.build(city.addresses, city.strings, bbox=city.manifest.bbox)


@pytest.fixture(scope="session")
def block() -> Region:
    return block_region()


@pytest.fixture(scope="session")
def block_index(block: Region) -> GeocodeIndex:
    return build_index(block)
