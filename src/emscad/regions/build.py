"""Turn road segments into a routable network: lengths, travel times, one strongly connected graph.

Both the OSM importer and the synthetic generator describe their roads as `SegmentSpec`s and
call `build_network`, so the two kinds of region obey the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components

from emscad.geo import haversine_m, quantize_deg
from emscad.regions.model import (
    F64,
    I32,
    I64,
    NO_STRING,
    U8,
    AddressTable,
    Bool,
    DropReport,
    Manifest,
    Place,
    PlaceKind,
    Region,
    RoadNetwork,
)
from emscad.regions.roads import lights_sirens_kph

KPH = 1 / 3.6  # metres per second per km/h


def q32(values: ArrayLike) -> F64:
    """Round to float32, the precision lengths and times are stored with."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@dataclass(eq=False)
class SegmentSpec:
    """Road segments as a builder describes them; node indices refer to the builder's nodes.

    Shapes run from `u` to `v` and include both end points. One-way segments may only be
    driven from `u` to `v`. Speeds are normal driving speeds in km/h.
    """

    u: I32
    v: I32
    shape_offsets: I64
    shape_lon: F64
    shape_lat: F64
    road_class: U8
    name: I32
    oneway: Bool
    speed_kph: F64
    left_from: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    left_to: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    right_from: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    right_to: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    zip_left: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    zip_right: I32 = field(default_factory=lambda: np.zeros(0, np.int32))

    def __post_init__(self) -> None:
        n = len(self.u)
        for name, fill in (
            ("left_from", 0),
            ("left_to", 0),
            ("right_from", 0),
            ("right_to", 0),
            ("zip_left", NO_STRING),
            ("zip_right", NO_STRING),
        ):
            if len(getattr(self, name)) == 0 and n:
                setattr(self, name, np.full(n, fill, np.int32))


def build_network(
    node_lon: ArrayLike,
    node_lat: ArrayLike,
    segments: SegmentSpec,
    *,
    lights_sirens_factor: float,
) -> tuple[RoadNetwork, DropReport]:
    """Compute lengths and travel times and keep the largest strongly connected part.

    A unit parked in a piece of road that cannot reach the rest of the map (or cannot be
    reached from it) would get no travel time at all, so such pieces are dropped and the
    report says how much went.
    """
    lon = quantize_deg(node_lon)
    lat = quantize_deg(node_lat)
    seg = segments
    u = np.asarray(seg.u, np.int64)
    v = np.asarray(seg.v, np.int64)
    n = len(lon)

    # Nodes no segment touches are not roads; they go silently.
    used = np.zeros(n, bool)
    used[u] = True
    used[v] = True

    fwd_src, fwd_dst = u, v
    two_way = ~np.asarray(seg.oneway, bool)
    src = np.concatenate([fwd_src, v[two_way]])
    dst = np.concatenate([fwd_dst, u[two_way]])
    graph = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=True, connection="strong")
    used_labels = labels[used]
    if len(used_labels) == 0:
        keep = np.zeros(n, bool)
        components = 0
    else:
        sizes = np.bincount(used_labels, minlength=n_comp)
        components = int(np.count_nonzero(sizes))
        keep = (labels == int(np.argmax(sizes))) & used
    keep_seg = keep[u] & keep[v]
    n_edges_before = len(src)

    new_index = np.cumsum(keep) - 1
    shapes = _select_shapes(seg.shape_offsets, seg.shape_lon, seg.shape_lat, keep_seg)
    su = new_index[u[keep_seg]].astype(np.int32)
    sv = new_index[v[keep_seg]].astype(np.int32)
    s_lon, s_lat, s_off = shapes
    # Pin each shape's end points to its nodes, so geometry and graph agree exactly.
    s_lon[s_off[:-1]] = lon[keep][su]
    s_lat[s_off[:-1]] = lat[keep][su]
    s_lon[s_off[1:] - 1] = lon[keep][sv]
    s_lat[s_off[1:] - 1] = lat[keep][sv]

    length = q32(_shape_lengths(s_off, s_lon, s_lat))
    klass = np.asarray(seg.road_class, np.uint8)[keep_seg]
    speed = np.asarray(seg.speed_kph, np.float64)[keep_seg]
    if len(speed) and not (np.all(np.isfinite(speed)) and speed.min() > 0):
        raise ValueError("every segment needs a positive speed")
    speed_ls = lights_sirens_kph(speed, klass, factor=lights_sirens_factor)
    oneway = np.asarray(seg.oneway, bool)[keep_seg]

    seg_ids = np.arange(len(su), dtype=np.int32)
    back = seg_ids[~oneway]
    edge_seg = np.concatenate([seg_ids, back]).astype(np.int32)
    edge_forward = np.concatenate([np.ones(len(seg_ids), bool), np.zeros(len(back), bool)])
    edge_src = np.where(edge_forward, su[edge_seg], sv[edge_seg]).astype(np.int32)
    edge_dst = np.where(edge_forward, sv[edge_seg], su[edge_seg]).astype(np.int32)
    edge_len = length[edge_seg]

    def pick(arr: ArrayLike) -> I32:
        return np.asarray(arr, np.int32)[keep_seg]

    network = RoadNetwork(
        node_lon=lon[keep],
        node_lat=lat[keep],
        seg_u=su,
        seg_v=sv,
        seg_shape_offsets=s_off,
        shape_lon=s_lon,
        shape_lat=s_lat,
        seg_length_m=length,
        seg_class=klass,
        seg_name=pick(seg.name),
        seg_oneway=oneway,
        seg_left_from=pick(seg.left_from),
        seg_left_to=pick(seg.left_to),
        seg_right_from=pick(seg.right_from),
        seg_right_to=pick(seg.right_to),
        seg_zip_left=pick(seg.zip_left),
        seg_zip_right=pick(seg.zip_right),
        edge_src=edge_src,
        edge_dst=edge_dst,
        edge_seg=edge_seg,
        edge_forward=edge_forward,
        edge_length_m=edge_len,
        edge_time_s=q32(edge_len / (speed[edge_seg] * KPH)),
        edge_time_ls_s=q32(edge_len / (speed_ls[edge_seg] * KPH)),
    )
    network.validate()
    report = DropReport(
        components=components,
        nodes=int(used.sum() - keep.sum()),
        segments=int(len(u) - keep_seg.sum()),
        edges=int(n_edges_before - network.n_edges),
    )
    return network, report


