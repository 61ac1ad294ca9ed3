"""Building a network from segments: lengths, times, one-way rules and the connected core."""

from __future__ import annotations

import numpy as np
import pytest

from emscad.geo import haversine_m
from emscad.regions.build import build_network
from emscad.regions.roads import RoadClass, lights_sirens_kph
from tests.factories.regions import LAT0, LON0, STEP, segments, square_region


def test_detached_and_dead_end_roads_are_dropped_and_reported() -> None:
    region = square_region()
    net = region.network
    assert net.n_nodes == 4
    assert net.n_segments == 4
    # three two-way segments and one one-way segment
    assert net.n_edges == 7
    assert region.manifest.dropped.nodes == 3
    assert region.manifest.dropped.segments == 2
    assert region.manifest.dropped.components == 3  # the square, E-F, and G alone
    assert region.manifest.dropped.edges == 3


def test_one_way_segment_has_only_its_forward_edge() -> None:
    net = square_region().network
    oak = [s for s in range(net.n_segments) if net.seg_oneway[s]]
    assert len(oak) == 1
    edges = np.flatnonzero(net.edge_seg == oak[0])
    assert len(edges) == 1
    e = edges[0]
    assert net.edge_forward[e]
    assert net.edge_src[e] == net.seg_u[oak[0]]


def test_lengths_are_great_circle_and_times_follow_speed() -> None:
    net = square_region().network
    expected = haversine_m(LON0, LAT0, LON0 + STEP, LAT0)
    first = int(np.flatnonzero((net.seg_u == 0) & (net.seg_v == 1))[0])
    assert net.seg_length_m[first] == pytest.approx(float(expected), rel=1e-6)
    e = int(np.flatnonzero(net.edge_seg == first)[0])
    assert net.edge_time_s[e] == pytest.approx(net.edge_length_m[e] / 10.0, rel=1e-6)  # 36 km/h
    ls = lights_sirens_kph(36.0, RoadClass.RESIDENTIAL, factor=1.25)
    expected_ls = net.edge_length_m[e] / (float(ls) / 3.6)
    assert net.edge_time_ls_s[e] == pytest.approx(expected_ls, rel=1e-6)


def test_lights_and_sirens_speed_is_capped_but_never_slower() -> None:
    fast = lights_sirens_kph(150.0, RoadClass.MOTORWAY, factor=1.25)
    assert float(fast) == 150.0
    capped = lights_sirens_kph(100.0, RoadClass.MOTORWAY, factor=1.5)
    assert float(capped) == pytest.approx(75 * 1.609344)
    assert float(lights_sirens_kph(40.0, RoadClass.RESIDENTIAL, factor=1.25)) == 50.0


def test_empty_input_gives_empty_network() -> None:
    spec = segments([], [])
    net, report = build_network([], [], spec, lights_sirens_factor=1.25)
    assert net.n_nodes == 0
    assert report.components == 0


def test_non_positive_speed_is_refused() -> None:
    spec = segments([(0, 0), (1, 0)], [(0, 1, False, "A St")], speed_kph=0.0)
    with pytest.raises(ValueError, match="positive speed"):
        build_network([LON0, LON0 + STEP], [LAT0, LAT0], spec, lights_sirens_factor=1.25)
