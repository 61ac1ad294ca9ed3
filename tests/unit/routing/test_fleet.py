"""Fleet ETAs: the nearest units are exact however the search was bounded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emscad.routing import Mode, Router, Snap, Tree, TreeTo, fleet, fleet_etas
from tests.factories.networks import positions, random_network

NETWORK = random_network(11, nodes=64, extra=30, subdivide=True)
ROUTER = Router(NETWORK)


@settings(max_examples=200, deadline=None)
@given(
    target=positions(NETWORK),
    units=st.lists(st.tuples(positions(NETWORK), st.booleans()), min_size=1, max_size=12),
    need=st.integers(1, 6),
    bounds=st.lists(st.floats(1.0, 200.0), max_size=2).map(sorted),
    landmarks=st.lists(positions(NETWORK), max_size=5),
    kept=st.one_of(st.just(False), st.none(), st.floats(0.0, 80.0)),  # costs run to ~70 s
)
def test_the_fastest_units_are_exact(
    target: Snap,
    units: list[tuple[Snap, bool]],
    need: int,
    bounds: list[float],
    landmarks: list[Snap],
    kept: float | bool | None,
) -> None:
    """`kept`: the limit of an earlier search from the target handed in for reuse (None:
    the whole map), or False for none."""
    fleet: list[Snap | Tree] = [
        ROUTER.tree(pos, mode=Mode.LIGHTS_SIRENS) if parked else pos for pos, parked in units
    ]
    truth = ROUTER.travel_times_to(target, [pos for pos, _ in units], mode=Mode.LIGHTS_SIRENS)
    marks = [ROUTER.tree(pos, mode=Mode.LIGHTS_SIRENS) for pos in landmarks]
    reuse = None
    if kept is not False:
        limit = None if kept is None else float(kept)
        reuse = ROUTER.tree_to(target, mode=Mode.LIGHTS_SIRENS, limit_s=limit)
    got = fleet_etas(ROUTER, target, fleet, need=need, bounds=bounds, landmarks=marks, reuse=reuse)
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


def _far_pair() -> tuple[Snap, Snap, float]:
    """Two positions far apart by road, and the time between them."""
    snaps = [
        Snap(seg=s, fraction=0.5, distance_m=0, lon=0, lat=0) for s in range(NETWORK.n_segments)
    ]
    times = ROUTER.travel_times_to(snaps[0], snaps)
    far = int(np.argmax(np.where(np.isfinite(times), times, -1)))
    return snaps[far], snaps[0], float(times[far])


class CountingRouter(Router):
    searches = 0

    def tree_to(self, target: Snap, **kwargs: Any) -> TreeTo:
        self.searches += 1
        return super().tree_to(target, **kwargs)


def test_a_moving_unit_that_cannot_compete_is_not_searched_for() -> None:
    router = CountingRouter(NETWORK)
    moving, target, eta = _far_pair()
    parked = router.tree(target)  # a unit in quarters at the incident itself
    # A tree from the moving unit's own position bounds its time closely.
    marks = [router.tree(moving)]
    assert router.lower_bounds_to(target, [moving], marks)[0] > 0.5 * eta
    got = fleet_etas(router, target, [parked, moving], need=1, landmarks=marks)
    assert router.searches == 0
    assert got.tree is None
    assert got.etas[0] == pytest.approx(0.0, abs=1e-9)
    assert np.isinf(got.etas[1])
    assert got.bound_s is not None
    assert eta > got.bound_s
    fleet_etas(router, target, [parked, moving], need=1)  # without landmarks: a search
    assert router.searches == 1


def test_a_loose_bound_costs_a_second_search_not_a_wrong_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No slack: the first search stops at the bound, short of the unit's true time.
    monkeypatch.setattr(fleet, "SLACK", 1.0)
    router = CountingRouter(NETWORK)
    moving, target, eta = _far_pair()
    lower = router.lower_bounds_to(target, [moving], [router.tree(moving)])[0]
    assert 0 < lower < eta
    slower = router.tree(moving, limit_s=None)
    # A parked unit just slower than the moving one: to rank them the moving one must be exact.
    parked = Tree(mode=slower.mode, source=slower.source, costs=slower.costs + 1.0)
    got = fleet_etas(router, target, [parked, moving], need=1, landmarks=[router.tree(moving)])
    assert router.searches == 2
    assert got.etas[1] == pytest.approx(eta, rel=1e-9)
    assert got.etas[0] == pytest.approx(eta + 1.0, rel=1e-9)
