"""The router against a reference Dijkstra (networkx) on graphs with the query points spliced in."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emscad.routing import Mode, Router, Snap, Snapper
from tests.factories.networks import positions, random_network, reference_costs
from tests.factories.regions import LAT0, LON0, STEP, square_region

NETWORKS = {seed: random_network(seed, subdivide=seed % 2 == 1) for seed in range(8)}
ROUTERS = {seed: Router(net) for seed, net in NETWORKS.items()}


def _close(a: float, b: float) -> bool:
    if np.isinf(a) or np.isinf(b):
        return bool(np.isinf(a) and np.isinf(b))
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@st.composite
def query(draw: st.DrawFn) -> tuple[int, Mode, Snap, list[Snap]]:
    seed = draw(st.sampled_from(sorted(NETWORKS)))
    net = NETWORKS[seed]
    mode = draw(st.sampled_from(list(Mode)))
    source = draw(positions(net))
    targets = draw(st.lists(positions(net), min_size=1, max_size=8))
    return seed, mode, source, targets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query())
def test_one_to_many_matches_reference(q: tuple[int, Mode, Snap, list[Snap]]) -> None:
    seed, mode, source, targets = q
    got = ROUTERS[seed].travel_times_from(source, targets, mode=mode)
    want = reference_costs(NETWORKS[seed], mode, source, targets)
    assert all(_close(g, w) for g, w in zip(got, want, strict=True)), (got, want)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query())
def test_many_to_one_matches_reference(q: tuple[int, Mode, Snap, list[Snap]]) -> None:
    seed, mode, target, sources = q
    got = ROUTERS[seed].travel_times_to(target, sources, mode=mode)
    want = [reference_costs(NETWORKS[seed], mode, s, [target])[0] for s in sources]
    assert all(_close(g, w) for g, w in zip(got, want, strict=True)), (got, want)


@settings(max_examples=150, deadline=None)
@given(query(), st.floats(0.0, 600.0))
def test_a_limited_search_is_exact_within_the_limit(
    q: tuple[int, Mode, Snap, list[Snap]], limit: float
) -> None:
    seed, mode, target, sources = q
    router = ROUTERS[seed]
    full = router.travel_times_to(target, sources, mode=mode)
    bounded = router.travel_times_to(target, sources, mode=mode, limit_s=limit)
    for f, b in zip(full, bounded, strict=True):
        if f <= limit:
            assert _close(b, f)
        else:
            assert np.isinf(b)


@settings(max_examples=200, deadline=None)
@given(query())
def test_route_cost_length_and_times_agree(q: tuple[int, Mode, Snap, list[Snap]]) -> None:
    seed, mode, source, targets = q
    router, net = ROUTERS[seed], NETWORKS[seed]
    target = targets[0]
    expected = router.travel_times_from(source, [target], mode=mode)[0]
    if np.isinf(expected):
        with pytest.raises(ValueError, match="cannot be reached"):
            router.route(source, target, mode=mode)
        return
    route = router.route(source, target, mode=mode)
    assert _close(route.cost, expected)
    along = {
        Mode.NORMAL: route.seconds,
        Mode.LIGHTS_SIRENS: route.lights_sirens_seconds,
        Mode.DISTANCE: route.meters,
    }[mode]
    assert abs(along - expected) <= 1e-6 * max(1.0, expected)
    # consecutive edges join up
    for a, b in zip(route.edges, route.edges[1:], strict=False):
        assert net.edge_dst[a] == net.edge_src[b]
    assert len(route.lon) == len(route.lat) >= 2


@settings(max_examples=100, deadline=None)
@given(query())
def test_tree_lookup_equals_direct_query(q: tuple[int, Mode, Snap, list[Snap]]) -> None:
    seed, mode, source, targets = q
    router = ROUTERS[seed]
    tree = router.tree(source, mode=mode)
    for target in targets:
        want = reference_costs(NETWORKS[seed], mode, source, [target])[0]
        assert _close(router.cost_via_tree(tree, target), want)


def test_one_way_road_is_not_driven_backwards() -> None:
    net = square_region().network
    router = Router(net)
    oak = int(np.flatnonzero(net.seg_oneway)[0])  # B -> C
    near_b = Snap(seg=oak, fraction=0.1, distance_m=0, lon=0, lat=0)
    near_c = Snap(seg=oak, fraction=0.9, distance_m=0, lon=0, lat=0)
    forward = router.travel_times_from(near_b, [near_c], mode=Mode.DISTANCE)[0]
    backward = router.travel_times_from(near_c, [near_b], mode=Mode.DISTANCE)[0]
    length = float(net.seg_length_m[oak])
    assert forward == pytest.approx(0.8 * length)
    # C -> D -> A -> B around the block, then 10 % of the way up Oak St
    assert backward > 2.5 * length


def test_route_shape_starts_and_ends_at_the_snapped_points() -> None:
    region = square_region()
    snapper = Snapper(region.network)
    router = Router(region.network)
    a = snapper.snap(LON0 + 0.5 * STEP, LAT0 - 0.0001, max_distance_m=100)
    b = snapper.snap(LON0 + 0.5 * STEP, LAT0 + STEP + 0.0001, max_distance_m=100)
    route = router.route(a, b, mode=Mode.LIGHTS_SIRENS)
    assert (route.lon[0], route.lat[0]) == pytest.approx((a.lon, a.lat), abs=1e-7)
    assert (route.lon[-1], route.lat[-1]) == pytest.approx((b.lon, b.lat), abs=1e-7)
    assert route.lights_sirens_seconds < route.seconds


@settings(max_examples=100, deadline=None)
@given(query())
def test_trees_to_a_target_equal_the_reference(q: tuple[int, Mode, Snap, list[Snap]]) -> None:
    seed, mode, target, sources = q
    router = ROUTERS[seed]
    tree = router.tree_to(target, mode=mode)
    got = router.costs_via_trees_to([tree], sources[0])[0]
    want = reference_costs(NETWORKS[seed], mode, sources[0], [target])[0]
    assert _close(float(got), want)


@settings(max_examples=100, deadline=None)
@given(query())
def test_a_route_limited_just_above_its_cost_is_the_same_route(
    q: tuple[int, Mode, Snap, list[Snap]],
) -> None:
    seed, mode, source, targets = q
    router = ROUTERS[seed]
    cost = router.travel_times_from(source, [targets[0]], mode=mode)[0]
    if not np.isfinite(cost):
        return
    full = router.route(source, targets[0], mode=mode)
    bounded = router.route(source, targets[0], mode=mode, limit_s=cost * (1 + 1e-9) + 1e-6)
    assert _close(bounded.cost, full.cost)
    if cost > 1e-3:
        with pytest.raises(ValueError, match="cannot be reached"):
            router.route(source, targets[0], mode=mode, limit_s=cost * 0.5)


@settings(max_examples=200, deadline=None)
@given(query())
def test_metres_from_a_reverse_tree_equal_the_route_length(
    q: tuple[int, Mode, Snap, list[Snap]],
) -> None:
    seed, mode, target, sources = q
    router = ROUTERS[seed]
    tree = router.tree_to(target, mode=mode, paths=True)
    for source in sources:
        cost = router.costs_to_tree(tree, [source])[0]
        metres = router.meters_via_tree_to(tree, source)
        if not np.isfinite(cost):
            assert metres is None
            continue
        route = router.route(source, target, mode=mode)
        assert metres is not None
        assert abs(metres - route.meters) <= 1e-6 * max(1.0, route.meters)


def test_a_limited_tree_has_no_metres_beyond_its_limit() -> None:
    router = ROUTERS[0]
    net = NETWORKS[0]
    target = Snap(seg=0, fraction=0.5, distance_m=0, lon=0, lat=0)
    far = Snap(seg=net.n_segments - 1, fraction=0.5, distance_m=0, lon=0, lat=0)
    cost = router.travel_times_to(target, [far], mode=Mode.DISTANCE)[0]
    tree = router.tree_to(target, mode=Mode.DISTANCE, limit_s=cost / 2, paths=True)
    assert router.meters_via_tree_to(tree, far) is None
    assert np.isinf(router.costs_to_tree(tree, [far])[0])
    with pytest.raises(ValueError, match="without paths"):
        router.meters_via_tree_to(router.tree_to(target), far)


@settings(max_examples=200, deadline=None)
@given(query())
def test_metres_from_a_tree_equal_the_route_length(
    q: tuple[int, Mode, Snap, list[Snap]],
) -> None:
    seed, mode, source, targets = q
    router = ROUTERS[seed]
    tree = router.tree(source, mode=mode, paths=True)
    for target in targets:
        cost = router.cost_via_tree(tree, target)
        metres = router.meters_via_tree(tree, target)
        if not np.isfinite(cost):
            assert metres is None
            continue
        route = router.route(source, target, mode=mode)
        assert metres is not None
        assert abs(metres - route.meters) <= 1e-6 * max(1.0, route.meters)


def test_a_limited_forward_tree_has_no_metres_beyond_its_limit() -> None:
    router = ROUTERS[0]
    net = NETWORKS[0]
    source = Snap(seg=0, fraction=0.5, distance_m=0, lon=0, lat=0)
    far = Snap(seg=net.n_segments - 1, fraction=0.5, distance_m=0, lon=0, lat=0)
    cost = router.travel_times_from(source, [far], mode=Mode.DISTANCE)[0]
    tree = router.tree(source, mode=Mode.DISTANCE, limit_s=cost / 2, paths=True)
    assert router.meters_via_tree(tree, far) is None
    assert router.meters_via_tree(tree, source) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="without paths"):
        router.meters_via_tree(router.tree(source), far)


def test_a_pair_of_junctions_without_an_edge_has_no_chain() -> None:
    router = ROUTERS[0]
    router.warm(Mode.NORMAL)
    graph = router._graph(Mode.NORMAL, reverse=False)
    row = graph.matrix.indptr
    u = 0
    neighbours = set(graph.matrix.indices[row[u] : row[u + 1]].tolist())
    stranger = next(v for v in range(graph.n_nodes) if v not in neighbours and v != u)
    first = int(graph.matrix.indices[row[u]])
    assert graph.chains_between(np.array([u]), np.array([first]))[0] == graph.chain_between(
        u, first
    )
    with pytest.raises(KeyError):
        graph.chains_between(np.array([u]), np.array([stranger]))


@settings(max_examples=150, deadline=None)
@given(query(), st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
def test_lower_bounds_from_landmarks_never_exceed_the_true_cost(
    q: tuple[int, Mode, Snap, list[Snap]], picks: list[int]
) -> None:
    seed, mode, target, sources = q
    router = ROUTERS[seed]
    net = NETWORKS[seed]
    marks = [
        router.tree(
            Snap(seg=p % net.n_segments, fraction=0.3, distance_m=0, lon=0, lat=0), mode=mode
        )
        for p in picks
    ]
    truth = router.travel_times_to(target, sources, mode=mode)
    lower = router.lower_bounds_to(target, sources, marks)
    assert np.all(lower >= 0)
    assert np.all(lower <= truth * (1 + 1e-9) + 1e-9), (lower, truth)


def test_landmarks_behind_a_source_bound_it_closely() -> None:
    # Trees from many places: for most pairs some place lies behind the source, on the way
    # to the target, and the bound is then near the truth.
    router = ROUTERS[2]
    net = NETWORKS[2]
    rng = np.random.default_rng(5)
    marks = [
        router.tree(Snap(seg=int(s), fraction=0.5, distance_m=0, lon=0, lat=0))
        for s in rng.choice(net.n_segments, 20, replace=False)
    ]
    ratios = []
    for _ in range(40):
        a, b = rng.choice(net.n_segments, 2, replace=False)
        source = Snap(seg=int(a), fraction=0.4, distance_m=0, lon=0, lat=0)
        target = Snap(seg=int(b), fraction=0.6, distance_m=0, lon=0, lat=0)
        truth = router.travel_times_to(target, [source])[0]
        if np.isfinite(truth) and truth > 0:
            ratios.append(router.lower_bounds_to(target, [source], marks)[0] / truth)
    assert len(ratios) > 20
    assert float(np.median(ratios)) > 0.5


def test_limited_landmarks_and_mixed_modes_are_handled() -> None:
    router = ROUTERS[0]
    a = Snap(seg=0, fraction=0.5, distance_m=0, lon=0, lat=0)
    b = Snap(seg=1, fraction=0.5, distance_m=0, lon=0, lat=0)
    limited = router.tree(a, limit_s=1.0)
    assert router.lower_bounds_to(b, [a], [limited]).tolist() == [0.0]
    assert router.lower_bounds_to(b, [], [router.tree(a)]).tolist() == []
    with pytest.raises(ValueError, match="different modes"):
        router.lower_bounds_to(b, [a], [router.tree(a), router.tree(a, mode=Mode.NORMAL)])
