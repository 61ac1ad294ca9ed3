"""Chains: the network with its pass-through nodes contracted away, for faster exact searches.

A pass-through node only continues one road: one edge in and one out (one-way), or both ways
between the same two neighbours. Roads are full of them (bridges, speed changes, long roads
cut into pieces), and Dijkstra pays for each. Here every maximal run of edges through
pass-through nodes becomes one *chain* between two *junctions*. Searches run on junctions
only; a position on an edge is placed on its chain by the edge's *prefix* cost (the cost of
the chain's edges before it), so travel times stay exact.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emscad.regions.model import RoadNetwork

I64 = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Chains:
    junction: I64  # per node: its junction index, or -1 for a pass-through node
    junction_node: I64  # per junction: its node
    edge_chain: I64  # per edge: its chain
    edge_rank: I64  # per edge: its place in its chain (0 for the first edge)
    chain_start: I64  # per chain: first junction
    chain_end: I64  # per chain: last junction
    chain_offsets: I64  # chain c's edges are chain_edges[chain_offsets[c]:chain_offsets[c+1]]
    chain_edges: I64  # edges in chain order

    @property
    def n_junctions(self) -> int:
        return len(self.junction_node)

    @property
    def n_chains(self) -> int:
        return len(self.chain_start)

    def edges_of(self, chain: int) -> I64:
        return self.chain_edges[self.chain_offsets[chain] : self.chain_offsets[chain + 1]]

    def costs(
        self, weights: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Per edge, the cost of its chain before it; per chain, its whole cost.

        Summed chain by chain, in driving order, so that a cost is exactly what adding the
        edges one after another gives (a running total over the whole network would carry
        its rounding into every chain).
        """
        ordered = weights[self.chain_edges]
        before = np.zeros(len(ordered))
        for rank in range(1, len(self._by_rank)):
            idx = self._by_rank[rank]
            before[idx] = before[idx - 1] + ordered[idx - 1]
        prefix = np.empty(len(weights))
        prefix[self.chain_edges] = before
        last = self.chain_offsets[1:] - 1
        total = before[last] + ordered[last]
        return prefix, np.asarray(total, dtype=np.float64)

    @functools.cached_property
    def _by_rank(self) -> list[I64]:
        """Positions (in chain order) of the edges that are r-th in their chain, for each r."""
        counts = np.diff(self.chain_offsets)
        rank = np.arange(len(self.chain_edges)) - np.repeat(self.chain_offsets[:-1], counts)
        order = np.argsort(rank, kind="stable")
        bounds = np.searchsorted(rank[order], np.arange(int(counts.max(initial=0)) + 1))
        return [order[a:b] for a, b in itertools.pairwise(bounds.tolist())]


def build_chains(network: RoadNetwork) -> Chains:
    n, m = network.n_nodes, network.n_edges
    src = network.edge_src.astype(np.int64)
    dst = network.edge_dst.astype(np.int64)
    through = _pass_through(n, src, dst)
    while True:
        nxt = _next_edge(n, src, dst, through)
        head, rank, cyclic = _walk(nxt)
        if not cyclic.any():
            break
        # A ring made only of pass-through nodes has no junction to start from: promote its
        # nodes. (In a strongly connected network this happens only if the network is a ring.)
        through[src[cyclic]] = False

    junction = np.full(n, -1, np.int64)
    junction_node = np.flatnonzero(~through).astype(np.int64)
    junction[junction_node] = np.arange(len(junction_node))

    # Chains are the runs of edges sharing a head edge; order them by head, then rank.
    heads, edge_chain = np.unique(head, return_inverse=True)
    order = np.lexsort((rank, edge_chain))
    chain_edges = order.astype(np.int64)
    counts = np.bincount(edge_chain, minlength=len(heads))
    chain_offsets = np.zeros(len(heads) + 1, np.int64)
    np.cumsum(counts, out=chain_offsets[1:])
    last = chain_edges[chain_offsets[1:] - 1] if m else chain_edges
    chains = Chains(
        junction=junction,
        junction_node=junction_node,
        edge_chain=edge_chain.astype(np.int64),
        edge_rank=rank,
        chain_start=junction[src[heads]],
        chain_end=junction[dst[last]],
        chain_offsets=chain_offsets,
        chain_edges=chain_edges,
    )
    return chains


def _pass_through(n: int, src: I64, dst: I64) -> NDArray[np.bool_]:
    loop = src == dst
    has_loop = np.zeros(n, bool)
    has_loop[src[loop]] = True
    out_deg = np.bincount(src, minlength=n)
    in_deg = np.bincount(dst, minlength=n)

    # The neighbours each way, sorted: the two smallest out- and in-neighbours per node.
    def two_smallest(key: I64, other: I64) -> tuple[I64, I64]:
        order = np.lexsort((other, key))
        k, o = key[order], other[order]
        first = np.full(n, -1, np.int64)
        second = np.full(n, -1, np.int64)
        starts = np.searchsorted(k, np.arange(n))
        counts = np.bincount(k, minlength=n)
        has1 = counts >= 1
        has2 = counts >= 2
        first[has1] = o[starts[has1]]
        second[has2] = o[starts[has2] + 1]
        return first, second

    out1, out2 = two_smallest(src, dst)
    in1, in2 = two_smallest(dst, src)
    one_way = (out_deg == 1) & (in_deg == 1) & (out1 != in1)
    two_way = (out_deg == 2) & (in_deg == 2) & (out1 == in1) & (out2 == in2) & (out1 != out2)
    return np.asarray((one_way | two_way) & ~has_loop, dtype=bool)


def _next_edge(n: int, src: I64, dst: I64, through: NDArray[np.bool_]) -> I64:
    """For each edge into a pass-through node, the edge that continues the road; else -1."""
    m = len(src)
    nxt = np.full(m, -1, np.int64)
    edges = np.arange(m, dtype=np.int64)
    into = through[dst]
    out_order = np.lexsort((dst, src))  # out-edges grouped by node, by target
    out_start = np.searchsorted(src[out_order], np.arange(n))
    for k in (0, 1):
        # Candidate continuation: the k-th out-edge of the node entered...
        idx = out_start[dst[into]] + k
        ok = idx < m
        cand = np.full(int(into.sum()), -1, np.int64)
        cand[ok] = out_order[idx[ok]]
        valid = cand >= 0
        valid[valid] = src[cand[valid]] == dst[into][valid]
        # ...that does not turn straight back where it came from.
        valid[valid] &= dst[cand[valid]] != src[into][valid]
        target = edges[into][valid]
        nxt[target] = np.where(nxt[target] >= 0, nxt[target], cand[valid])
    return nxt


def _walk(nxt: I64) -> tuple[I64, I64, NDArray[np.bool_]]:
    """Per edge: the first edge of its run, its rank in the run, and whether it is on a cycle.

    List ranking by pointer doubling: after k rounds each edge points 2^k steps back (or to
    its run's head), so a few vectorised rounds replace a Python walk along every road.
    """
    m = len(nxt)
    prev = np.full(m, -1, np.int64)
    has_next = nxt >= 0
    prev[nxt[has_next]] = np.flatnonzero(has_next)
    up = np.where(prev >= 0, prev, np.arange(m, dtype=np.int64))
    rank = (prev >= 0).astype(np.int64)
    for _ in range(int(np.ceil(np.log2(max(m, 2)))) + 1):
        rank = rank + rank[up]
        up = up[up]
    cyclic = prev[up] >= 0  # a real head has nothing before it
    return up, rank, cyclic
