"""Basemap tiles from the region's own roads: web-mercator tiles as compact JSON, offline.

A tile lists the road segments that cross it, each as its road class, a street-name index
and a polyline in tile-local integer coordinates (0..EXTENT across the tile, y down), simplified
to half a pixel for the zoom and clipped to the tile plus a small margin, so strokes that
cross a tile edge join up with the neighbour's. Low zooms carry only the major classes.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from emscad.regions.model import NO_STRING, Region
from emscad.regions.roads import RoadClass

EXTENT = 1024  # tile-local units across a 256-pixel tile: 4 per pixel
MARGIN = 32  # units past the tile edge that are kept (8 px), so line joins are drawn
MAX_ZOOM = 20
LABEL_ZOOM = 15  # street names ride along from this zoom on
TILE_FORMAT = 1  # bump when the JSON changes: it is part of the ETag

_RC = RoadClass
# The lowest zoom at which each class is drawn: a county-wide view shows the arteries only.
MIN_ZOOM: dict[RoadClass, int] = {
    _RC.MOTORWAY: 0,
    _RC.TRUNK: 0,
    _RC.MOTORWAY_LINK: 10,
    _RC.TRUNK_LINK: 10,
    _RC.PRIMARY: 8,
    _RC.PRIMARY_LINK: 12,
    _RC.SECONDARY: 10,
    _RC.SECONDARY_LINK: 13,
    _RC.TERTIARY: 11,
    _RC.TERTIARY_LINK: 13,
    _RC.UNCLASSIFIED: 13,
    _RC.RESIDENTIAL: 13,
    _RC.LIVING_STREET: 14,
    _RC.ROAD: 13,
    _RC.SERVICE: 15,
}
# Drawing order: minor roads first, so the major ones are painted over them.
_DRAW_RANK = np.zeros(256, np.int16)
for _rank, _cls in enumerate(
    [
        _RC.SERVICE,
        _RC.LIVING_STREET,
        _RC.ROAD,
        _RC.UNCLASSIFIED,
        _RC.RESIDENTIAL,
        _RC.TERTIARY_LINK,
        _RC.SECONDARY_LINK,
        _RC.PRIMARY_LINK,
        _RC.TRUNK_LINK,
        _RC.MOTORWAY_LINK,
        _RC.TERTIARY,
        _RC.SECONDARY,
        _RC.PRIMARY,
        _RC.TRUNK,
        _RC.MOTORWAY,
    ]
):
    _DRAW_RANK[int(_cls)] = _rank


def mercator(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[Any, Any]:
    """Longitude and latitude as web-mercator fractions of the world, 0..1, y down."""
    lat = np.clip(lat, -85.05112878, 85.05112878)
    x = (lon + 180.0) / 360.0
    rad = np.radians(lat)
    y = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / math.pi) / 2.0
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's west, south, east, north in degrees."""
    n = 2.0**z

    def lat(ty: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


@dataclass(frozen=True, eq=False)
class _Index:
    mx: NDArray[np.float64]  # shape points in mercator fractions
    my: NDArray[np.float64]
    offsets: NDArray[np.int64]
    seg_class: NDArray[np.uint8]
    seg_name: NDArray[np.int32]
    min_zoom: NDArray[np.int16]  # per segment
    tree: shapely.STRtree  # over the segments' bounding boxes, in mercator fractions


class TileSource:
    """Builds tiles for one region: the spatial index once, on first use; tiles in an LRU."""

    def __init__(self, region: Region, *, cache_size: int = 4096) -> None:
        self.region = region
        self._cache: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._fingerprint = ""

    @property
    def fingerprint(self) -> str:
        """Changes whenever the roads do: the region's segment file checksum, or a hash."""
        if not self._fingerprint:
            meta = self.region.manifest.files.get("segments.npz", {})
            digest = str(meta.get("sha256", ""))
            if not digest:
                net = self.region.network
                h = hashlib.sha256()
                for arr in (net.seg_shape_offsets, net.shape_lon, net.shape_lat, net.seg_class):
                    h.update(np.ascontiguousarray(arr).tobytes())
                digest = h.hexdigest()
            self._fingerprint = f"{TILE_FORMAT}-{digest[:16]}"
        return self._fingerprint

    def _built(self) -> _Index:
        with self._lock:
            if self._index is None:
                self._index = self._build()
            return self._index

    def _build(self) -> _Index:
        net = self.region.network
        mx, my = mercator(net.shape_lon, net.shape_lat)
        starts = net.seg_shape_offsets[:-1]
        if net.n_segments:
            boxes = shapely.box(
                np.minimum.reduceat(mx, starts),
                np.minimum.reduceat(my, starts),
                np.maximum.reduceat(mx, starts),
                np.maximum.reduceat(my, starts),
            )
        else:
            boxes = np.empty(0, dtype=object)
        lookup = np.full(256, 13, np.int16)
        for cls, zoom in MIN_ZOOM.items():
            lookup[int(cls)] = zoom
        return _Index(
            mx=mx,
            my=my,
            offsets=net.seg_shape_offsets,
            seg_class=net.seg_class,
            seg_name=net.seg_name,
            min_zoom=lookup[net.seg_class],
            tree=shapely.STRtree(boxes),
        )

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The tile's JSON (UTF-8), from the cache when it was built before."""
        key = (z, x, y)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        body = json.dumps(self._render(z, x, y), separators=(",", ":")).encode()
        with self._lock:
            self._cache[key] = body
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return body

    def _render(self, z: int, x: int, y: int) -> dict[str, Any]:
        idx = self._built()
        n = 2**z
        pad = MARGIN / EXTENT
        query = shapely.box((x - pad) / n, (y - pad) / n, (x + 1 + pad) / n, (y + 1 + pad) / n)
        segs = idx.tree.query(query)
        segs = segs[idx.min_zoom[segs] <= z]
        out: dict[str, Any] = {"z": z, "x": x, "y": y, "extent": EXTENT, "names": [], "roads": []}
        if len(segs) == 0:
            return out
        # Every shape point of the chosen segments, in tile-local units.
        starts, ends = idx.offsets[segs], idx.offsets[segs + 1]
        counts = ends - starts
        points = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        owner = np.repeat(np.arange(len(segs)), counts)
        coords = np.column_stack(
            ((idx.mx[points] * n - x) * EXTENT, (idx.my[points] * n - y) * EXTENT)
        )
        lo, hi = -MARGIN, EXTENT + MARGIN
        lines = shapely.linestrings(coords, indices=owner)
        clipped = np.asarray(shapely.clip_by_rect(lines, lo, lo, hi, hi), dtype=object)
        # One street of one class is one group: its segments are merged into long lines
        # (fewer, smaller polylines), then simplified to half a pixel.
        classes = idx.seg_class[segs].astype(np.int64)
        named = idx.seg_name[segs].astype(np.int64) if z >= LABEL_ZOOM else np.zeros(len(segs))
        keys = _DRAW_RANK[classes].astype(np.int64) << 32 | (named.astype(np.int64) + 1)
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        names: dict[str, int] = {}
        for group in np.split(order, bounds):
            parts = shapely.get_parts(clipped[group])
            if len(parts) == 0:
                continue
            merged = shapely.line_merge(shapely.multilinestrings(parts))
            simple = shapely.get_parts(shapely.simplify(merged, 2.0))
            first = int(group[0])
            cls = int(classes[first])
            name_ref = -1
            if z >= LABEL_ZOOM and int(named[first]) != NO_STRING:
                name = self.region.string(int(named[first]))
                name_ref = names.setdefault(name, len(names))
            for line in simple:
                pts = np.rint(shapely.get_coordinates(line)).astype(np.int32)
                # Rounding can make neighbours equal: drop repeats; a dot is not a road.
                keep = np.ones(len(pts), bool)
                keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
                pts = pts[keep]
                if len(pts) >= 2:
                    out["roads"].append([cls, name_ref, pts.ravel().tolist()])
        out["names"] = list(names)
        return out
