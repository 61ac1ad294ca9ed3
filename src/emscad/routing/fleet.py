"""Travel times from a fleet to one incident, exact for the nearest units, fast on big maps.

Units parked at a station or post have a precomputed `Tree` (costs from there to every
junction), so their time is a lookup. Units on the move need a reverse search from the
incident, and a whole-map search costs tens of milliseconds on a large region. But a
dispatcher needs the nearest `need` units exactly, not the far side of the county: once
`need` parked units are known to arrive within T, no moving unit slower than T can enter the
top `need`, so the search stops at T. Without such parked units the search widens through
`bounds` until `need` units are found, and finally covers the whole map.

With `landmarks` (trees from elsewhere, e.g. every station's), each moving unit also gets a
lower bound on its time (Router.lower_bounds_to). The search then only has to reach the
moving units whose bound lets them compete, a little past their bound, and a unit whose
bound is slower than the `need`-th known time is out without being searched for. If a
bound was too loose to settle the ranking, a second search reaches the `need`-th time now
known, so the answer never depends on the bounds; only the time taken does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emscad.routing.graph import Mode
from emscad.routing.router import Router, Tree, TreeTo
from emscad.routing.snap import Snap

DEFAULT_BOUNDS_S = (600.0, 1800.0)
# How far past a lower bound the guided search reaches. On the benchmark region station
# trees bound a unit's time to 97 % of it at the median but to 72 % at worst, for units near
# the incident. With 1.3 a second search was needed for 2 of 60 incidents, and the guided
# searches settled 0.57 of the junctions the plain one did (1.1: 13 of 60, 0.60; 1.5: none,
# 0.62).
SLACK = 1.3


@dataclass(frozen=True, slots=True)
class FleetEtas:
    """`etas[i]` is exact when finite; infinity means "more than `bound_s`" (None: no bound).

    `tree` is the reverse search from the target that placed the moving units, if one ran:
    it can serve another group of units, or measure routes (routing.paths), with no new search.
    """

    etas: NDArray[np.float64]
    bound_s: float | None
    tree: TreeTo | None = None


def fleet_etas(
    router: Router,
    target: Snap,
    units: Sequence[Snap | Tree],
    *,
    need: int = 5,
    mode: Mode = Mode.LIGHTS_SIRENS,
    bounds: Sequence[float] = DEFAULT_BOUNDS_S,
    reuse: TreeTo | None = None,
    paths: bool = False,
    landmarks: Sequence[Tree] = (),
) -> FleetEtas:
    """ETAs of every unit to `target`; the `need` fastest (or all, if fewer) are always exact.

    `reuse` is an earlier reverse search from the same target; it is used again when its
    limit covers what this query needs. `paths` keeps the search's next-step pointers.
    """
    etas = np.full(len(units), np.inf)
    parked_at = [i for i, u in enumerate(units) if isinstance(u, Tree)]
    trees = [u for u in units if isinstance(u, Tree)]
    moving = [i for i, u in enumerate(units) if not isinstance(u, Tree)]
    positions = [u for u in units if not isinstance(u, Tree)]
    if any(t.mode is not mode for t in trees):
        raise ValueError("a tree was computed for another mode")
    etas[parked_at] = router.costs_via_trees(trees, target)
    need = min(need, len(units))
    if not moving:
        return FleetEtas(etas=etas, bound_s=None, tree=reuse)

    def search(limit: float | None) -> tuple[TreeTo, NDArray[np.float64]]:
        if reuse is not None and reuse.mode is mode and _covers(reuse.limit_s, limit):
            tree = reuse
        else:
            tree = router.tree_to(target, mode=mode, limit_s=limit, paths=paths)
        return tree, router.costs_to_tree(tree, positions)

    if reuse is not None and reuse.mode is mode:
        # An earlier search from the target (kept for the incident's next answer): if it
        # already reaches `need` units, they are the fastest, with no bounds to work out.
        kept = etas.copy()
        kept[moving] = router.costs_to_tree(reuse, positions)
        if reuse.limit_s is None or np.count_nonzero(kept <= reuse.limit_s) >= need:
            return FleetEtas(etas=kept, bound_s=reuse.limit_s, tree=reuse)
    if landmarks and need > 0:
        lower = router.lower_bounds_to(target, positions, landmarks)
        guided = _guided(etas, moving, lower, need=need, search=search)
        if guided is not None:
            return guided
    # Once `need` parked units are known, a moving unit only matters if it is faster.
    parked = np.sort(etas[np.isfinite(etas)])
    ladder: list[float | None] = (
        [_margin(float(parked[need - 1]))] if 0 < need <= len(parked) else [*bounds, None]
    )
    for bound in ladder:
        tree, etas[moving] = search(bound)
        # Every unit within the bound is known exactly, so if `need` of them are within it,
        # they are the `need` fastest.
        if bound is None or np.count_nonzero(etas <= bound) >= need:
            return FleetEtas(etas=etas, bound_s=_widened(bound, tree), tree=tree)
    raise AssertionError("the ladder ends with an unbounded search")  # pragma: no cover


def _guided(
    etas: NDArray[np.float64],
    moving: list[int],
    lower: NDArray[np.float64],
    *,
    need: int,
    search: Callable[[float | None], tuple[TreeTo, NDArray[np.float64]]],
) -> FleetEtas | None:
    """The search reaches only the moving units that can compete; None if that did not settle
    the `need` fastest (the caller then searches as if there were no bounds)."""
    parked = etas[np.isfinite(etas)]
    # If every bound is within SLACK of the truth, the `need`-th time is at most this.
    guess = float(np.sort(np.concatenate([parked, lower * SLACK]))[need - 1])
    if not np.isfinite(guess):
        return None  # fewer than `need` units can reach the target at all: no bound to use
    rivals = lower <= guess
    reach = min(guess, float(lower[rivals].max()) * SLACK) if rivals.any() else 0.0
    out = etas.copy()
    tree: TreeTo | None = None
    if reach > 0:
        reach = _margin(reach)
        tree, out[moving] = search(reach)
    known = np.sort(out[np.isfinite(out)])
    if len(known) < need:
        return None
    kth = float(known[need - 1])
    missing = ~np.isfinite(out[moving])
    # A unit not found is slower than the reach; one whose bound is slower than the `need`-th
    # known time cannot displace it either. Otherwise a bound was loose: the `need`-th known
    # time caps a second search, which settles every unit that can still compete.
    if kth > reach and not np.all(lower[missing] > _margin(kth)):
        reach = _margin(kth)
        tree, out[moving] = search(reach)
        kth = float(np.sort(out[np.isfinite(out)])[need - 1])
    return FleetEtas(etas=out, bound_s=_widened(max(kth, reach), tree), tree=tree)


def _widened(bound: float | None, tree: TreeTo | None) -> float | None:
    """The bound, or the limit of the tree that timed the moving units if it reached
    farther (a reused tree may): every unit within it is known exactly."""
    if tree is None or bound is None:
        return bound
    return None if tree.limit_s is None else max(bound, tree.limit_s)


def _margin(seconds: float) -> float:
    # Two searches add the same costs in different orders, so equal times can differ in
    # their last digits: a margin keeps ties on the safe side.
    return seconds * (1 + 1e-9) + 1e-6


def _covers(limit: float | None, bound: float | None) -> bool:
    return limit is None or (bound is not None and limit >= bound)
