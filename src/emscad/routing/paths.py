"""Routes: the cheapest path between two positions, its length, times and shape."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from emscad.routing.core import (
    F64,
    RouterCore,
    Tree,
    TreeTo,
    _ahead,
    _ModeData,
    _Placement,
    _remaining,
)
from emscad.routing.graph import Mode, SearchGraph
from emscad.routing.snap import Snap


@dataclass(frozen=True, slots=True)
class Route:
    """A route between two positions: its cost, length, times and shape."""

    mode: Mode
    cost: float  # seconds for the time modes, metres for DISTANCE
    seconds: float  # along this route, normal driving
    lights_sirens_seconds: float  # along this route, lights and sirens
    meters: float
    edges: tuple[int, ...]  # every network edge driven, the partial first and last included
    lon: F64  # the shape, from the start position to the end position
    lat: F64


class PathsMixin(RouterCore):
    def route(
        self,
        source: Snap,
        target: Snap,
        *,
        mode: Mode = Mode.LIGHTS_SIRENS,
        limit_s: float | None = None,
    ) -> Route:
        """The cheapest route in `mode`; ValueError if the target is unreachable (in the limit).

        A limit just above a known travel time makes the search stop early: a route to a
        unit five minutes away costs a five-minute search, not a search of the whole map.
        """
        chains = self._chains
        with self._lock:
            data = self._data(mode)
            leave = self._placements(source, data)
            arrive = self._placements(target, data)
            graph = self._graph(mode, reverse=False)
            self._set_virtual(
                graph, [(int(chains.chain_end[p.chain]), _remaining(data, p)) for p in leave]
            )
            dist_2d, pred_2d = dijkstra(
                graph.matrix,
                directed=True,
                indices=[graph.virtual],
                return_predecessors=True,
                limit=np.inf if limit_s is None else limit_s,
            )
            dist, pred = dist_2d[0], pred_2d[0]
            legs = self._direct_legs(leave, arrive)
            cost = self._direct(leave, arrive)
            for p in arrive:
                via = float(dist[chains.chain_start[p.chain]]) + p.x
                if via < cost:
                    cost = via
                    legs = self._legs_via(data, graph, pred, leave, p)
        if not np.isfinite(cost) or (limit_s is not None and cost > limit_s):
            raise ValueError("the target cannot be reached from the source")
        return self._assemble(mode, cost, legs)

    def meters_via_tree_to(self, tree: TreeTo, source: Snap) -> float | None:
        """Length of the cheapest route (in the tree's mode) from `source` to the tree's target.

        Walks the tree's next-step pointers instead of searching: a few hundred array reads.
        None when the source is beyond the tree's limit. The tree needs `paths=True`.
        """
        if tree.pred is None:
            raise ValueError("the tree was built without paths")
        data = self._data_unlocked(tree.mode)
        metres = self._data_unlocked(Mode.DISTANCE)
        leave = self._placements(source, data)
        arrive = self._placements(tree.target, data)
        cost, start, end = _direct_pair(leave, arrive)
        for p in leave:
            via = _remaining(data, p) + float(tree.costs[self._chains.chain_end[p.chain]])
            if via < cost:
                cost, start, end = via, p, None
        if start is None or not _within(cost, tree.limit_s):
            return None
        if end is not None:
            return self._along(metres, end) - self._along(metres, start)
        with self._lock:
            graph = self._graph(tree.mode, reverse=True)
        junction = int(self._chains.chain_end[start.chain])
        junction, between = self._walk(graph, tree.pred, junction, metres)
        arrival = min(
            (z for z in arrive if int(self._chains.chain_start[z.chain]) == junction),
            key=lambda z: z.x,
        )
        leg = float(metres.total[start.chain]) - self._along(metres, start)
        return leg + between + self._along(metres, arrival)

    def meters_via_tree(self, tree: Tree, target: Snap) -> float | None:
        """Length of the cheapest route (in the tree's mode) from the tree's source to `target`.

        The mirror of `meters_via_tree_to`, for a station's tree: it walks the previous-step
        pointers back from the target. None when the target is beyond the tree's limit. The
        tree needs `paths=True`.
        """
        if tree.pred is None:
            raise ValueError("the tree was built without paths")
        data = self._data_unlocked(tree.mode)
        metres = self._data_unlocked(Mode.DISTANCE)
        leave = self._placements(tree.source, data)
        arrive = self._placements(target, data)
        cost, start, end = _direct_pair(leave, arrive)
        for z in arrive:
            via = float(tree.costs[self._chains.chain_start[z.chain]]) + z.x
            if via < cost:
                cost, start, end = via, None, z
        if end is None or not _within(cost, tree.limit_s):
            return None
        if start is not None:
            return self._along(metres, end) - self._along(metres, start)
        with self._lock:
            graph = self._graph(tree.mode, reverse=False)
        junction = int(self._chains.chain_start[end.chain])
        junction, between = self._walk(graph, tree.pred, junction, metres)
        departure = min(
            (p for p in leave if int(self._chains.chain_end[p.chain]) == junction),
            key=lambda p: _remaining(data, p),
        )
        leg = float(metres.total[departure.chain]) - self._along(metres, departure)
        return leg + between + self._along(metres, end)

    @staticmethod
    def _walk(
        graph: SearchGraph, pred: NDArray[np.int32], junction: int, metres: _ModeData
    ) -> tuple[int, float]:
        """Follow a search's pointers from `junction` back to its first junction, adding up
        the metres of the chains on the way; returns that junction and the metres."""
        steps = [junction]
        while (following := int(pred[steps[-1]])) != graph.virtual:
            steps.append(following)
        path = np.asarray(steps, dtype=np.int64)
        chains = graph.chains_between(path[1:], path[:-1])
        return steps[-1], float(metres.total[chains].sum())

    @staticmethod
    def _along(metres: _ModeData, p: _Placement) -> float:
        """Metres from the start of the placement's chain to the placement."""
        return float(metres.prefix[p.edge]) + p.along_edge * float(metres.weights[p.edge])

    def _direct_legs(
        self, leave: list[_Placement], arrive: list[_Placement]
    ) -> list[tuple[int, float, float]]:
        options = [
            (z.x - a.x, a, z) for a in leave for z in arrive if a.chain == z.chain and _ahead(a, z)
        ]
        if not options:
            return []
        _, a, z = min(options, key=lambda o: o[0])
        if a.edge == z.edge:
            return [(a.edge, a.along_edge, z.along_edge)]
        edges = self._chains.edges_of(a.chain).tolist()
        i, k = edges.index(a.edge), edges.index(z.edge)
        middle = [(e, 0.0, 1.0) for e in edges[i + 1 : k]]
        return [(a.edge, a.along_edge, 1.0), *middle, (z.edge, 0.0, z.along_edge)]

    def _legs_via(
        self,
        data: _ModeData,
        graph: SearchGraph,
        pred: NDArray[np.int32],
        leave: list[_Placement],
        arrival: _Placement,
    ) -> list[tuple[int, float, float]]:
        chains = self._chains
        junctions = [int(chains.chain_start[arrival.chain])]
        while int(pred[junctions[-1]]) != graph.virtual:
            junctions.append(int(pred[junctions[-1]]))
        junctions.reverse()
        first = min(
            (p for p in leave if int(chains.chain_end[p.chain]) == junctions[0]),
            key=lambda p: _remaining(data, p),
        )
        edges = chains.edges_of(first.chain).tolist()
        legs = [(first.edge, first.along_edge, 1.0)]
        legs += [(e, 0.0, 1.0) for e in edges[edges.index(first.edge) + 1 :]]
        for a, b in itertools.pairwise(junctions):
            legs += [(e, 0.0, 1.0) for e in chains.edges_of(graph.chain_between(a, b)).tolist()]
        edges = chains.edges_of(arrival.chain).tolist()
        legs += [(e, 0.0, 1.0) for e in edges[: edges.index(arrival.edge)]]
        legs.append((arrival.edge, 0.0, arrival.along_edge))
        return legs

    def _assemble(self, mode: Mode, cost: float, legs: list[tuple[int, float, float]]) -> Route:
        net = self._net
        meters = seconds = seconds_ls = 0.0
        pieces_lon: list[F64] = []
        pieces_lat: list[F64] = []
        for e, a, b in legs:
            share = b - a
            meters += share * float(net.edge_length_m[e])
            seconds += share * float(net.edge_time_s[e])
            seconds_ls += share * float(net.edge_time_ls_s[e])
            lon, lat = self._edge_shape(e, a, b)
            pieces_lon.append(lon)
            pieces_lat.append(lat)
        return Route(
            mode=mode,
            cost=float(cost),
            seconds=seconds,
            lights_sirens_seconds=seconds_ls,
            meters=meters,
            edges=tuple(e for e, _, _ in legs),
            lon=_join(pieces_lon),
            lat=_join(pieces_lat),
        )

    def _edge_shape(self, edge: int, a: float, b: float) -> tuple[F64, F64]:
        """The part of an edge's shape from fraction a to b, in its direction of travel."""
        net = self._net
        lon, lat = net.segment_shape(int(net.edge_seg[edge]))
        if not net.edge_forward[edge]:
            lon, lat = lon[::-1], lat[::-1]
        return _cut(lon, lat, a, b)


def _direct_pair(
    leave: list[_Placement], arrive: list[_Placement]
) -> tuple[float, _Placement | None, _Placement | None]:
    """The cheapest drive straight along one chain: its cost and its two ends (inf: none)."""
    best: tuple[float, _Placement | None, _Placement | None] = (np.inf, None, None)
    for a in leave:
        for z in arrive:
            if a.chain == z.chain and _ahead(a, z) and z.x - a.x < best[0]:
                best = (z.x - a.x, a, z)
    return best


def _within(cost: float, limit_s: float | None) -> bool:
    return bool(np.isfinite(cost)) and (limit_s is None or cost <= limit_s)


def _join(parts: list[F64]) -> F64:
    """Concatenate shape pieces, dropping the repeated point where one piece meets the next."""
    if not parts:
        return np.zeros(0)
    return np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])


def _cut(lon: F64, lat: F64, a: float, b: float) -> tuple[F64, F64]:
    """The polyline between fractions a <= b of its length (measured locally in degrees)."""
    scale = np.cos(np.radians(float(lat.mean()))) if len(lat) else 1.0
    step = np.hypot(np.diff(lon) * scale, np.diff(lat))
    cum = np.concatenate([[0.0], np.cumsum(step)])
    total = cum[-1]
    if total == 0:
        return lon[:1].repeat(2), lat[:1].repeat(2)
    da, db = a * total, b * total
    inner = (cum > da) & (cum < db)
    lon_out = np.concatenate([[np.interp(da, cum, lon)], lon[inner], [np.interp(db, cum, lon)]])
    lat_out = np.concatenate([[np.interp(da, cum, lat)], lat[inner], [np.interp(db, cum, lat)]])
    return lon_out, lat_out
