"""Basemap tiles from a road network: web-mercator maths, what a tile holds, caching."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from emscad.web.console.tiles import (
    EXTENT,
    MARGIN,
    TileSource,
    mercator,
    tile_bounds,
    valid_tile,
)
from tests.factories.api import small_region


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    x, y = mercator(np.array([lon]), np.array([lat]))
    return int(x[0] * 2**z), int(y[0] * 2**z)


@pytest.mark.parametrize(("lon", "lat"), [(-92.3, 34.75), (0.0, 0.0), (151.2, -33.9)])
def test_a_point_lies_inside_the_bounds_of_its_tile(lon: float, lat: float) -> None:
    for z in (0, 5, 12, 17):
        x, y = _tile_of(lon, lat, z)
        west, south, east, north = tile_bounds(z, x, y)
        assert west <= lon <= east
        assert south <= lat <= north


def test_tile_numbers_must_exist_at_their_zoom() -> None:
    assert valid_tile(0, 0, 0)
    assert not valid_tile(0, 1, 0)
    assert valid_tile(12, 4095, 4095)
    assert not valid_tile(12, 4096, 0)
    assert not valid_tile(21, 0, 0)
    assert not valid_tile(3, -1, 0)


def test_every_road_point_in_a_tile_is_where_mercator_puts_it() -> None:
    region = small_region()
    source = TileSource(region)
    net = region.network
    seg = int(np.argmax(net.seg_length_m))  # a long road: several shape points
    lons, lats = net.segment_shape(seg)
    z = 16
    x, y = _tile_of(float(lons[0]), float(lats[0]), z)
    tile = json.loads(source.tile(z, x, y))
    mx, my = mercator(np.asarray(lons), np.asarray(lats))
    expected = ((mx * 2**z - x) * EXTENT, (my * 2**z - y) * EXTENT)
    first = (round(float(expected[0][0])), round(float(expected[1][0])))
    drawn = [(flat[i], flat[i + 1]) for _, _, flat in tile["roads"] for i in range(0, len(flat), 2)]
    assert any(math.dist(first, p) <= 3 for p in drawn), "the road's first point is drawn"
    lo, hi = -MARGIN, EXTENT + MARGIN
    assert all(lo <= px <= hi and lo <= py <= hi for px, py in drawn)


def test_tiles_are_built_once_and_served_from_memory() -> None:
    source = TileSource(small_region(), cache_size=2)
    first = source.tile(14, 3991, 6503)
    assert source.tile(14, 3991, 6503) is first
    source.tile(14, 3992, 6503)
    source.tile(14, 3993, 6503)  # the oldest is dropped
    assert source.tile(14, 3991, 6503) is not first
    assert source.tile(14, 3991, 6503) == first


def test_the_fingerprint_follows_the_roads() -> None:
    a = TileSource(small_region()).fingerprint
    assert a == TileSource(small_region()).fingerprint
    assert a.startswith("1-")
