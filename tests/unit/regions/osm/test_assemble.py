"""Joining ways into segments: cuts at junctions, box edges and gaps; chains through plain nodes."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emscad.regions.osm.assemble import Assembly, RoadWay, assemble_roads, road_way
from emscad.regions.osm.elements import OsmWay
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool
from tests.unit.regions.osm.osmfile import lonlat

# node id -> grid position
POS: dict[int, tuple[float, float]] = {
    1: (0, 0),
    2: (1, 0),
    3: (2, 0),
    4: (1, 1),
    5: (1, -1),
    6: (3, 0),
    7: (4, 0),
    9: (9, 9),
}


def way(
    id: int,
    refs: list[int],
    *,
    name: str = "A St",
    oneway: bool = False,
    speed: float = 40.0,
    klass: RoadClass = RoadClass.RESIDENTIAL,
    zips: tuple[str, str] = ("", ""),
    missing: frozenset[int] = frozenset(),
) -> RoadWay:
    points = [lonlat(*POS[r]) if r not in missing else (math.nan, math.nan) for r in refs]
    return RoadWay(
        id=id,
        refs=tuple(refs),
        lon=tuple(p[0] for p in points),
        lat=tuple(p[1] for p in points),
        road_class=klass,
        name=name,
        oneway=oneway,
        speed_kph=speed,
        zip_left=zips[0],
        zip_right=zips[1],
    )


def run(*ways: RoadWay, bbox: tuple[float, float, float, float] | None = None) -> Assembly:
    return assemble_roads(ways, bbox=bbox, pool=StringPool())


def chains(result: Assembly) -> list[list[int]]:
    """Each segment as the OSM ids of its shape points (shapes keep every point)."""
    ids = {lonlat(*p): r for r, p in POS.items()}
    spec = result.segments
    out = []
    for s in range(len(spec.u)):
        a, b = spec.shape_offsets[s], spec.shape_offsets[s + 1]
        out.append([ids[(spec.shape_lon[i], spec.shape_lat[i])] for i in range(a, b)])
    return out


def test_a_way_is_cut_where_another_way_joins_it() -> None:
    result = run(way(1, [1, 2, 3]), way(2, [2, 4], name="B St"))
    assert sorted(chains(result)) == [[1, 2], [2, 3], [2, 4]]
    assert sorted(result.node_id.tolist()) == [1, 2, 3, 4]


def test_crossing_ways_are_cut_at_the_shared_node() -> None:
    result = run(way(1, [1, 2, 3]), way(2, [5, 2, 4], name="B St"))
    assert len(result.segments.u) == 4
    assert sorted(result.node_id.tolist()) == [1, 2, 3, 4, 5]


def test_ways_meeting_end_to_end_with_the_same_attributes_become_one_segment() -> None:
    result = run(way(1, [1, 2]), way(2, [2, 3]), way(3, [3, 6, 7]))
    assert chains(result) == [[1, 2, 3, 6, 7]]
    assert sorted(result.node_id.tolist()) == [1, 7]


@pytest.mark.parametrize(
    "change",
    [
        {"name": "B St"},
        {"speed": 50.0},
        {"klass": RoadClass.TERTIARY},
        {"oneway": True},
        {"zips": ("43215", "")},
    ],
)
def test_a_change_in_the_road_keeps_the_node_between_the_ways(change: dict[str, Any]) -> None:
    result = run(way(1, [1, 2]), way(2, [2, 3], **change))
    assert sorted(chains(result)) == [[1, 2], [2, 3]]


def test_two_way_roads_drawn_in_opposite_directions_are_joined() -> None:
    result = run(way(1, [1, 2]), way(2, [3, 2]))
    assert chains(result) in ([[1, 2, 3]], [[3, 2, 1]])


def test_zip_sides_follow_a_way_that_is_turned_around_to_join() -> None:
    pool = StringPool()
    ways = [way(1, [1, 2], zips=("L", "R")), way(2, [3, 2], zips=("R", "L"))]
    joined = assemble_roads(ways, bbox=None, pool=pool)
    assert chains(joined) == [[1, 2, 3]]
    strings = pool.freeze()
    spec = joined.segments
    assert (strings[spec.zip_left[0]], strings[spec.zip_right[0]]) == ("L", "R")
    apart = run(way(1, [1, 2], zips=("L", "R")), way(2, [3, 2], zips=("L", "R")))
    assert len(apart.segments.u) == 2


def test_one_way_chain_is_joined_in_driving_order() -> None:
    result = run(way(1, [2, 3], oneway=True), way(2, [1, 2], oneway=True))
    assert chains(result) == [[1, 2, 3]]
    assert result.segments.oneway.tolist() == [True]


def test_one_ways_meeting_head_on_stay_apart() -> None:
    result = run(way(1, [1, 2], oneway=True), way(2, [3, 2], oneway=True))
    assert sorted(chains(result)) == [[1, 2], [3, 2]]


def test_parallel_roads_between_the_same_nodes_stay_two_segments() -> None:
    result = run(way(1, [1, 4, 3]), way(2, [1, 5, 3]))
    assert sorted(chains(result)) == [[1, 4, 3], [1, 5, 3]]
    assert sorted(result.node_id.tolist()) == [1, 3]


def test_two_ways_closing_a_loop_keep_a_node_where_they_meet() -> None:
    # joining 1-4-3 and 3-5-1 at 3 would fold both into one loop at 1; osmnx keeps 3 too
    result = run(way(1, [1, 4, 3]), way(2, [3, 5, 1]))
    assert len(result.segments.u) == 2


def test_a_closed_way_on_its_own_is_one_loop() -> None:
    result = run(way(1, [1, 2, 4, 1]))
    assert chains(result) == [[1, 2, 4, 1]]
    assert result.segments.u.tolist() == result.segments.v.tolist()


def test_a_ring_of_joinable_ways_is_one_loop() -> None:
    result = run(way(1, [1, 2]), way(2, [2, 4]), way(3, [4, 1]))
    assert len(result.segments.u) == 1
    assert len(chains(result)[0]) == 4
    assert result.segments.u[0] == result.segments.v[0]


def test_a_way_that_crosses_itself_is_cut_at_the_crossing() -> None:
    result = run(way(1, [1, 2, 4, 5, 2, 3]))
    assert sorted(chains(result)) == [[1, 2], [2, 3], [2, 4, 5, 2]]


def test_a_repeated_node_adds_nothing() -> None:
    result = run(way(1, [1, 2, 2, 3]))
    assert chains(result) == [[1, 2, 3]]


def test_a_node_missing_from_the_file_splits_the_way() -> None:
    result = run(way(1, [1, 2, 3, 6, 7], missing=frozenset({3})))
    assert sorted(chains(result)) == [[1, 2], [6, 7]]


def test_the_box_keeps_only_the_parts_of_a_way_inside_it() -> None:
    west, south = lonlat(-0.5, -0.5)
    east, north = lonlat(2.5, 0.5)
    result = run(way(1, [1, 2, 3, 6, 7]), way(2, [9, 7]), bbox=(west, south, east, north))
    assert chains(result) == [[1, 2, 3]]


def test_no_ways_give_no_segments() -> None:
    result = run()
    assert len(result.segments.u) == 0
    assert len(result.node_lon) == 0


def test_segment_attributes_are_carried_into_the_arrays() -> None:
    pool = StringPool()
    result = assemble_roads(
        [way(1, [1, 2], name="Main St", speed=55.0, klass=RoadClass.PRIMARY, oneway=True)],
        bbox=None,
        pool=pool,
    )
    spec = result.segments
    assert pool.freeze()[int(spec.name[0])] == "Main St"
    assert spec.road_class.tolist() == [RoadClass.PRIMARY]
    assert spec.speed_kph.tolist() == [55.0]
    assert spec.oneway.tolist() == [True]
    np.testing.assert_array_equal(spec.zip_left, [-1])


def osm_way(tags: dict[str, str]) -> OsmWay:
    return OsmWay(id=5, tags=tags, refs=(1, 2, 3), lon=(0.0, 1.0, 2.0), lat=(0.0, 0.0, 0.0))


def test_reverse_one_way_runs_backwards_and_swaps_street_sides() -> None:
    tags = {
        "highway": "residential",
        "oneway": "-1",
        "tiger:zip_left": "11111",
        "tiger:zip_right": "22222",
        "ref": "CR 5",
    }
    road = road_way(osm_way(tags))
    assert road is not None
    assert road.refs == (3, 2, 1)
    assert road.lon == (2.0, 1.0, 0.0)
    assert road.oneway
    assert (road.zip_left, road.zip_right) == ("22222", "11111")
    assert road.name == "CR 5"


def test_way_an_ambulance_cannot_use_gives_no_road() -> None:
    assert road_way(osm_way({"highway": "footway"})) is None
    assert road_way(osm_way({"highway": "residential", "access": "no"})) is None


GRID = 5


def grid_way(id: int, walk: list[int], oneway: bool, name: str) -> RoadWay:
    points = [lonlat(r % GRID, r // GRID) for r in walk]
    return RoadWay(
        id=id,
        refs=tuple(walk),
        lon=tuple(p[0] for p in points),
        lat=tuple(p[1] for p in points),
        road_class=RoadClass.RESIDENTIAL,
        name=name,
        oneway=oneway,
        speed_kph=40.0,
    )


@st.composite
def grid_ways(draw: st.DrawFn) -> list[RoadWay]:
    """Random walks on a 5 x 5 grid of nodes, some one-way, under two names."""
    ways = []
    for id in range(draw(st.integers(1, 8))):
        node = draw(st.integers(0, GRID * GRID - 1))
        walk = [node]
        for _ in range(draw(st.integers(1, 6))):
            x, y = node % GRID, node // GRID
            steps = [(dx, dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
                     if 0 <= x + dx < GRID and 0 <= y + dy < GRID]  # fmt: skip
            dx, dy = draw(st.sampled_from(steps))
            node = (x + dx) + (y + dy) * GRID
            walk.append(node)
        ways.append(grid_way(id, walk, draw(st.booleans()), draw(st.sampled_from("AB"))))
    return ways


@settings(max_examples=200, deadline=None)
@given(grid_ways())
def test_joined_segments_cover_every_stretch_of_road_once(ways: list[RoadWay]) -> None:
    result = run(*ways)
    spec = result.segments
    ids = {lonlat(r % GRID, r // GRID): r for r in range(GRID * GRID)}
    shapes = []
    for s in range(len(spec.u)):
        a, b = spec.shape_offsets[s], spec.shape_offsets[s + 1]
        shapes.append([ids[(spec.shape_lon[i], spec.shape_lat[i])] for i in range(a, b)])

    def links(refs: list[int] | tuple[int, ...], oneway: bool) -> list[tuple[int, int]]:
        pairs = list(itertools.pairwise(refs))
        return [p if oneway else (min(p), max(p)) for p in pairs]

    expected = sorted(link for w in ways for link in links(w.refs, w.oneway))
    found = sorted(
        link for s, shape in enumerate(shapes) for link in links(shape, bool(spec.oneway[s]))
    )
    # every stretch once, one-way stretches still pointing the way they are driven
    assert found == expected
    endpoints = {r for shape in shapes for r in (shape[0], shape[-1])}
    assert set(result.node_id.tolist()) == endpoints
    for shape in shapes:
        # a node inside a segment's shape is nobody's end, and a plain interior point
        assert not set(shape[1:-1]) & endpoints
