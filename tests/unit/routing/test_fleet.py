"""Fleet ETAs: the nearest units are exact however the search was bounded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emscad.routing import Mode, Router, Snap, Tree, fleet_etas
from tests.factories.networks import positions, random_network

NETWORK = random_network(11, nodes=64, extra=30, subdivide=True)
ROUTER = Router(NETWORK)


@settings(max_examples=200, deadline=None)
@given(
    target=positions(NETWORK),
    units=st.lists(st.tuples(positions(NETWORK), st.booleans()), min_size=1, max_size=12),
    need=st.integers(1, 6),
    bounds=st.lists(st.floats(1.0, 200.0), max_size=2).map(sorted),
)
def test_the_fastest_units_are_exact(
    target: Snap, units: list[tuple[Snap, bool]], need: int, bounds: list[float]
) -> None:
    fleet: list[Snap | Tree] = [
        ROUTER.tree(pos, mode=Mode.LIGHTS_SIRENS) if parked else pos for pos, parked in units
    ]
    truth = ROUTER.travel_times_to(target, [pos for pos, _ in units], mode=Mode.LIGHTS_SIRENS)
    got = fleet_etas(ROUTER, target, fleet, need=need, bounds=bounds)
    fastest = np.argsort(truth, kind="stable")[: min(need, len(units))]
    for i in fastest:
        assert got.etas[i] == pytest.approx(truth[i], rel=1e-9, abs=1e-9)
    for i, eta in enumerate(got.etas):
        if np.isfinite(eta):
            assert eta == pytest.approx(truth[i], rel=1e-9, abs=1e-9)
        else:
            assert got.bound_s is not None
            assert truth[i] > got.bound_s


def test_parked_units_bound_the_search_of_moving_ones() -> None:
    a = Snap(seg=0, fraction=0.5, distance_m=0, lon=0, lat=0)
    b = Snap(seg=1, fraction=0.5, distance_m=0, lon=0, lat=0)
    tree = ROUTER.tree(a, mode=Mode.LIGHTS_SIRENS)
    result = fleet_etas(ROUTER, b, [tree, a], need=1)
    assert result.bound_s == pytest.approx(ROUTER.cost_via_tree(tree, b), abs=1e-5)


def test_a_tree_for_another_mode_is_refused() -> None:
    a = Snap(seg=0, fraction=0.5, distance_m=0, lon=0, lat=0)
    with pytest.raises(ValueError, match="another mode"):
        fleet_etas(ROUTER, a, [ROUTER.tree(a, mode=Mode.NORMAL)], mode=Mode.LIGHTS_SIRENS)
