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

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from emscad.regions.model import RoadNetwork
from emscad.routing.chains import Chains, build_chains
from emscad.routing.graph import Mode, SearchGraph, build_search_graph
from emscad.routing.snap import Snap

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class _Placement:
    """A position seen on one of its edges: the edge, its chain, and where along the chain."""

    edge: int
    chain: int
    rank: int  # the edge's place in the chain
    along_edge: float  # 0..1 in the edge's direction of travel
    x: float  # cost from the chain's start junction to the position


@dataclass(frozen=True, slots=True)
class _Sides:
    """Many positions seen on one side (their forward, or their backward, edges), as arrays."""

    ok: NDArray[np.bool_]  # the position has an edge on this side
    chain: NDArray[np.int64]
    rank: NDArray[np.int64]
    along: F64
    x: F64


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


@dataclass(frozen=True, eq=False)
class Tree:
    """Costs from one position to every junction: computed once for a station or post."""

    mode: Mode
    source: Snap
    costs: F64


@dataclass(frozen=True, eq=False)
class TreeTo:
    """Costs from every junction to one position: computed once for a hospital."""

    mode: Mode
    target: Snap
    costs: F64


@dataclass(eq=False)
class _ModeData:
    weights: F64  # per edge
    prefix: F64  # per edge: cost of its chain before it
    total: F64  # per chain
    graphs: dict[bool, SearchGraph]  # reverse? -> graph


