"""Intersections: from the road network's nodes, or estimated from address points alone."""

from __future__ import annotations

import numpy as np
import pytest

from emscad.geo import haversine_m
from emscad.geocoding import GeocodeIndex, MatchType
from emscad.geocoding.crossing import approximate_crossing
from emscad.regions.model import Region

CHESTER_7TH = (-92.3038387, 34.7485886)  # the node where W 7th St meets S Chester St


@pytest.mark.parametrize(
    "typed",
    [
        "W 7th St & S Chester St",
        "W 7th St and S Chester St",
        "S Chester St & W 7th St",
        "7th and Chester",
        "Chester and 7th",
        "7th / chester",
        "seventh & chester",
        "7th and Chestr",
    ],
)
def test_both_forms_and_both_orders_find_the_node(index: GeocodeIndex, typed: str) -> None:
    first = index.search(typed)[0]
    assert first.match_type is MatchType.INTERSECTION
    assert (first.lon, first.lat) == CHESTER_7TH
    assert {first.street, first.cross_street} == {"W 7th St", "S Chester St"}


def test_the_label_follows_the_typed_order(index: GeocodeIndex) -> None:
    assert index.search("Chester & 7th")[0].label == "S Chester St & W 7th St"


def test_a_street_does_not_cross_its_own_continuation(index: GeocodeIndex) -> None:
    for c in index.search("W 7th St & E 7th St", limit=10):
        assert not {c.street, c.cross_street} <= {"W 7th St", "E 7th St"}


def test_type_ahead_on_the_second_street(index: GeocodeIndex) -> None:
    first = index.search("W 7th St & S Ches")[0]
    assert (first.lon, first.lat) == CHESTER_7TH


def test_without_roads_the_corner_is_estimated_near_the_node(
    points_only: GeocodeIndex,
) -> None:
    first = points_only.search("7th and Chester")[0]
    assert first.match_type is MatchType.INTERSECTION
    assert float(haversine_m(first.lon, first.lat, *CHESTER_7TH)) < 40


def test_crossing_of_two_lines_of_houses_is_their_corner() -> None:
    # Houses 15 m either side of the x axis from x=20 m on, and of the y axis from y=20 m on.
    along = np.arange(20.0, 200.0, 20.0)
    ax = np.concatenate([along, along])
    ay = np.concatenate([np.full(len(along), 15.0), np.full(len(along), -15.0)])
    spot = approximate_crossing(ax, ay, ay.copy(), ax.copy(), max_gap_m=500)
    assert spot is not None
    assert np.hypot(spot[0], spot[1]) < 1.0
    assert spot[2] == pytest.approx(np.hypot(5.0, 5.0))


def test_streets_that_never_come_close_do_not_cross() -> None:
    xs = np.arange(0.0, 100.0, 10.0)
    assert approximate_crossing(xs, xs * 0, xs, xs * 0 + 2000, max_gap_m=500) is None


def test_every_node_crossing_is_reachable_by_name(city: Region, index: GeocodeIndex) -> None:
    net = city.network
    rng = np.random.default_rng(2)
    checked = 0
    for node in rng.permutation(net.n_nodes)[:400].tolist():
        at = (net.seg_u == node) | (net.seg_v == node)
        names = sorted({city.string(int(s)) for s in net.seg_name[at]} - {""})
        core = {n.split(" ", 1)[-1] for n in names}
        if len(names) < 2 or len(core) < 2:
            continue
        a, b = (
            names[0],
            next(n for n in names[1:] if n.split(" ", 1)[-1] != names[0].split(" ", 1)[-1]),
        )
        found = index.search(f"{a} & {b}", limit=10)
        assert any(
            float(haversine_m(c.lon, c.lat, net.node_lon[node], net.node_lat[node])) < 1
            for c in found
        ), (a, b)
        checked += 1
    assert checked > 20