def _select_shapes(offsets: I64, lon: F64, lat: F64, keep: Bool) -> tuple[F64, F64, I64]:
    offsets = np.asarray(offsets, np.int64)
    counts = np.diff(offsets)[keep]
    starts = offsets[:-1][keep]
    new_offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=new_offsets[1:])
    # Index of every kept shape point: its segment's old start plus its rank inside the segment.
    rank = np.arange(int(new_offsets[-1])) - np.repeat(new_offsets[:-1], counts)
    idx = np.repeat(starts, counts) + rank
    return quantize_deg(np.asarray(lon)[idx]), quantize_deg(np.asarray(lat)[idx]), new_offsets


def _shape_lengths(offsets: I64, lon: F64, lat: F64) -> F64:
    if len(lon) == 0:
        return np.zeros(0)
    piece = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    # Pieces that straddle two segments are not road; zero them before summing per segment.
    last_of_segment = offsets[1:-1] - 1
    piece[last_of_segment] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(piece)])
    return np.asarray(cum[offsets[1:] - 1] - cum[offsets[:-1]], dtype=np.float64)


def make_region(
    name: str,
    network: RoadNetwork,
    *,
    addresses: AddressTable,
    places: tuple[Place, ...],
    strings: tuple[str, ...],
    source: dict[str, Any],
    dropped: DropReport,
    settings: dict[str, Any],
    created_at: datetime,
) -> Region:
    """Assemble a Region and its manifest (counts and bounding box computed here)."""
    manifest = Manifest(
        name=name,
        created_at=created_at.isoformat(timespec="seconds"),
        source=source,
        bbox=_bbox(network),
        counts={
            "nodes": network.n_nodes,
            "edges": network.n_edges,
            "segments": network.n_segments,
            "addresses": len(addresses),
            "places": sum(p.kind is PlaceKind.PLACE for p in places),
            "stations": sum(p.kind is PlaceKind.STATION for p in places),
            "hospitals": sum(p.kind is PlaceKind.HOSPITAL for p in places),
        },
        dropped=dropped,
        settings=settings,
    )
    region = Region(
        manifest=manifest, network=network, addresses=addresses, places=places, strings=strings
    )
    region.validate()
    return region


def with_addresses(region: Region, addresses: AddressTable, strings: tuple[str, ...]) -> Region:
    """The same region with a new address table (and the string table it refers to)."""
    counts = dict(region.manifest.counts, addresses=len(addresses))
    updated = replace(
        region,
        addresses=addresses,
        strings=strings,
        manifest=replace(region.manifest, counts=counts),
    )
    updated.validate()
    return updated


def _bbox(network: RoadNetwork) -> tuple[float, float, float, float]:
    if network.n_nodes == 0:
        return (0.0, 0.0, 0.0, 0.0)
    lon = np.concatenate([network.node_lon, network.shape_lon])
    lat = np.concatenate([network.node_lat, network.shape_lat])
    return (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
