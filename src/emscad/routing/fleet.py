"""Travel times from a fleet to one incident, exact for the nearest units, fast on big maps.

Units parked at a station or post have a precomputed `Tree` (costs from there to every
junction), so their time is a lookup. Units on the move need a reverse search from the
incident, and a whole-map search costs tens of milliseconds on a large region. But a
dispatcher needs the nearest `need` units exactly, not the far side of the county: once
`need` parked units are known to arrive within T, no moving unit slower than T can enter the
top `need`, so the search stops at T. Without such parked units the search widens through
`bounds` until `need` units are found, and finally covers the whole map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emscad.routing.graph import Mode
from emscad.routing.router import Router, Tree, TreeTo
from emscad.routing.snap import Snap

DEFAULT_BOUNDS_S = (600.0, 1800.0)


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

    parked = np.sort(etas[np.isfinite(etas)])
    # Once `need` parked units are known, a moving unit only matters if it is faster. The
    # margin keeps a moving unit that ties a parked one: the two searches add the same
    # costs in different orders, so equal times can differ in their last digits.
    ladder: list[float | None] = (
        [float(parked[need - 1]) * (1 + 1e-9) + 1e-6]
        if 0 < need <= len(parked)
        else [*bounds, None]
    )
    for bound in ladder:
        if reuse is not None and reuse.mode is mode and _covers(reuse.limit_s, bound):
            tree = reuse
        else:
            tree = router.tree_to(target, mode=mode, limit_s=bound, paths=paths)
        etas[moving] = router.costs_to_tree(tree, positions)
        # Every unit within the bound is known exactly, so if `need` of them are within it,
        # they are the `need` fastest.
        if bound is None or np.count_nonzero(etas <= bound) >= need:
            return FleetEtas(etas=etas, bound_s=bound, tree=tree)
    raise AssertionError("the ladder ends with an unbounded search")  # pragma: no cover


def _covers(limit: float | None, bound: float | None) -> bool:
    return limit is None or (bound is not None and limit >= bound)
