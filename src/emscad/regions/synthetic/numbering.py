"""Hundred-block address ranges and ZIP codes per segment side, and the hand-over to the builder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from emscad.regions.build import SegmentSpec
from emscad.regions.model import F64, I32, I64, NO_STRING, Bool
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.parts import Segments
from emscad.regions.synthetic.plan import CityPlan, zip_code

HOUSE_OFFSET_M = 20.0  # farthest a house stands from the centre of its street
SIDE_PROBE_M = 16.0  # where a side's ZIP zone is read


def to_segment_spec(plan: CityPlan, segs: Segments, pool: StringPool) -> SegmentSpec:
    """The builder's view of the roads: lon/lat shapes, classes, address ranges, ZIPs."""
    segs = _dry_sides(plan, segs)
    left_from, left_to, right_from, right_to = address_ranges(segs)
    zip_left, zip_right = _zips(plan, segs, pool)
    lon, lat = plan.plane.to_lonlat(segs.shape_x, segs.shape_y)
    return SegmentSpec(
        u=segs.u.astype(np.int32),
        v=segs.v.astype(np.int32),
        shape_offsets=segs.shape_offsets,
        shape_lon=lon,
        shape_lat=lat,
        road_class=segs.road_class,
        name=segs.name,
        oneway=segs.oneway,
        speed_kph=segs.speed_kph,
        left_from=left_from,
        left_to=left_to,
        right_from=right_from,
        right_to=right_to,
        zip_left=zip_left,
        zip_right=zip_right,
    )


def address_ranges(segs: Segments) -> tuple[I32, I32, I32, I32]:
    """(left_from, left_to, right_from, right_to) as seen from `u` to `v`; 0 for no range.

    A segment whose number coordinate runs from a to b holds the whole numbers n with
    min(a, b) <= n < max(a, b); the even ones go on one side and the odd on the other. When
    numbers fall from `u` to `v` the ranges run from high to low, so a geocoder interpolating
    from `from` at `u` to `to` at `v` lands on the right spot either way.
    """
    a, b = segs.num_u, segs.num_v
    has = np.isfinite(a) & np.isfinite(b)
    a = np.where(has, a, 0.0)
    b = np.where(has, b, 0.0)
    has &= np.abs(b - a) >= 1.0
    lo = np.ceil(np.minimum(a, b) - 1e-9).astype(np.int64)
    hi = np.ceil(np.maximum(a, b) - 1e-9).astype(np.int64) - 1
    # 0 means "no range" in the region format, so the even side starts at 2 on block 0.
    even_lo = np.maximum(lo + lo % 2, 2)
    even_hi = hi - hi % 2
    odd_lo = lo + 1 - lo % 2
    odd_hi = hi - 1 + hi % 2
    rising = b > a

    def oriented(lo_n: I64, hi_n: I64, ok: Bool) -> tuple[I64, I64]:
        ok = ok & has & (lo_n <= hi_n)
        frm = np.where(ok, np.where(rising, lo_n, hi_n), 0)
        to = np.where(ok, np.where(rising, hi_n, lo_n), 0)
        return frm, to

    ev_l = oriented(even_lo, even_hi, segs.addr_left & segs.even_left)
    od_l = oriented(odd_lo, odd_hi, segs.addr_left & ~segs.even_left)
    ev_r = oriented(even_lo, even_hi, segs.addr_right & ~segs.even_left)
    od_r = oriented(odd_lo, odd_hi, segs.addr_right & segs.even_left)
    return (
        (ev_l[0] + od_l[0]).astype(np.int32),
        (ev_l[1] + od_l[1]).astype(np.int32),
        (ev_r[0] + od_r[0]).astype(np.int32),
        (ev_r[1] + od_r[1]).astype(np.int32),
    )


def side_points(segs: Segments, t: F64, offset: float) -> tuple[F64, F64, F64, F64]:
    """Points `offset` metres left and right of each segment's chord at fractions `t`.

    Shapes are read from their first to their last point, which for the straight segments
    that carry addresses is the segment itself. Returns (left x, left y, right x, right y),
    each of shape (segments, len(t)).
    """
    first = segs.shape_offsets[:-1]
    last = segs.shape_offsets[1:] - 1
    x0, y0 = segs.shape_x[first], segs.shape_y[first]
    x1, y1 = segs.shape_x[last], segs.shape_y[last]
    dx, dy = x1 - x0, y1 - y0
    length = np.maximum(np.hypot(dx, dy), 1e-9)
    nx, ny = -dy / length * offset, dx / length * offset  # left normal, scaled
    px = x0[:, None] + t[None, :] * dx[:, None]
    py = y0[:, None] + t[None, :] * dy[:, None]
    return px + nx[:, None], py + ny[:, None], px - nx[:, None], py - ny[:, None]


def _dry_sides(plan: CityPlan, segs: Segments) -> Segments:
    """No houses where they would stand in the river."""
    river, margin = plan.river, 5.0
    first, last = segs.shape_offsets[:-1], segs.shape_offsets[1:] - 1
    y0, y1 = segs.shape_y[first], segs.shape_y[last]
    near = np.flatnonzero(
        river.may_touch(np.minimum(y0, y1), np.maximum(y0, y1), margin=HOUSE_OFFSET_M + margin)
    )
    lx, ly, rx, ry = side_points(
        segs.select(_mask(len(segs), near)), np.array([0.2, 0.5, 0.8]), HOUSE_OFFSET_M
    )
    addr_left, addr_right = segs.addr_left.copy(), segs.addr_right.copy()
    addr_left[near] &= ~river.water(lx, ly, margin=margin).any(axis=1)
    addr_right[near] &= ~river.water(rx, ry, margin=margin).any(axis=1)
    return replace(segs, addr_left=addr_left, addr_right=addr_right)


def _mask(n: int, idx: I64) -> Bool:
    mask = np.zeros(n, bool)
    mask[idx] = True
    return mask


def _zips(plan: CityPlan, segs: Segments, pool: StringPool) -> tuple[I32, I32]:
    """Each side's ZIP, from the 5 km zone its middle lies in; none on the highway."""
    lx, ly, rx, ry = side_points(segs, np.array([0.5]), SIDE_PROBE_M)
    zones_l = plan.zone(lx[:, 0], ly[:, 0])
    zones_r = plan.zone(rx[:, 0], ry[:, 0])
    zones = np.unique(np.concatenate([zones_l, zones_r]))
    ids = np.array([pool.add(zip_code(int(z))) for z in zones], np.int32)
    highway = np.isin(segs.road_class, [RoadClass.MOTORWAY, RoadClass.MOTORWAY_LINK])
    zip_l = np.where(highway, NO_STRING, ids[np.searchsorted(zones, zones_l)])
    zip_r = np.where(highway, NO_STRING, ids[np.searchsorted(zones, zones_r)])
    return zip_l.astype(np.int32), zip_r.astype(np.int32)
