"""A representative point and an uncertainty radius for each geodetic shape."""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry import Polygon

from emscad.errors import InvalidInput
from emscad.geo import LocalPlane, haversine_m
from emscad.intake.pidf.models import Shape, ShapeKind


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(haversine_m(lon1, lat1, lon2, lat2))


def polygon_centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The area centroid of a (lon, lat) ring, computed in metres on a local plane.

    Degrees of longitude shrink with latitude, so a centroid taken in raw degrees would lean
    east-west; over the kilometres a location polygon spans the local plane is exact enough.
    """
    lon0, lat0 = ring[0]
    plane = LocalPlane(lon0=lon0, lat0=lat0)
    xs, ys = plane.to_xy([p[0] for p in ring], [p[1] for p in ring])
    polygon = Polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)))
    if polygon.area <= 0:
        raise InvalidInput("the location polygon has no area")
    if not polygon.is_valid:
        raise InvalidInput("the location polygon crosses itself")
    c = polygon.centroid
    lon, lat = plane.to_lonlat(c.x, c.y)
    return float(lon), float(lat)


def representative(shape: Shape) -> tuple[float, float, float | None]:
    """(lon, lat, uncertainty in m) of a shape; a point has no stated uncertainty."""
    if shape.kind is ShapeKind.POLYGON:
        lon, lat = polygon_centroid(shape.points)
        # The farthest vertex bounds every point of the polygon from its centroid.
        farthest = max(distance_m(lon, lat, v[0], v[1]) for v in shape.points)
        return lon, lat, farthest
    lon, lat = shape.points[0]
    if shape.kind is ShapeKind.CIRCLE:
        return lon, lat, shape.radius_m
    if shape.kind is ShapeKind.ELLIPSE:
        # The semi-major axis: the largest distance from the centre the ellipse allows.
        return lon, lat, shape.semi_major_m
    return lon, lat, None
