"""The synthetic city's roads: connectivity, grid, highway, river, one-way streets, courts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from emscad.regions.model import Bool, Region, RoadNetwork
from emscad.regions.roads import RoadClass
from emscad.regions.synthetic import CityPlan, generate_region, plan_city

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
SEED, NODES = 7, 4_000
HIGHWAY = (RoadClass.MOTORWAY, RoadClass.MOTORWAY_LINK)
ARTERIALS = (RoadClass.PRIMARY, RoadClass.SECONDARY)


def _generate(seed: int, nodes: int) -> Region:
    return generate_region(
        "riverton", seed=seed, nodes=nodes, lights_sirens_factor=1.25, created_at=CREATED
    )


@pytest.fixture(scope="module")
def city() -> Region:
    return _generate(SEED, NODES)


@pytest.fixture(scope="module")
def plan() -> CityPlan:
    return plan_city(SEED, NODES)


def _names(region: Region) -> list[str]:
    return [region.string(int(i)) for i in region.network.seg_name]


def _strong_components(net: RoadNetwork) -> int:
    n = net.n_nodes
    graph = sp.csr_matrix((np.ones(net.n_edges), (net.edge_src, net.edge_dst)), shape=(n, n))
    count, _ = connected_components(graph, directed=True, connection="strong")
    return int(count)


def _undirected_degree(net: RoadNetwork) -> NDArray[np.int64]:
    pairs = np.unique(np.sort(np.column_stack([net.seg_u, net.seg_v]), axis=1), axis=0)
    return np.bincount(pairs.ravel(), minlength=net.n_nodes)


def _wet_segments(region: Region, plan: CityPlan) -> Bool:
    """Segments any part of whose shape lies in the river (sampled every few metres)."""
    net = region.network
    x, y = plan.plane.to_xy(net.shape_lon, net.shape_lat)
    owner = np.repeat(np.arange(net.n_segments), np.diff(net.seg_shape_offsets))
    piece = np.flatnonzero(owner[:-1] == owner[1:])
    t = np.linspace(0.0, 1.0, 41)[None, :]
    px = x[piece][:, None] + t * (x[piece + 1] - x[piece])[:, None]
    py = y[piece][:, None] + t * (y[piece + 1] - y[piece])[:, None]
    wet_piece = plan.river.water(px, py).any(axis=1)
    wet = np.zeros(net.n_segments, bool)
    wet[owner[piece[wet_piece]]] = True
    return wet


def _check_network(region: Region, plan: CityPlan) -> None:
    net = region.network
    assert _strong_components(net) == 1
    assert region.manifest.dropped.nodes <= 0.01 * net.n_nodes
    wet = _wet_segments(region, plan)
    bridges = np.flatnonzero(wet)
    assert len(bridges) >= 2
    assert np.isin(net.seg_class[bridges], ARTERIALS).all()
    assert not net.seg_oneway[bridges].any()


def test_network_is_one_strongly_connected_whole_with_little_dropped(
    city: Region, plan: CityPlan
) -> None:
    _check_network(city, plan)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), nodes=st.integers(400, 1_500))
def test_any_seed_gives_a_connected_city_bridged_over_its_river(seed: int, nodes: int) -> None:
    _check_network(_generate(seed, nodes), plan_city(seed, nodes))


def test_only_bridges_cross_the_river_and_they_are_named_arterials(
    city: Region, plan: CityPlan
) -> None:
    net = city.network
    wet = _wet_segments(city, plan)
    names = _names(city)
    assert all(re.fullmatch(r"N .+ (St|Ave|Blvd|Rd)", names[s]) for s in np.flatnonzero(wet))
    # Streets stop at the banks: plenty of dead ends and T-junctions near the water, and the
    # river really divides the city (nodes on both sides).
    x, y = plan.plane.to_xy(net.node_lon, net.node_lat)
    north = plan.river.north_of(x, y)
    assert 0.1 < north.mean() < 0.4


def test_highway_has_one_way_carriageways_both_ways(city: Region, plan: CityPlan) -> None:
    net = city.network
    motorway = np.flatnonzero(net.seg_class == RoadClass.MOTORWAY)
    assert len(motorway) >= 2
    assert net.seg_oneway[motorway].all()
    assert {_names(city)[s] for s in motorway} == {"I-630"}
    x, _ = plan.plane.to_xy(net.node_lon, net.node_lat)
    heading = np.sign(x[net.seg_v[motorway]] - x[net.seg_u[motorway]])
    assert set(heading.tolist()) == {-1.0, 1.0}


def test_highway_reaches_the_streets_only_through_one_way_ramps(city: Region) -> None:
    net = city.network
    klass = net.seg_class
    links = np.flatnonzero(klass == RoadClass.MOTORWAY_LINK)
    assert len(links) >= 4
    assert net.seg_oneway[links].all()
    on_motorway = np.zeros(net.n_nodes, bool)
    for s in np.flatnonzero(klass == RoadClass.MOTORWAY):
        on_motorway[net.seg_u[s]] = on_motorway[net.seg_v[s]] = True
    touching = on_motorway[net.seg_u] | on_motorway[net.seg_v]
    assert np.isin(klass[touching], HIGHWAY).all()
    # Each ramp joins the highway to a street, never to another ramp's street end directly.
    ends = on_motorway[net.seg_u[links]].astype(int) + on_motorway[net.seg_v[links]]
    assert (ends == 1).all()


def test_streets_cross_the_highway_without_meeting_it(city: Region, plan: CityPlan) -> None:
    net = city.network
    _, y = plan.plane.to_xy(net.node_lon, net.node_lat)
    hy = plan.highway_y
    streets = ~np.isin(net.seg_class, HIGHWAY)
    lo = np.minimum(y[net.seg_u], y[net.seg_v])
    hi = np.maximum(y[net.seg_u], y[net.seg_v])
    overpasses = streets & (lo < hy) & (hi > hy)
    assert overpasses.sum() >= 2  # arterials (and some streets) pass over it on bridges


def test_one_way_streets_include_a_downtown_couplet(city: Region, plan: CityPlan) -> None:
    net = city.network
    names = _names(city)
    street_oneway = net.seg_oneway & ~np.isin(net.seg_class, HIGHWAY)
    assert street_oneway.sum() >= 10
    _, y = plan.plane.to_xy(net.node_lon, net.node_lat)
    for street, sign in (("S Scott St", -1.0), ("S Cumberland St", 1.0)):
        segs = [s for s in np.flatnonzero(street_oneway) if names[s] == street]
        assert len(segs) >= 3, street
        heading = np.sign(y[net.seg_v[segs]] - y[net.seg_u[segs]])
        assert (heading == sign).all(), street
    one_way_rows = {names[s] for s in np.flatnonzero(street_oneway)} - {
        "S Scott St",
        "N Scott St",
        "S Cumberland St",
        "N Cumberland St",
    }
    assert one_way_rows  # a few more one-way streets besides the couplet


def test_cul_de_sacs_end_in_dead_ends_some_named_courts(city: Region) -> None:
    net = city.network
    degree = _undirected_degree(net)
    dead_ends = degree == 1
    assert dead_ends.sum() >= 20
    names = _names(city)
    court = np.array([bool(re.search(r" (Ct|Cir|Cv)$", n)) for n in names])
    assert court.sum() >= 5
    assert (dead_ends[net.seg_u[court]] | dead_ends[net.seg_v[court]]).all()
    assert not net.seg_oneway[court].any()


def test_grid_has_hundred_metre_blocks_ordinal_and_named_streets(city: Region) -> None:
    net = city.network
    residential = net.seg_class == RoadClass.RESIDENTIAL
    assert 95.0 < float(np.median(net.seg_length_m[residential])) < 135.0
    names = set(_names(city))
    assert {"N Main St", "S Main St", "W Broadway", "E Broadway"} <= names
    assert {"W 1st St", "E 1st St", "W 2nd St", "E 3rd St"} <= names
    assert any(re.fullmatch(r"[NS] .+ (Ave|Blvd|Rd)", n) for n in names)
    ordinals = {n for n in names if re.fullmatch(r"[WE] \d+(st|nd|rd|th) St", n)}
    north_south = {n for n in names if re.fullmatch(r"[NS] .+", n)}
    assert len(ordinals) >= 20
    assert len(north_south) >= 40


@pytest.mark.parametrize(("seed", "nodes"), [(0, 400), (5, 1_500), (9, 20_000)])
def test_downtown_always_has_the_corner_of_w_7th_st_and_s_chester_st(seed: int, nodes: int) -> None:
    region = _generate(seed, nodes)
    net = region.network
    names = np.array(_names(region))

    def nodes_of(street: str) -> set[int]:
        on = names == street
        return set(net.seg_u[on].tolist()) | set(net.seg_v[on].tolist())

    assert nodes_of("W 7th St") & nodes_of("S Chester St")
    assert nodes_of("S Main St") & nodes_of("W Broadway") & nodes_of("E Broadway")


def test_arterials_are_faster_than_residential_streets(city: Region) -> None:
    net = city.network
    speed = net.edge_length_m / np.maximum(net.edge_time_s, 1e-9)
    klass = net.seg_class[net.edge_seg]
    residential = np.median(speed[klass == RoadClass.RESIDENTIAL])
    for faster in (*ARTERIALS, RoadClass.MOTORWAY):
        assert np.median(speed[klass == faster]) > residential
    assert (net.edge_time_ls_s <= net.edge_time_s).all()


def test_about_a_fifteenth_of_street_blocks_are_missing(plan: CityPlan, city: Region) -> None:
    # The full grid would have (nx - 1) ny + nx (ny - 1) blocks; the river, the highway
    # corridor and the random gaps take some, cul-de-sacs and split blocks add a few.
    full = (plan.nx - 1) * plan.ny + plan.nx * (plan.ny - 1)
    streets = ~np.isin(city.network.seg_class, HIGHWAY)
    assert 0.8 * full < streets.sum() < full
