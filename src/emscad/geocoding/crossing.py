"""Where two streets meet, estimated from their address points when there are no roads.

Houses stand back from the street and away from corners, so the closest pair of points of the
two streets is only near the corner. Fitting a line through each street's points around that
pair and intersecting the lines finds the corner itself; a blob of points with no clear
direction (a cul-de-sac) or nearly parallel lines fall back to the pair's midpoint.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

F64 = NDArray[np.float64]

_FIT_RADIUS_M = 800.0  # points used for each street's line: within this of the closest pair
_FIT_POINTS = 16  # and at most this many of its nearest, so a bend further on does not count
_MIN_SPREAD_M = 15.0  # a street's points must spread at least this far along its line
_MIN_ELONGATION = 2.5  # and be this much longer than wide (variance ratio) to have a direction
_MIN_SIN = 0.3  # lines meeting at less than about 17 degrees are too close to parallel


def approximate_crossing(
    ax: F64, ay: F64, bx: F64, by: F64, *, max_gap_m: float
) -> tuple[float, float, float] | None:
    """(x, y, gap): where street A meets street B, and how far apart their nearest points are.

    None if the streets' points never come within `max_gap_m` of each other.
    """
    if len(ax) == 0 or len(bx) == 0:
        return None
    swap = len(ax) > len(bx)
    small_x, small_y, big_x, big_y = (bx, by, ax, ay) if swap else (ax, ay, bx, by)
    found = cKDTree(np.column_stack([big_x, big_y])).query(np.column_stack([small_x, small_y]))
    dist, idx = np.asarray(found[0], np.float64), np.asarray(found[1], np.int64)
    k = int(np.argmin(dist))
    gap = float(dist[k])
    if gap > max_gap_m:
        return None
    j = int(idx[k])
    near_a = (big_x[j], big_y[j]) if swap else (small_x[k], small_y[k])
    near_b = (small_x[k], small_y[k]) if swap else (big_x[j], big_y[j])
    mx, my = (near_a[0] + near_b[0]) / 2, (near_a[1] + near_b[1]) / 2
    radius = max(_FIT_RADIUS_M, 3 * gap)
    line_a = _fit(ax, ay, mx, my, radius)
    line_b = _fit(bx, by, mx, my, radius)
    if line_a is not None and line_b is not None:
        corner = _intersect(line_a, line_b)
        if corner is not None and math.hypot(corner[0] - mx, corner[1] - my) <= radius:
            return corner[0], corner[1], gap
    # One street has a clear direction: the corner lies on it, level with the other's house.
    if line_b is not None:
        return (*_project(line_b, near_a), gap)
    if line_a is not None:
        return (*_project(line_a, near_b), gap)
    return float(mx), float(my), gap


def _fit(
    x: F64, y: F64, cx: float, cy: float, radius: float
) -> tuple[float, float, float, float] | None:
    """A line (point, unit direction) through a street's points nearest (cx, cy)."""
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    order = np.argsort(d2)[:_FIT_POINTS]
    order = order[d2[order] <= radius**2]
    if len(order) < 3:
        return None
    px, py = x[order], y[order]
    mx, my = float(px.mean()), float(py.mean())
    cov = np.cov(np.vstack([px - mx, py - my]))
    values, vectors = np.linalg.eigh(cov)  # ascending eigenvalues
    small, large = float(values[0]), float(values[1])
    if large < _MIN_SPREAD_M**2 or large < _MIN_ELONGATION * max(small, 1e-9):
        return None
    return mx, my, float(vectors[0, 1]), float(vectors[1, 1])


def _project(
    line: tuple[float, float, float, float], point: tuple[float, float]
) -> tuple[float, float]:
    lx, ly, ux, uy = line
    s = (point[0] - lx) * ux + (point[1] - ly) * uy
    return lx + s * ux, ly + s * uy


def _intersect(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float]
) -> tuple[float, float] | None:
    ax, ay, aux, auy = a
    bx, by, bux, buy = b
    cross = aux * buy - auy * bux  # sine of the angle between the unit directions
    if abs(cross) < _MIN_SIN:
        return None
    s = ((bx - ax) * buy - (by - ay) * bux) / cross
    return ax + s * aux, ay + s * auy
