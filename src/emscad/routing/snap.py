"""Snapping: the nearest road segment to a point and the position along it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from emscad.errors import InvalidInput
from emscad.geo import LocalPlane
from emscad.regions.model import RoadNetwork


class OffMap(InvalidInput):
    """A point is too far from every road of the region."""


@dataclass(frozen=True, slots=True)
class Snap:
    """A position on the road network.

    `fraction` runs from 0 at the segment's first node (`seg_u`) to 1 at its last (`seg_v`),
    measured along the segment's shape.
    """

    seg: int
    fraction: float
    distance_m: float  # from the queried point to the road
    lon: float  # the point on the road
    lat: float


class Snapper:
    """An R-tree (shapely STRtree) over the segment shapes, in a local metric plane."""

    def __init__(self, network: RoadNetwork) -> None:
        self._network = network
        if network.n_nodes == 0:
            raise InvalidInput("the region has no roads")
        self._plane = LocalPlane(
            float((network.node_lon.min() + network.node_lon.max()) / 2),
            float((network.node_lat.min() + network.node_lat.max()) / 2),
        )
        x, y = self._plane.to_xy(network.shape_lon, network.shape_lat)
        owner = np.repeat(
            np.arange(network.n_segments), np.diff(network.seg_shape_offsets).astype(np.int64)
        )
        self._lines: NDArray[np.object_] = np.asarray(
            shapely.linestrings(np.column_stack([x, y]), indices=owner)
        )
        self._tree = shapely.STRtree(self._lines)

    def snap_many(self, lon: ArrayLike, lat: ArrayLike, *, max_distance_m: float) -> list[Snap]:
        """Snap each point; raise OffMap naming the first point farther than the limit."""
        lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        if lon_arr.shape != lat_arr.shape:
            raise InvalidInput("longitudes and latitudes differ in number")
        if len(lon_arr) == 0:
            return []
        if not (np.all(np.isfinite(lon_arr)) and np.all(np.isfinite(lat_arr))):
            raise InvalidInput("coordinates must be finite numbers")
        x, y = self._plane.to_xy(lon_arr, lat_arr)
        points: NDArray[np.object_] = np.asarray(shapely.points(x, y))
        (query_idx, seg_idx), dist = self._tree.query_nearest(
            points, return_distance=True, all_matches=True
        )
        # Where several roads are equally near (a point on an intersection), take the lowest
        # segment number so the answer never depends on the tree's internal order.
        best = np.full(len(points), np.iinfo(np.int64).max)
        np.minimum.at(best, query_idx, seg_idx)
        distance = np.full(len(points), np.inf)
        np.minimum.at(distance, query_idx, dist)
        far = np.flatnonzero(distance > max_distance_m)
        if len(far):
            i = int(far[0])
            raise OffMap(
                f"point {lon_arr[i]:.6f},{lat_arr[i]:.6f} is off the map: the nearest road is "
                f"{distance[i]:,.0f} m away (the limit is {max_distance_m:,.0f} m)"
            )
        lines = self._lines[best]
        fraction = shapely.line_locate_point(lines, points, normalized=True)
        fraction = np.nan_to_num(np.clip(fraction, 0.0, 1.0))  # a zero-length road gives NaN
        on_road = shapely.line_interpolate_point(lines, fraction, normalized=True)
        road_lon, road_lat = self._plane.to_lonlat(shapely.get_x(on_road), shapely.get_y(on_road))
        return [
            Snap(
                seg=int(best[i]),
                fraction=float(fraction[i]),
                distance_m=float(distance[i]),
                lon=float(road_lon[i]),
                lat=float(road_lat[i]),
            )
            for i in range(len(points))
        ]

    def snap(self, lon: float, lat: float, *, max_distance_m: float) -> Snap:
        return self.snap_many([lon], [lat], max_distance_m=max_distance_m)[0]
