"""The synthetic city's address ranges, address points and places."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from emscad.regions.model import AddressSource, PlaceKind, Region
from emscad.regions.roads import RoadClass
from emscad.regions.synthetic import CityPlan, generate_region, plan_city
from emscad.regions.synthetic.names import number_words, ordinal

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
SEED, NODES = 3, 5_000
HIGHWAY = (RoadClass.MOTORWAY, RoadClass.MOTORWAY_LINK)


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


def _lines(region: Region, plan: CityPlan) -> NDArray[np.object_]:
    net = region.network
    x, y = plan.plane.to_xy(net.shape_lon, net.shape_lat)
    owner = np.repeat(np.arange(net.n_segments), np.diff(net.seg_shape_offsets))
    return np.asarray(shapely.linestrings(np.column_stack([x, y]), indices=owner))


def _unexplained_addresses(region: Region, plan: CityPlan) -> NDArray[np.intp]:
    """Address points with no segment that accounts for them.

    A segment accounts for a point when it lies within 25 m, has the same street name and
    ZIP, the point is on the side whose range holds its number with the right parity, and the
    point sits where interpolating that range puts the number.
    """
    net, addr = region.network, region.addresses
    lines = _lines(region, plan)
    ax, ay = plan.plane.to_xy(addr.lon, addr.lat)
    points = np.asarray(shapely.points(ax, ay))
    a, s = shapely.STRtree(lines).query(points, predicate="dwithin", distance=25.0)
    first = net.seg_shape_offsets[s]
    last = net.seg_shape_offsets[s + 1] - 1
    x, y = plan.plane.to_xy(net.shape_lon, net.shape_lat)
    cross = (x[last] - x[first]) * (ay[a] - y[first]) - (y[last] - y[first]) * (ax[a] - x[first])
    left = cross > 0
    frm = np.where(left, net.seg_left_from[s], net.seg_right_from[s]).astype(np.int64)
    to = np.where(left, net.seg_left_to[s], net.seg_right_to[s]).astype(np.int64)
    zips = np.where(left, net.seg_zip_left[s], net.seg_zip_right[s])
    number = addr.number[a].astype(np.int64)
    in_range = (number >= np.minimum(frm, to)) & (number <= np.maximum(frm, to))
    where = shapely.line_locate_point(lines[s], points[a], normalized=True)
    expected = np.where(to == frm, 0.5, (number - frm) / np.where(to == frm, 1, to - frm))
    ok = (
        (net.seg_name[s] == addr.street[a])
        & (zips == addr.zip[a])
        & (frm != 0)
        & in_range
        & (number % 2 == frm % 2)
        & (np.abs(where - expected) < 0.05)
    )
    explained = np.zeros(len(addr), bool)
    explained[a[ok]] = True
    return np.flatnonzero(~explained)


def test_every_address_point_sits_on_its_own_streets_range(city: Region, plan: CityPlan) -> None:
    assert len(_unexplained_addresses(city, plan)) == 0


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), nodes=st.integers(400, 1_500))
def test_any_seed_gives_addresses_that_sit_on_their_ranges(seed: int, nodes: int) -> None:
    region = _generate(seed, nodes)
    assert len(_unexplained_addresses(region, plan_city(seed, nodes))) == 0


def test_each_side_of_a_street_has_one_parity_throughout(city: Region, plan: CityPlan) -> None:
    net = city.network
    x, y = plan.plane.to_xy(net.node_lon, net.node_lat)
    dx = x[net.seg_v] - x[net.seg_u]
    dy = y[net.seg_v] - y[net.seg_u]
    even_sides: dict[str, set[str]] = defaultdict(set)
    for side, frm, to in (
        (1, net.seg_left_from, net.seg_left_to),
        (-1, net.seg_right_from, net.seg_right_to),
    ):
        has = frm != 0
        assert (frm[has] % 2 == to[has] % 2).all()
        # The compass side the even numbers are on: left of travel is (-dy, dx).
        nx, ny = -dy * side, dx * side
        compass = np.where(np.abs(nx) > np.abs(ny), np.where(nx > 0, "E", "W"), "")
        compass = np.where(np.abs(ny) >= np.abs(nx), np.where(ny > 0, "N", "S"), compass)
        for s in np.flatnonzero(has & (frm % 2 == 0)):
            even_sides[city.string(int(net.seg_name[s]))].add(str(compass[s]))
    both = (net.seg_left_from != 0) & (net.seg_right_from != 0)
    assert (net.seg_left_from[both] % 2 != net.seg_right_from[both] % 2).all()
    assert len(even_sides) > 50
    assert all(len(sides) == 1 for sides in even_sides.values()), even_sides


def test_numbers_grow_a_hundred_a_block_away_from_the_baselines(
    city: Region, plan: CityPlan
) -> None:
    net = city.network
    x, y = plan.plane.to_xy(net.node_lon, net.node_lat)
    names = [city.string(int(i)) for i in net.seg_name]
    checked = 0
    for s in np.flatnonzero((net.seg_left_from != 0) & (net.seg_class != RoadClass.RESIDENTIAL)):
        frm, to, name = int(net.seg_left_from[s]), int(net.seg_left_to[s]), names[s]
        if frm == to:
            continue
        u, v = net.seg_u[s], net.seg_v[s]
        rising_toward = {"W": x[u] - x[v], "E": x[v] - x[u], "S": y[u] - y[v], "N": y[v] - y[u]}
        assert (to > frm) == (rising_toward[name[0]] > 0), name
        checked += 1
    assert checked > 50
    # The block between the first and second streets east of Main St is the 100 block.
    west, east = float(plan.col_x[plan.c0 + 1]) - 10, float(plan.col_x[plan.c0 + 2]) + 10
    first_block = (
        (np.minimum(x[net.seg_u], x[net.seg_v]) > west)
        & (np.maximum(x[net.seg_u], x[net.seg_v]) < east)
        & np.array([n.startswith("E ") and n != "E Broadway" for n in names])
        & (net.seg_left_from != 0)
    )
    hundreds = np.minimum(net.seg_left_from, net.seg_left_to)[first_block] // 100
    assert set(hundreds.tolist()) == {1}


def test_highway_and_bridges_have_no_addresses(city: Region) -> None:
    net = city.network
    highway = np.isin(net.seg_class, HIGHWAY)
    assert (net.seg_left_from[highway] == 0).all()
    assert (net.seg_right_from[highway] == 0).all()
    assert (net.seg_zip_left[highway] == -1).all()


def test_address_points_have_full_columns_and_about_point_85_per_node(city: Region) -> None:
    addr = city.addresses
    assert 0.75 < len(addr) / city.network.n_nodes < 0.95
    assert (addr.source == AddressSource.GENERATED.code).all()
    housenumbers = [city.string(int(i)) for i in addr.housenumber]
    assert housenumbers == [str(int(n)) for n in addr.number]
    zips = {city.string(int(i)) for i in addr.zip}
    assert all(re.fullmatch(r"722\d\d", z) for z in zips)
    assert {city.string(int(i)) for i in addr.city} == {"Riverton", "North Riverton"}
    units = [city.string(int(i)) for i in addr.unit if i != -1]
    assert 0 < len(units) < 0.2 * len(addr)
    assert all(re.fullmatch(r"Apt \d|Unit [A-H]", u) for u in units)


def test_addresses_north_of_the_river_are_in_north_riverton(city: Region, plan: CityPlan) -> None:
    addr = city.addresses
    x, y = plan.plane.to_xy(addr.lon, addr.lat)
    north = plan.river.north_of(x, y)
    cities = np.array([city.string(int(i)) for i in addr.city])
    assert (cities[north] == "North Riverton").all()
    assert (cities[~north] == "Riverton").all()


def test_places_have_their_kinds_and_required_fields(city: Region) -> None:
    ids = [p.id for p in city.places]
    assert len(ids) == len(set(ids))
    stations = [p for p in city.places_of(PlaceKind.STATION) if p.category != "police"]
    police = [p for p in city.places_of(PlaceKind.STATION) if p.category == "police"]
    hospitals = city.places_of(PlaceKind.HOSPITAL)
    landmarks = city.places_of(PlaceKind.PLACE)
    assert len(stations) >= 3
    assert 1 <= len(police) <= 2
    assert all(p.capabilities == ("police",) for p in police)
    for i, station in enumerate(stations, start=1):
        assert station.id == f"station-{i}"
        assert station.name == f"Station {i}"
        assert f"Station {number_words(i)}" in station.aliases
        assert f"Medic {i}" in station.aliases
        assert station.category in {"ems", "fire"}
        assert "ems" in station.capabilities
    assert len(hospitals) >= 2
    general = next(h for h in hospitals if h.name == "Riverton General Hospital")
    assert {"trauma", "stroke", "stemi"} <= set(general.capabilities)
    assert all(h.aliases for h in hospitals)
    categories = {p.category for p in landmarks}
    assert {"school", "park", "government", "library", "stadium", "shopping"} <= categories
    assert all(p.aliases for p in landmarks)


def test_every_place_is_near_a_road_at_its_own_street_address(city: Region, plan: CityPlan) -> None:
    lines = _lines(city, plan)
    tree = shapely.STRtree(lines)
    known = {
        (int(n), city.string(int(s)))
        for n, s in zip(city.addresses.number, city.addresses.street, strict=True)
    }
    for place in city.places:
        x, y = plan.plane.to_xy(place.lon, place.lat)
        point = shapely.Point(float(x), float(y))
        assert len(tree.query(point, predicate="dwithin", distance=40.0)) > 0, place.name
        match = re.fullmatch(r"(\d+) (.+), (North Riverton|Riverton), AR (722\d\d)", place.address)
        assert match, place.address
        assert (int(match[1]), match[2]) in known, place.address


def test_bigger_cities_get_more_stations_and_hospitals() -> None:
    small = _generate(1, 1_500)
    big = _generate(1, 90_000)
    assert len(big.places_of(PlaceKind.STATION)) > 3 * len(small.places_of(PlaceKind.STATION))
    assert len(big.places_of(PlaceKind.HOSPITAL)) >= 2
    assert len(small.places_of(PlaceKind.HOSPITAL)) == 2


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (11, "11th"), (22, "22nd"), (113, "113th")]
)
def test_ordinals_read_as_street_names_do(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "One"), (12, "Twelve"), (40, "Forty"), (42, "Forty-Two"), (105, "One Hundred Five")],
)
def test_station_numbers_are_spelled_out_for_aliases(n: int, words: str) -> None:
    assert number_words(n) == words
