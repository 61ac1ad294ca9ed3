"""Packed reverse trees: smaller while kept, the very same arrays when unpacked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emscad.routing import Mode, Router, Snap
from emscad.routing.packed import pack, unpack
from tests.factories.networks import positions, random_network

NETWORK = random_network(5, nodes=200, extra=80, subdivide=True)
ROUTER = Router(NETWORK)


@settings(max_examples=60, deadline=None)
@given(
    target=positions(NETWORK),
    limit=st.one_of(st.none(), st.floats(0.0, 400.0)),
    paths=st.booleans(),
)
def test_unpacking_gives_back_the_same_tree(target: Snap, limit: float | None, paths: bool) -> None:
    tree = ROUTER.tree_to(target, mode=Mode.LIGHTS_SIRENS, limit_s=limit, paths=paths)
    back = unpack(pack(tree))
    assert back.mode is tree.mode
    assert back.target == tree.target
    assert back.limit_s == tree.limit_s
    assert np.array_equal(back.costs, tree.costs)
    if paths:
        assert back.pred is not None
        assert tree.pred is not None
        assert back.pred.dtype == tree.pred.dtype
        assert np.array_equal(back.pred, tree.pred)
    else:
        assert back.pred is None


@pytest.mark.parametrize("paths", [True, False])
def test_a_bounded_tree_keeps_only_what_it_reached(paths: bool) -> None:
    target = Snap(seg=0, fraction=0.5, distance_m=0.0, lon=0.0, lat=0.0)
    whole = ROUTER.tree_to(target, limit_s=None, paths=paths)
    small = ROUTER.tree_to(target, limit_s=float(np.sort(whole.costs)[20]), paths=paths)
    reached = int(np.isfinite(small.costs).sum())
    assert reached < 0.6 * len(small.costs)
    packed = pack(small)
    assert packed.reached is not None
    assert len(packed.reached) == reached
    per_junction = 8 + 4 + (4 if paths else 0)
    assert packed.nbytes == reached * per_junction
    # A tree that reached most of the map is kept whole: indices would cost more.
    assert pack(whole).reached is None
    assert pack(whole).nbytes == whole.costs.nbytes + (whole.pred.nbytes if paths else 0)