class Router:
    """Shortest paths on one region's network. Safe to share between threads."""

    def __init__(self, network: RoadNetwork) -> None:
        self._net = network
        self._chains: Chains = build_chains(network)
        self._lock = threading.Lock()
        self._modes: dict[Mode, _ModeData] = {}
        # Per segment: its forward and backward edge (-1 where there is none).
        self._fwd_edge = np.full(network.n_segments, -1, np.int64)
        self._back_edge = np.full(network.n_segments, -1, np.int64)
        fwd = network.edge_forward
        self._fwd_edge[network.edge_seg[fwd]] = np.flatnonzero(fwd)
        self._back_edge[network.edge_seg[~fwd]] = np.flatnonzero(~fwd)

    @property
    def network(self) -> RoadNetwork:
        return self._net

    @property
    def junctions(self) -> int:
        """Nodes the searches visit, after contracting pass-through nodes."""
        return self._chains.n_junctions

    def warm(self, *modes: Mode) -> None:
        """Build the graphs for these modes (all when none given) now rather than on first use."""
        with self._lock:
            for mode in modes or tuple(Mode):
                self._graph(mode, reverse=False)
                self._graph(mode, reverse=True)

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
        with self._lock:
            data = self._data(mode)
            arrive = self._placements(target, data)
            graph = self._graph(mode, reverse=True)
            entries = [(int(self._chains.chain_start[p.chain]), p.x) for p in arrive]
            self._set_virtual(graph, entries)
            dist = self._search(graph, limit_s)
        best = np.full(len(sources), np.inf)
        for side in self._sides(sources, data):
            leave = np.maximum(data.total[side.chain] - side.x, 0.0)
            via = leave + dist[self._chains.chain_end[side.chain]]
            best = np.where(side.ok, np.minimum(best, via), best)
            best = np.minimum(best, _direct_many(side, arrive))
        return _apply_limit(best, limit_s)

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
        self, source: Snap, *, mode: Mode = Mode.LIGHTS_SIRENS, limit_s: float | None = None
    ) -> Tree:
        """Costs from the source to every junction, for repeated lookups with cost_via_tree."""
        with self._lock:
            data = self._data(mode)
            graph = self._graph(mode, reverse=False)
            exits = [
                (int(self._chains.chain_end[p.chain]), _remaining(data, p))
                for p in self._placements(source, data)
            ]
            self._set_virtual(graph, exits)
            costs = self._search(graph, limit_s)
        return Tree(mode=mode, source=source, costs=costs)

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

    def tree_to(
        self, target: Snap, *, mode: Mode = Mode.LIGHTS_SIRENS, limit_s: float | None = None
    ) -> TreeTo:
        """Costs from every junction to the target, for lookups with costs_via_trees_to."""
        with self._lock:
            data = self._data(mode)
            graph = self._graph(mode, reverse=True)
            entries = [
                (int(self._chains.chain_start[p.chain]), p.x)
                for p in self._placements(target, data)
            ]
            self._set_virtual(graph, entries)
            costs = self._search(graph, limit_s)
        return TreeTo(mode=mode, target=target, costs=costs)

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

    # -- internals -------------------------------------------------------------------------

    def _data(self, mode: Mode) -> _ModeData:
        data = self._modes.get(mode)
        if data is None:
            weights = mode.edge_weights(self._net)
            prefix, total = self._chains.costs(weights)
            data = _ModeData(weights=weights, prefix=prefix, total=total, graphs={})
            self._modes[mode] = data
        return data

    def _data_unlocked(self, mode: Mode) -> _ModeData:
        data = self._modes.get(mode)
        if data is None:
            with self._lock:
                data = self._data(mode)
        return data

    def _graph(self, mode: Mode, *, reverse: bool) -> SearchGraph:
        data = self._data(mode)
        graph = data.graphs.get(reverse)
        if graph is None:
            graph = build_search_graph(self._chains, data.total, reverse=reverse)
            data.graphs[reverse] = graph
        return graph

    def _placements(self, pos: Snap, data: _ModeData) -> list[_Placement]:
        out = []
        for edge, along in (
            (int(self._fwd_edge[pos.seg]), pos.fraction),
            (int(self._back_edge[pos.seg]), 1.0 - pos.fraction),
        ):
            if edge >= 0:
                x = float(data.prefix[edge]) + along * float(data.weights[edge])
                chain = int(self._chains.edge_chain[edge])
                rank = int(self._chains.edge_rank[edge])
                out.append(_Placement(edge, chain, rank, along, x))
        return out

    def _sides(self, positions: Sequence[Snap], data: _ModeData) -> tuple[_Sides, _Sides]:
        """`_placements` for many positions at once: their forward side, then backward."""
        seg = np.fromiter((p.seg for p in positions), np.int64, len(positions))
        frac = np.fromiter((p.fraction for p in positions), np.float64, len(positions))
        sides = []
        for edges, along in ((self._fwd_edge[seg], frac), (self._back_edge[seg], 1.0 - frac)):
            ok = edges >= 0
            edge = np.where(ok, edges, 0)
            x = data.prefix[edge] + along * data.weights[edge]
            sides.append(
                _Sides(
                    ok=ok,
                    chain=np.where(ok, self._chains.edge_chain[edge], -1),
                    rank=self._chains.edge_rank[edge],
                    along=along,
                    x=x,
                )
            )
        return sides[0], sides[1]

    @staticmethod
    def _direct(leave: list[_Placement], arrive: list[_Placement]) -> float:
        """Cost of driving straight along one chain from one position to another."""
        best = np.inf
        for a in leave:
            for z in arrive:
                if a.chain == z.chain and _ahead(a, z):
                    best = min(best, z.x - a.x)
        return best

    @staticmethod
    def _set_virtual(graph: SearchGraph, entries: list[tuple[int, float]]) -> None:
        padded = [(j, max(0.0, c)) for j, c in entries] + [(graph.virtual, np.inf)] * 2
        graph.set_virtual_edges(padded[0], padded[1])

    @staticmethod
    def _search(graph: SearchGraph, limit_s: float | None) -> F64:
        dist = dijkstra(
            graph.matrix,
            directed=True,
            indices=[graph.virtual],
            limit=np.inf if limit_s is None else limit_s,
        )
        return np.asarray(dist[0], dtype=np.float64)

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


def _ahead(a: _Placement, z: _Placement) -> bool:
    """Whether z lies at or after a along their common chain (by place, not by cost)."""
    return (a.rank, a.along_edge) <= (z.rank, z.along_edge)


def _direct_many(side: _Sides, arrive: list[_Placement]) -> F64:
    """`Router._direct` for many starting positions (one side of each) to one target."""
    best = np.full(len(side.x), np.inf)
    for z in arrive:
        ahead = (side.rank < z.rank) | ((side.rank == z.rank) & (side.along <= z.along_edge))
        same = side.ok & (side.chain == z.chain) & ahead
        best = np.where(same, np.minimum(best, z.x - side.x), best)
    return best


def _remaining(data: _ModeData, p: _Placement) -> float:
    return max(0.0, float(data.total[p.chain]) - p.x)


def _apply_limit(out: F64, limit_s: float | None) -> F64:
    if limit_s is not None:
        out[out > limit_s] = np.inf
    return out


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
