"""Travel times and routes over a region's roads, counting the partial roads at both ends.

Positions are `Snap`s: a point part-way along a segment. A position lies on the segment's
forward edge and, unless the road is one-way, on its backward edge; each edge lies on a
chain between two junctions (chains.py). From a position you drive to the end junction of
such a chain, paying what is left of it; you arrive at a position from the chain's start
junction, paying the chain up to it. Between junctions scipy's Dijkstra runs on a CSR graph.

Many-to-one queries (every unit to one incident) search the reversed graph once from the
incident. `limit_s` bounds a search: every answer at or under the limit is exact, those
over it come back as infinity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emscad.routing.core import F64, Tree, TreeTo, _apply_limit, _direct_many, _remaining
from emscad.routing.graph import Mode
from emscad.routing.paths import PathsMixin, Route
from emscad.routing.snap import Snap


class Router(PathsMixin):
    """Shortest paths on one region's network. Safe to share between threads."""

    # -- queries ---------------------------------------------------------------------------

    def travel_times_to(
        self,
        target: Snap,
        sources: Sequence[Snap],
        *,
        mode: Mode = Mode.LIGHTS_SIRENS,
        limit_s: float | None = None,
    ) -> F64:
        """Cost from each source to the target (many-to-one), e.g. every unit to an incident."""
        tree = self.tree_to(target, mode=mode, limit_s=limit_s)
        return _apply_limit(self.costs_to_tree(tree, sources), limit_s)

    def travel_times_from(
        self,
        source: Snap,
        targets: Sequence[Snap],
        *,
        mode: Mode = Mode.LIGHTS_SIRENS,
        limit_s: float | None = None,
    ) -> F64:
        """Cost from the source to each target (one-to-many), e.g. a unit to every hospital."""
        tree = self.tree(source, mode=mode, limit_s=limit_s)
        out = np.array([self.cost_via_tree(tree, t) for t in targets], dtype=np.float64)
        return _apply_limit(out, limit_s)

    def tree(
        self,
        source: Snap,
        *,
        mode: Mode = Mode.LIGHTS_SIRENS,
        limit_s: float | None = None,
        paths: bool = False,
    ) -> Tree:
        """Costs from the source to every junction, for repeated lookups with cost_via_tree.

        With `paths`, the tree also keeps each junction's previous step from the source, so
        `meters_via_tree` can measure the route to any target without searching again.
        """
        with self._lock:
            data = self._data(mode)
            graph = self._graph(mode, reverse=False)
            exits = [
                (int(self._chains.chain_end[p.chain]), _remaining(data, p))
                for p in self._placements(source, data)
            ]
            self._set_virtual(graph, exits)
            costs, pred = self._search(graph, limit_s, paths=paths)
        return Tree(mode=mode, source=source, costs=costs, limit_s=limit_s, pred=pred)

    def cost_via_tree(self, tree: Tree, target: Snap) -> float:
        """Cost from the tree's source to the target: a handful of array lookups."""
        return float(self.costs_via_trees([tree], target)[0])

    def costs_via_trees(self, trees: Sequence[Tree], target: Snap) -> F64:
        """Cost from each tree's source to the target (trees of one mode)."""
        if not trees:
            return np.zeros(0)
        mode = trees[0].mode
        if any(t.mode is not mode for t in trees):
            raise ValueError("trees of different modes")
        data = self._data_unlocked(mode)
        arrive = self._placements(target, data)
        best = np.full(len(trees), np.inf)
        for p in arrive:
            start = int(self._chains.chain_start[p.chain])
            best = np.minimum(best, np.array([t.costs[start] for t in trees]) + p.x)
        for side in self._sides([t.source for t in trees], data):
            best = np.minimum(best, _direct_many(side, arrive))
        return best

    def lower_bounds_to(
        self, target: Snap, sources: Sequence[Snap], landmarks: Sequence[Tree]
    ) -> F64:
        """A lower bound on each source's cost to the target, read off trees from elsewhere.

        For any landmark L, d(L, t) <= d(L, s) + d(s, t), so d(s, t) >= d(L, t) - d(L, s)
        (the ALT bound). A station's tree is such a landmark at no extra cost, and with
        stations spread over the map the bound is close to the true cost. Only unbounded
        trees count: for them infinity means unreachable, not "beyond the limit".
        """
        out = np.zeros(len(sources))
        marks = [t for t in landmarks if t.limit_s is None]
        if not marks or not sources:
            return out
        mode = marks[0].mode
        if any(t.mode is not mode for t in marks):
            raise ValueError("trees of different modes")
        data = self._data_unlocked(mode)
        to_target = self.costs_via_trees(marks, target)
        # d(L, s) through the start of the source's chain: at least the true cost, which
        # keeps the bound valid.
        to_source = np.full((len(marks), len(sources)), np.inf)
        for side in self._sides(sources, data):
            start = self._chains.chain_start[np.where(side.ok, side.chain, 0)]
            via = np.stack([t.costs[start] for t in marks]) + side.x
            to_source = np.minimum(to_source, np.where(side.ok, via, np.inf))
        reached = np.isfinite(to_source)
        gap = np.where(reached, to_target[:, None] - np.where(reached, to_source, 0.0), 0.0)
        return np.asarray(np.maximum(out, gap.max(axis=0)), dtype=np.float64)

    def tree_to(
        self,
        target: Snap,
        *,
        mode: Mode = Mode.LIGHTS_SIRENS,
        limit_s: float | None = None,
        paths: bool = False,
    ) -> TreeTo:
        """Costs from every junction to the target: one reverse search.

        With `paths`, the tree also keeps each junction's next step towards the target, so
        `meters_via_tree_to` can measure any source's route without searching again.
        """
        with self._lock:
            data = self._data(mode)
            graph = self._graph(mode, reverse=True)
            entries = [
                (int(self._chains.chain_start[p.chain]), p.x)
                for p in self._placements(target, data)
            ]
            self._set_virtual(graph, entries)
            costs, pred = self._search(graph, limit_s, paths=paths)
        return TreeTo(mode=mode, target=target, costs=costs, limit_s=limit_s, pred=pred)

    def costs_to_tree(self, tree: TreeTo, sources: Sequence[Snap]) -> F64:
        """Cost from each source to the tree's target (infinity past the tree's limit)."""
        data = self._data_unlocked(tree.mode)
        arrive = self._placements(tree.target, data)
        best = np.full(len(sources), np.inf)
        for side in self._sides(sources, data):
            leave = np.maximum(data.total[side.chain] - side.x, 0.0)
            via = leave + tree.costs[self._chains.chain_end[side.chain]]
            best = np.where(side.ok, np.minimum(best, via), best)
            best = np.minimum(best, _direct_many(side, arrive))
        return _apply_limit(best, tree.limit_s)

    def costs_via_trees_to(self, trees: Sequence[TreeTo], source: Snap) -> F64:
        """Cost from the source to each tree's target (trees of one mode)."""
        if not trees:
            return np.zeros(0)
        mode = trees[0].mode
        if any(t.mode is not mode for t in trees):
            raise ValueError("trees of different modes")
        data = self._data_unlocked(mode)
        leave = self._placements(source, data)
        best = np.full(len(trees), np.inf)
        for p in leave:
            end = int(self._chains.chain_end[p.chain])
            best = np.minimum(best, np.array([t.costs[end] for t in trees]) + _remaining(data, p))
        for i, tree in enumerate(trees):
            best[i] = min(best[i], self._direct(leave, self._placements(tree.target, data)))
        return best


__all__ = ["Route", "Router", "Tree", "TreeTo"]
