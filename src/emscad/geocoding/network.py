"""What the road network adds: house-number ranges to interpolate, intersections, cross streets."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from emscad.geo import LocalPlane
from emscad.regions.model import RoadNetwork

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

SETBACK_M = 15.0  # an interpolated house is put this far off the centre line, on its side
_MAX_WALK = 200  # segments followed along one street while looking for a cross street


def _csr(keys: I64, n: int) -> tuple[I64, I64]:
    """(order, offsets): the items grouped by key, ids in ascending order within a key."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    offsets = np.searchsorted(keys[order], np.arange(n + 1)).astype(np.int64)
    return order, offsets


class StreetSegments:
    """The network's segments per street, for range interpolation and street positions."""

    def __init__(self, network: RoadNetwork, street_of_seg: I64, n_streets: int, plane: LocalPlane):
        self._net = network
        named = np.flatnonzero(street_of_seg >= 0)
        order, offsets = _csr(street_of_seg[named], n_streets)
        self._segs: I64 = named[order]
        self._offsets = offsets
        self._plane = plane
        self._x, self._y = plane.to_xy(network.shape_lon, network.shape_lat)

    def segments(self, sid: int) -> I64:
        return self._segs[int(self._offsets[sid]) : int(self._offsets[sid + 1])]

    def locate(self, sid: int, n: int) -> list[tuple[int, bool, float]]:
        """(segment, on the left?, fraction from u) for each side range that holds number `n`."""
        segs = self.segments(sid)
        if len(segs) == 0:
            return []
        net = self._net
        out: list[tuple[int, bool, float]] = []
        for left, frm_all, to_all in (
            (True, net.seg_left_from, net.seg_left_to),
            (False, net.seg_right_from, net.seg_right_to),
        ):
            frm = frm_all[segs].astype(np.int64)
            to = to_all[segs].astype(np.int64)
            # A range whose ends share a parity holds only that parity; mixed ends hold both.
            parity_ok = (frm % 2 != to % 2) | (frm % 2 == n % 2)
            inside = (np.minimum(frm, to) <= n) & (n <= np.maximum(frm, to))
            hit = np.flatnonzero((frm > 0) & (to > 0) & parity_ok & inside)
            for k in hit.tolist():
                span = int(to[k] - frm[k])
                t = 0.5 if span == 0 else (n - int(frm[k])) / span
                out.append((int(segs[k]), left, float(t)))
        out.sort(key=lambda item: (item[0], not item[1]))
        return out

    def position(self, seg: int, fraction: float, *, left: bool | None) -> tuple[float, float]:
        """The point at `fraction` of the segment's length, set back to one side (or on it)."""
        a, b = int(self._net.seg_shape_offsets[seg]), int(self._net.seg_shape_offsets[seg + 1])
        x, y = self._x[a:b], self._y[a:b]
        piece = np.hypot(np.diff(x), np.diff(y))
        cum = np.concatenate([[0.0], np.cumsum(piece)])
        total = float(cum[-1])
        if total <= 0:
            lon, lat = self._plane.to_lonlat(x[0], y[0])
            return float(lon), float(lat)
        along = min(max(fraction, 0.0), 1.0) * total
        k = min(int(np.searchsorted(cum, along, "right")) - 1, len(piece) - 1)
        while k > 0 and piece[k] == 0:
            k -= 1
        length = max(float(piece[k]), 1e-9)
        r = (along - float(cum[k])) / length
        dx, dy = float(x[k + 1] - x[k]), float(y[k + 1] - y[k])
        px, py = float(x[k]) + r * dx, float(y[k]) + r * dy
        if left is not None:
            sign = 1.0 if left else -1.0  # the left normal of (dx, dy) is (-dy, dx)
            px += sign * -dy / length * SETBACK_M
            py += sign * dx / length * SETBACK_M
        lon, lat = self._plane.to_lonlat(px, py)
        return float(lon), float(lat)

    def zip_of(self, seg: int, *, left: bool) -> int:
        column = self._net.seg_zip_left if left else self._net.seg_zip_right
        return int(column[seg])

    def middle(self, sid: int) -> tuple[float, float] | None:
        """A point half-way along the street's middle segment (by segment number)."""
        segs = self.segments(sid)
        if len(segs) == 0:
            return None
        return self.position(int(segs[len(segs) // 2]), 0.5, left=None)


class Crossings:
    """Where differently named streets meet: sorted (street a, street b) pair codes -> node."""

    def __init__(self, network: RoadNetwork, street_of_seg: I64, core_of_street: list[int]) -> None:
        self._n = max(len(core_of_street), 1)
        node = np.concatenate([network.seg_u, network.seg_v]).astype(np.int64)
        sid = np.concatenate([street_of_seg, street_of_seg]).astype(np.int64)
        keep = sid >= 0
        pair = np.unique(node[keep] * self._n + sid[keep])
        node_s, sid_s = pair // self._n, pair % self._n
        a_parts, b_parts, n_parts = [], [], []
        d = 1
        while d < len(node_s):
            i = np.flatnonzero(node_s[:-d] == node_s[d:])
            if len(i) == 0:
                break
            a_parts.append(sid_s[i])
            b_parts.append(sid_s[i + d])
            n_parts.append(node_s[i])
            d += 1
        a = np.concatenate(a_parts) if a_parts else np.zeros(0, np.int64)
        b = np.concatenate(b_parts) if b_parts else np.zeros(0, np.int64)
        nodes = np.concatenate(n_parts) if n_parts else np.zeros(0, np.int64)
        # "W 7th St" turning into "E 7th St" at Main is one street, not a crossing.
        core = np.asarray(core_of_street, np.int64)
        if len(a):
            differ = core[a] != core[b]
            a, b, nodes = a[differ], b[differ], nodes[differ]
        codes = a * self._n + b  # a < b: the pairs come from a node's sorted street ids
        order = np.lexsort((nodes, codes))
        self._codes: I64 = codes[order]
        self._nodes: I64 = nodes[order]
        self._net = network

    def __len__(self) -> int:
        return len(self._codes)

    def find(self, first: list[int], second: list[int]) -> list[tuple[int, int, int]]:
        """(street from `first`, street from `second`, node) for every meeting of the two lists."""
        if not first or not second or len(self._codes) == 0:
            return []
        fa = np.asarray(first, np.int64)[:, None]
        sb = np.asarray(second, np.int64)[None, :]
        lo, hi = np.minimum(fa, sb), np.maximum(fa, sb)
        codes = (lo * self._n + hi).ravel()
        left = np.searchsorted(self._codes, codes, "left")
        right = np.searchsorted(self._codes, codes, "right")
        out: list[tuple[int, int, int]] = []
        width = sb.shape[1]
        for k in np.flatnonzero((right > left) & (lo != hi).ravel()).tolist():
            a, b = first[k // width], second[k % width]
            for node in self._nodes[int(left[k]) : int(right[k])].tolist():
                out.append((a, b, int(node)))
        return out

    def node_lonlat(self, node: int) -> tuple[float, float]:
        return float(self._net.node_lon[node]), float(self._net.node_lat[node])


class CrossStreets:
    """The nearest differently named street in each direction along a road."""

    def __init__(self, network: RoadNetwork, street_of_seg: I64, core_of_street: list[int]):
        self._net = network
        self._street = street_of_seg
        self._core = core_of_street
        ends = np.concatenate([network.seg_u, network.seg_v]).astype(np.int64)
        order, offsets = _csr(ends, network.n_nodes)
        self._node_segs: I64 = order % max(network.n_segments, 1)
        self._node_offsets = offsets

    def around(self, seg: int) -> list[int]:
        """Street ids met first going towards `u`, then towards `v` (each at most once)."""
        found: list[int] = []
        for node in (int(self._net.seg_u[seg]), int(self._net.seg_v[seg])):
            street = self._walk(seg, node)
            if street >= 0 and street not in found:
                found.append(street)
        return found

    def _walk(self, seg: int, node: int) -> int:
        own = int(self._street[seg])
        own_core = self._core[own] if own >= 0 else -1
        for _ in range(_MAX_WALK):
            others = [s for s in self._segments_at(node) if s != seg]
            names = sorted(
                {
                    int(self._street[s])
                    for s in others
                    if self._street[s] >= 0 and self._core[int(self._street[s])] != own_core
                }
            )
            if names:
                return names[0]
            same = [s for s in others if int(self._street[s]) == own]
            if len(same) != 1:  # a dead end, or a fork of the same name: stop here
                return -1
            seg = same[0]
            u, v = int(self._net.seg_u[seg]), int(self._net.seg_v[seg])
            node = v if u == node else u
        return -1

    def _segments_at(self, node: int) -> list[int]:
        a, b = int(self._node_offsets[node]), int(self._node_offsets[node + 1])
        return [int(s) for s in self._node_segs[a:b]]
