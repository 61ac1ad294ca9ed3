"""Turn drivable OSM ways into road segments between junctions.

Ways are cut where they leave the bounding box (or reach a node missing from the file), split
at junctions, and then chains of pieces that meet at a node no other road touches are joined
again when nothing about the road changes there: class, name, direction, speed and ZIP codes.
The result is close to osmnx's simplified graph, but a change of name or speed limit still
ends a segment, so that every segment has one name and one speed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from emscad.regions.build import SegmentSpec
from emscad.regions.model import F64, I64
from emscad.regions.osm import tags as rules
from emscad.regions.osm.elements import OsmWay
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool

BBox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class RoadWay:
    """A drivable way with the tag rules applied, its nodes in the direction it may be driven."""

    id: int
    refs: tuple[int, ...]
    lon: tuple[float, ...]
    lat: tuple[float, ...]
    road_class: RoadClass
    name: str
    oneway: bool
    speed_kph: float
    zip_left: str = ""  # left and right as seen along `refs`
    zip_right: str = ""


def road_way(way: OsmWay) -> RoadWay | None:
    """Apply the tag rules to a way; None when an ambulance may not drive it."""
    tags = way.tags
    klass = rules.road_class(tags)
    if klass is None or not rules.is_drivable(tags):
        return None
    direction = rules.direction(tags)
    refs, lon, lat = way.refs, way.lon, way.lat
    zip_left = rules.tiger_zip(tags.get("tiger:zip_left"))
    zip_right = rules.tiger_zip(tags.get("tiger:zip_right"))
    if direction is rules.Direction.BACKWARD:
        # Run the segment the way it may be driven; the sides of the street swap with it.
        refs, lon, lat = refs[::-1], lon[::-1], lat[::-1]
        zip_left, zip_right = zip_right, zip_left
    return RoadWay(
        id=way.id,
        refs=refs,
        lon=lon,
        lat=lat,
        road_class=klass,
        name=rules.street_name(tags),
        oneway=direction is not rules.Direction.BOTH,
        speed_kph=rules.speed_kph(tags, klass, direction),
        zip_left=zip_left,
        zip_right=zip_right,
    )


@dataclass(frozen=True, slots=True)
class _Attrs:
    road_class: RoadClass
    name: str
    oneway: bool
    speed_kph: float


@dataclass(slots=True)
class _Piece:
    refs: list[int]
    attrs: _Attrs
    zips: tuple[str, str]  # left, right along refs

    def reversed_zips(self) -> tuple[str, str]:
        return (self.zips[1], self.zips[0])


@dataclass(frozen=True, eq=False)
class Assembly:
    """Graph nodes (with their OSM ids) and the segments between them."""

    node_id: I64
    node_lon: F64
    node_lat: F64
    segments: SegmentSpec


def assemble_roads(ways: Iterable[RoadWay], *, bbox: BBox | None, pool: StringPool) -> Assembly:
    """Segments between junctions and dead ends, from drivable ways."""
    location: dict[int, tuple[float, float]] = {}
    runs: list[tuple[list[int], RoadWay]] = []
    for way in ways:
        for run in _usable_runs(way, bbox):
            runs.append((run, way))
            for i in run:
                location.setdefault(way.refs[i], (way.lon[i], way.lat[i]))

    uses: dict[int, int] = {}
    for run, way in runs:
        for i in run:
            ref = way.refs[i]
            uses[ref] = uses.get(ref, 0) + 1

    pieces: list[_Piece] = []
    for run, way in runs:
        attrs = _Attrs(way.road_class, way.name, way.oneway, way.speed_kph)
        refs = [way.refs[i] for i in run]
        start = 0
        for k in range(1, len(refs)):
            # A node used by another way, or twice by this one, is a junction: cut there.
            if k == len(refs) - 1 or uses[refs[k]] > 1:
                pieces.append(_Piece(refs[start : k + 1], attrs, (way.zip_left, way.zip_right)))
                start = k
    return _to_arrays(_merge_chains(pieces), location, pool)


def _usable_runs(way: RoadWay, bbox: BBox | None) -> list[list[int]]:
    """Index runs of consecutive nodes that are inside the box and have coordinates."""
    runs: list[list[int]] = []
    current: list[int] = []
    previous_ref: int | None = None
    for i, ref in enumerate(way.refs):
        lon, lat = way.lon[i], way.lat[i]
        ok = math.isfinite(lon) and math.isfinite(lat)
        if ok and bbox is not None:
            west, south, east, north = bbox
            ok = west <= lon <= east and south <= lat <= north
        if not ok:
            if len(current) >= 2:
                runs.append(current)
            current, previous_ref = [], None
            continue
        if ref == previous_ref:  # a repeated node adds nothing to the shape
            continue
        current.append(i)
        previous_ref = ref
    if len(current) >= 2:
        runs.append(current)
    return runs


def _merge_chains(pieces: list[_Piece]) -> list[_Piece]:
    """Join pieces through nodes where exactly two pieces meet and the road does not change."""
    ends: dict[int, list[tuple[int, int]]] = {}  # node -> (piece, 0 at its start / 1 at its end)
    for p, piece in enumerate(pieces):
        ends.setdefault(piece.refs[0], []).append((p, 0))
        ends.setdefault(piece.refs[-1], []).append((p, 1))

    through: dict[int, tuple[tuple[int, int], tuple[int, int]]] = {}
    for node, incident in ends.items():
        if len(incident) == 2 and _joinable(pieces, incident[0], incident[1]):
            through[node] = (incident[0], incident[1])

    def other(node: int, p: int) -> tuple[int, int]:
        a, b = through[node]
        return b if a[0] == p else a

    visited = [False] * len(pieces)
    merged: list[_Piece] = []
    for p0 in range(len(pieces)):
        if visited[p0]:
            continue
        # Walk back to the start of the chain. `forward` says whether a piece is walked
        # along its refs. A ring of joinable pieces has no start: the walk stops before it
        # comes round to p0 again, and the ring is cut there.
        p, forward = p0, True
        while True:
            start = pieces[p].refs[0] if forward else pieces[p].refs[-1]
            if start not in through:
                break
            q, end = other(start, p)
            if q == p0:
                break
            p, forward = q, end == 1
        first = p
        refs: list[int] = []
        zips = pieces[p].zips if forward else pieces[p].reversed_zips()
        while True:
            visited[p] = True
            piece = pieces[p]
            refs.extend((piece.refs if forward else piece.refs[::-1])[1 if refs else 0 :])
            stop = refs[-1]
            if stop not in through:
                break
            q, end = other(stop, p)
            if q == first or visited[q]:
                break
            p, forward = q, end == 0
        merged.append(_Piece(refs, pieces[first].attrs, zips))
    return merged


def _joinable(pieces: list[_Piece], a: tuple[int, int], b: tuple[int, int]) -> bool:
    (pa, ea), (pb, eb) = a, b
    if pa == pb:  # the two ends of a loop
        return False
    one, two = pieces[pa], pieces[pb]
    if one.attrs != two.attrs:
        return False
    # One piece must arrive and the other leave; two one-ways meeting head on stay apart.
    if one.attrs.oneway and ea == eb:
        return False
    # osmnx's rule: a node between two pieces that lead to the same node stays a node, so two
    # roads between the same junctions do not become one loop.
    far_a = one.refs[0] if ea == 1 else one.refs[-1]
    far_b = two.refs[0] if eb == 1 else two.refs[-1]
    if far_a == far_b:
        return False
    # The ZIP codes on each side must match once both run through the node the same way.
    arriving = one.zips if ea == 1 else one.reversed_zips()
    leaving = two.zips if eb == 0 else two.reversed_zips()
    return arriving == leaving


def _to_arrays(
    pieces: list[_Piece], location: dict[int, tuple[float, float]], pool: StringPool
) -> Assembly:
    node_index: dict[int, int] = {}
    for piece in pieces:
        for ref in (piece.refs[0], piece.refs[-1]):
            node_index.setdefault(ref, len(node_index))
    node_ids = np.fromiter(node_index, np.int64, len(node_index))
    node_lon = np.array([location[r][0] for r in node_index], np.float64)
    node_lat = np.array([location[r][1] for r in node_index], np.float64)

    offsets = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum([len(p.refs) for p in pieces], out=offsets[1:])
    shape_refs = [ref for piece in pieces for ref in piece.refs]
    spec = SegmentSpec(
        u=np.array([node_index[p.refs[0]] for p in pieces], np.int32),
        v=np.array([node_index[p.refs[-1]] for p in pieces], np.int32),
        shape_offsets=offsets,
        shape_lon=np.array([location[r][0] for r in shape_refs], np.float64),
        shape_lat=np.array([location[r][1] for r in shape_refs], np.float64),
        road_class=np.array([p.attrs.road_class for p in pieces], np.uint8),
        name=np.array([pool.add(p.attrs.name) for p in pieces], np.int32),
        oneway=np.array([p.attrs.oneway for p in pieces], bool),
        speed_kph=np.array([p.attrs.speed_kph for p in pieces], np.float64),
        zip_left=np.array([pool.add(p.zips[0]) for p in pieces], np.int32),
        zip_right=np.array([pool.add(p.zips[1]) for p in pieces], np.int32),
    )
    return Assembly(node_id=node_ids, node_lon=node_lon, node_lat=node_lat, segments=spec)
