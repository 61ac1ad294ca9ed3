"""Compressed sparse junction graphs for scipy's Dijkstra, with one spare node for queries.

A query position usually lies part-way along a road, not on a junction. Rather than splitting
the graph per query, each graph carries one *virtual node* (index `n`) with two reserved
outgoing entries at the end of the CSR arrays. A query writes the costs from its position to
the two junctions it can reach into those slots and searches from the virtual node; the rest
of the graph is never copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from emscad.regions.model import RoadNetwork
from emscad.routing.chains import Chains


class Mode(StrEnum):
    """What a route minimises."""

    NORMAL = "normal"  # travel time, normal driving
    LIGHTS_SIRENS = "lights_sirens"  # travel time, lights and sirens
    DISTANCE = "distance"  # metres

    def edge_weights(self, network: RoadNetwork) -> NDArray[np.float64]:
        if self is Mode.NORMAL:
            return network.edge_time_s
        if self is Mode.LIGHTS_SIRENS:
            return network.edge_time_ls_s
        return network.edge_length_m


@dataclass(frozen=True, eq=False)
class SearchGraph:
    """One direction (forward or reverse) of one mode's junction graph, plus the virtual node.

    Nodes are the junctions of `Chains`, edges its chains. `entry_chain[k]` is the chain
    behind CSR entry k: where parallel chains join the same two junctions only the cheapest
    is kept (scipy would otherwise add their weights up).
    """

    matrix: sp.csr_matrix
    entry_chain: NDArray[np.int64]
    n_nodes: int  # junctions; the virtual node is index n_nodes

    @property
    def virtual(self) -> int:
        return self.n_nodes

    def set_virtual_edges(self, a: tuple[int, float], b: tuple[int, float]) -> None:
        """Point the virtual node at two junctions with the given costs (inf: no edge)."""
        first, second = sorted([a, b])
        if first[0] == second[0]:
            # One junction twice: keep the cheaper, park the other slot on the virtual node.
            first = (first[0], min(first[1], second[1]))
            second = (self.virtual, np.inf)
        data, indices = self.matrix.data, self.matrix.indices
        indices[-2], data[-2] = first[0], first[1]
        indices[-1], data[-1] = second[0], second[1]

    @cached_property
    def _entry_keys(self) -> NDArray[np.int64]:
        """Per CSR entry, row * (n + 1) + column: sorted, as rows and their columns are."""
        rows = np.repeat(np.arange(self.n_nodes + 1, dtype=np.int64), np.diff(self.matrix.indptr))
        return rows * (self.n_nodes + 1) + self.matrix.indices.astype(np.int64)

    def chains_between(self, us: NDArray[np.int64], vs: NDArray[np.int64]) -> NDArray[np.int64]:
        """`chain_between` for many junction pairs at once (each pair must be an edge)."""
        keys = self._entry_keys
        wanted = us * (self.n_nodes + 1) + vs
        found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        if not np.array_equal(keys[found], wanted):
            raise KeyError("a pair of junctions with no edge between them")
        return self.entry_chain[found]

    def chain_between(self, u: int, v: int) -> int:
        """The chain the graph uses from junction u to junction v."""
        start, end = self.matrix.indptr[u], self.matrix.indptr[u + 1]
        hits = np.flatnonzero(self.matrix.indices[start:end] == v)
        if len(hits) == 0:
            raise KeyError((u, v))
        return int(self.entry_chain[start + hits[0]])


def build_search_graph(
    chains: Chains, chain_cost: NDArray[np.float64], *, reverse: bool
) -> SearchGraph:
    n = chains.n_junctions
    src, dst = chains.chain_start, chains.chain_end
    if reverse:
        src, dst = dst, src
    ids = np.arange(chains.n_chains, dtype=np.int64)
    keep = src != dst  # a chain back to its own junction never shortens a path
    src, dst, w, ids = src[keep], dst[keep], chain_cost[keep], ids[keep]

    # Sort by (src, dst, cost) and keep the first of each (src, dst): the cheapest parallel.
    order = np.lexsort((ids, w, dst, src))
    src, dst, w, ids = src[order], dst[order], w[order], ids[order]
    first = np.ones(len(src), bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, w, ids = src[first], dst[first], w[first], ids[first]

    counts = np.bincount(src, minlength=n + 1)
    counts[n] = 2  # the virtual node's two slots, last in the arrays
    indptr = np.zeros(n + 2, np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate([dst, [n, n]])
    data = np.concatenate([w, [np.inf, np.inf]]).astype(np.float64)
    index_dtype = np.int32 if len(indices) < 2**31 else np.int64
    matrix = sp.csr_matrix(
        (data, indices.astype(index_dtype), indptr.astype(index_dtype)), shape=(n + 1, n + 1)
    )
    return SearchGraph(matrix=matrix, entry_chain=np.concatenate([ids, [-1, -1]]), n_nodes=n)
