"""A reverse tree kept small while it waits to be used again.

A bounded search from an incident reaches a fraction of a big map (on the 200k-junction
benchmark region, 10 to 35 % in a typical recommendation), but its arrays span every
junction. Packed, a tree keeps only the junctions it reached; unpacking gives back the very
same arrays. A tree that reached most of the map stays whole: packing would not save.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emscad.routing.core import TreeTo
from emscad.routing.graph import Mode
from emscad.routing.snap import Snap

# What scipy's dijkstra leaves as the predecessor of a junction it did not reach.
NO_PRED = -9999
# Above this share of junctions reached, indices cost more than the unreached entries save.
_WHOLE = 0.6


@dataclass(frozen=True, eq=False)
class PackedTreeTo:
    mode: Mode
    target: Snap
    limit_s: float | None
    size: int  # junctions in the unpacked arrays
    reached: NDArray[np.int32] | None  # the junctions with a finite cost; None: all are kept
    costs: NDArray[np.float64]  # their costs
    pred: NDArray[np.int32] | None  # their next steps, if the tree kept them

    @property
    def nbytes(self) -> int:
        arrays = (self.reached, self.costs, self.pred)
        return sum(a.nbytes for a in arrays if a is not None)


def pack(tree: TreeTo) -> PackedTreeTo:
    finite = np.isfinite(tree.costs)
    reached = None
    costs, pred = tree.costs, tree.pred
    if np.count_nonzero(finite) <= _WHOLE * len(finite):
        reached = np.flatnonzero(finite).astype(np.int32)
        costs = costs[reached]
        pred = None if pred is None else pred[reached]
    return PackedTreeTo(
        mode=tree.mode,
        target=tree.target,
        limit_s=tree.limit_s,
        size=len(tree.costs),
        reached=reached,
        costs=costs,
        pred=pred,
    )


def unpack(packed: PackedTreeTo) -> TreeTo:
    if packed.reached is None:
        costs, pred = packed.costs, packed.pred
    else:
        costs = np.full(packed.size, np.inf)
        costs[packed.reached] = packed.costs
        pred = None
        if packed.pred is not None:
            pred = np.full(packed.size, NO_PRED, dtype=np.int32)
            pred[packed.reached] = packed.pred
    return TreeTo(
        mode=packed.mode, target=packed.target, costs=costs, limit_s=packed.limit_s, pred=pred
    )
