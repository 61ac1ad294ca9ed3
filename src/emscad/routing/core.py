"""The router's core: per-mode costs on chains, graphs, query positions, the Dijkstra call."""

from __future__ import annotations

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
I32 = NDArray[np.int32]


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


@dataclass(frozen=True, eq=False)
class Tree:
    """Costs from one position to every junction: computed once for a station or post."""

    mode: Mode
    source: Snap
    costs: F64
    limit_s: float | None = None  # costs beyond it are infinity
    pred: I32 | None = None  # per junction, the previous junction on the way from the source


@dataclass(frozen=True, eq=False)
class TreeTo:
    """Costs from every junction to one position: computed once for a hospital."""

    mode: Mode
    target: Snap
    costs: F64
    limit_s: float | None = None  # costs beyond it are infinity
    pred: I32 | None = None  # per junction, the next junction towards the target


@dataclass(eq=False)
class _ModeData:
    weights: F64  # per edge
    prefix: F64  # per edge: cost of its chain before it
    total: F64  # per chain
    graphs: dict[bool, SearchGraph]  # reverse? -> graph


class RouterCore:
    """Shared state and helpers of the Router (routing.router); not used directly."""

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
    def _search(
        graph: SearchGraph, limit_s: float | None, *, paths: bool = False
    ) -> tuple[F64, I32 | None]:
        limit = np.inf if limit_s is None else limit_s
        if paths:
            dist, pred = dijkstra(
                graph.matrix,
                directed=True,
                indices=[graph.virtual],
                limit=limit,
                return_predecessors=True,
            )
            return np.asarray(dist[0], dtype=np.float64), np.asarray(pred[0], dtype=np.int32)
        dist = dijkstra(graph.matrix, directed=True, indices=[graph.virtual], limit=limit)
        return np.asarray(dist[0], dtype=np.float64), None


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
