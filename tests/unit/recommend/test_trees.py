"""Recent incidents' reverse trees: the wider one is kept, the least recently used go."""

from __future__ import annotations

import numpy as np

from emscad.recommend.trees import TargetTrees
from emscad.routing import Mode, Router, Snap
from emscad.routing.packed import pack
from tests.factories.networks import random_network

NETWORK = random_network(5, nodes=200, extra=80, subdivide=True)
ROUTER = Router(NETWORK)


def _at(seg: int) -> Snap:
    return Snap(seg=seg, fraction=0.25, distance_m=0.0, lon=0.0, lat=0.0)


def test_a_kept_tree_is_given_back_for_its_target_and_mode_only() -> None:
    trees = TargetTrees()
    tree = ROUTER.tree_to(_at(3), limit_s=60.0, paths=True)
    trees.put(tree)
    got = trees.get(Mode.LIGHTS_SIRENS, _at(3))
    assert got is not None
    assert got.limit_s == 60.0
    assert np.array_equal(got.costs, tree.costs)
    assert trees.get(Mode.NORMAL, _at(3)) is None
    assert trees.get(Mode.LIGHTS_SIRENS, _at(4)) is None


def test_the_tree_that_reaches_farther_is_kept() -> None:
    trees = TargetTrees()
    trees.put(ROUTER.tree_to(_at(3), limit_s=60.0))
    trees.put(ROUTER.tree_to(_at(3), limit_s=30.0))  # narrower: ignored
    assert trees.get(Mode.LIGHTS_SIRENS, _at(3)).limit_s == 60.0  # type: ignore[union-attr]
    trees.put(ROUTER.tree_to(_at(3), limit_s=None))  # the whole map: replaces it
    assert trees.get(Mode.LIGHTS_SIRENS, _at(3)).limit_s is None  # type: ignore[union-attr]
    trees.put(ROUTER.tree_to(_at(3), limit_s=500.0))
    assert trees.get(Mode.LIGHTS_SIRENS, _at(3)).limit_s is None  # type: ignore[union-attr]
    assert len(trees) == 1


def test_the_least_recently_used_go_once_the_budget_is_spent() -> None:
    made = {seg: ROUTER.tree_to(_at(seg), limit_s=None) for seg in (1, 2, 3)}
    size = pack(made[1]).nbytes
    trees = TargetTrees(budget_bytes=2 * size)
    trees.put(made[1])
    trees.put(made[2])
    assert trees.get(Mode.LIGHTS_SIRENS, _at(1)) is not None  # 1 is now the most recent
    trees.put(made[3])
    assert trees.get(Mode.LIGHTS_SIRENS, _at(2)) is None
    assert trees.get(Mode.LIGHTS_SIRENS, _at(1)) is not None
    assert trees.get(Mode.LIGHTS_SIRENS, _at(3)) is not None
    assert trees.nbytes == 2 * size
    tiny = TargetTrees(budget_bytes=size - 1)
    tiny.put(made[1])  # larger than the whole budget: not kept
    assert len(tiny) == 0
    assert tiny.nbytes == 0
