"""Snapping points to the nearest road and the position along it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from emscad.errors import InvalidInput
from emscad.geo import LocalPlane
from emscad.regions.model import RoadNetwork
from emscad.routing import OffMap, Snapper
from tests.factories.networks import random_network
from tests.factories.regions import LAT0, LON0, STEP, square_region


def _segment(net: RoadNetwork, u: int, v: int) -> int:
    hits = np.flatnonzero(
        ((net.seg_u == u) & (net.seg_v == v)) | ((net.seg_u == v) & (net.seg_v == u))
    )
    return int(hits[0])


def test_a_point_beside_a_road_snaps_to_it_with_its_position() -> None:
    net = square_region().network
    snap = Snapper(net).snap(LON0 + 0.25 * STEP, LAT0 - 0.0002, max_distance_m=100)
    seg = _segment(net, 0, 1)
    assert snap.seg == seg
    expected = 0.25 if net.seg_u[seg] == 0 else 0.75
    assert snap.fraction == pytest.approx(expected, abs=1e-3)
    assert snap.distance_m == pytest.approx(22.2, abs=0.5)  # 0.0002 degree of latitude
    assert snap.lat == pytest.approx(LAT0, abs=1e-7)


def test_a_point_on_an_intersection_snaps_the_same_way_every_time() -> None:
    snapper = Snapper(square_region().network)
    first = snapper.snap(LON0, LAT0, max_distance_m=100)
    assert first.distance_m == pytest.approx(0.0, abs=1e-6)
    for _ in range(5):
        assert snapper.snap(LON0, LAT0, max_distance_m=100) == first


def test_a_point_far_from_every_road_is_off_the_map() -> None:
    snapper = Snapper(square_region().network)
    with pytest.raises(OffMap, match=r"off the map: the nearest road is [\d,]+ m away"):
        snapper.snap(LON0 + 0.05, LAT0 + 0.05, max_distance_m=500)


def test_non_finite_coordinates_are_refused() -> None:
    with pytest.raises(InvalidInput, match="finite"):
        Snapper(square_region().network).snap(float("nan"), LAT0, max_distance_m=500)


def test_snap_many_agrees_with_brute_force() -> None:
    net = random_network(3)
    snapper = Snapper(net)
    rng = np.random.default_rng(0)
    lon = LON0 + rng.uniform(-0.5, 5.5, 200) * STEP
    lat = LAT0 + rng.uniform(-0.5, 5.5, 200) * STEP
    snaps = snapper.snap_many(lon, lat, max_distance_m=10_000)
    plane = LocalPlane(
        float((net.node_lon.min() + net.node_lon.max()) / 2),
        float((net.node_lat.min() + net.node_lat.max()) / 2),
    )
    lines = []
    for s in range(net.n_segments):
        x, y = plane.to_xy(*net.segment_shape(s))
        lines.append(shapely.LineString(np.column_stack([x, y])))
    for i, snap in enumerate(snaps):
        px, py = plane.to_xy(lon[i], lat[i])
        point = shapely.Point(float(px), float(py))
        distances = np.array([line.distance(point) for line in lines])
        assert snap.distance_m == pytest.approx(distances.min(), abs=1e-6)
        assert distances[snap.seg] == pytest.approx(distances.min(), abs=1e-6)
