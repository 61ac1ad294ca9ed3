"""The interstate: two one-way carriageways across the city, reached only by ramps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emscad.regions.model import F64, I64, NO_STRING, Bool
from emscad.regions.roads import DEFAULT_SPEED_KPH, RoadClass
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.parts import Segments, make_segments, straight_shapes
from emscad.regions.synthetic.plan import CARRIAGEWAY_OFFSET_M, RAMP_REACH_M, CityPlan

HIGHWAY_NAME = "I-630"
_RAMP_POINTS = 7


@dataclass(frozen=True, eq=False)
class Highway:
    node_x: F64  # new nodes, numbered after the streets' nodes
    node_y: F64
    segments: Segments


def build_highway(plan: CityPlan, node_x: F64, node_y: F64, pool: StringPool) -> Highway:
    """Carriageways between the outermost interchanges and diamond ramps at each.

    The highway runs in its own corridor between rows `r_h` and `r_h + 1` and has no node
    where a street passes over it: the only ways on or off are the ramps, which meet the
    arterial at the corners either side of the corridor. Eastbound keeps to the south side,
    as traffic drives on the right.
    """
    nx, r_h = plan.nx, plan.r_h
    cols = [int(c) for c in plan.interchange_cols]
    south = [r_h * nx + c for c in cols]  # the arterial's corner on each side of the corridor
    north = [(r_h + 1) * nx + c for c in cols]
    xs = [float(node_x[s]) for s in south]
    xn = [float(node_x[n]) for n in north]
    k = len(cols)
    y_eb = plan.highway_y - CARRIAGEWAY_OFFSET_M
    y_wb = plan.highway_y + CARRIAGEWAY_OFFSET_M
    d = RAMP_REACH_M

    new_x: list[float] = []
    new_y: list[float] = []

    def node(x: float, y: float) -> int:
        new_x.append(x)
        new_y.append(y)
        return len(node_x) + len(new_x) - 1

    # Eastbound: on at the first interchange, then off and on at each one, off at the last.
    eb_on = {i: node(xs[i] + d, y_eb) for i in range(k - 1)}
    eb_off = {i: node(xs[i] - d, y_eb) for i in range(1, k)}
    eb_chain = [eb_on[0]] + [
        n for i in range(1, k) for n in (eb_off[i], eb_on.get(i)) if n is not None
    ]
    # Westbound mirrors it from the east end.
    wb_on = {i: node(xn[i] - d, y_wb) for i in range(1, k)}
    wb_off = {i: node(xn[i] + d, y_wb) for i in range(k - 1)}
    wb_chain = [wb_on[k - 1]] + [
        n for i in range(k - 2, -1, -1) for n in (wb_off[i], wb_on.get(i)) if n is not None
    ]

    all_x = np.concatenate([node_x, np.array(new_x)])
    all_y = np.concatenate([node_y, np.array(new_y)])
    main_u = np.array(eb_chain[:-1] + wb_chain[:-1], np.int64)
    main_v = np.array(eb_chain[1:] + wb_chain[1:], np.int64)
    carriageways = make_segments(
        main_u,
        main_v,
        straight_shapes(all_x[main_u], all_y[main_u], all_x[main_v], all_y[main_v]),
        road_class=RoadClass.MOTORWAY,
        name=pool.add(HIGHWAY_NAME),
        oneway=True,
        speed_kph=DEFAULT_SPEED_KPH[RoadClass.MOTORWAY],
        addr_left=False,
        addr_right=False,
    )

    ramps: list[tuple[int, int]] = []
    ramps += [(eb_off[i], south[i]) for i in eb_off]
    ramps += [(south[i], eb_on[i]) for i in eb_on]
    ramps += [(wb_off[i], north[i]) for i in wb_off]
    ramps += [(north[i], wb_on[i]) for i in wb_on]
    ramp_u = np.array([a for a, _ in ramps], np.int64)
    ramp_v = np.array([b for _, b in ramps], np.int64)
    links = make_segments(
        ramp_u,
        ramp_v,
        _ramp_shapes(all_x, all_y, ramp_u, ramp_v, highway_end=ramp_u >= len(node_x)),
        road_class=RoadClass.MOTORWAY_LINK,
        name=NO_STRING,
        oneway=True,
        speed_kph=DEFAULT_SPEED_KPH[RoadClass.MOTORWAY_LINK],
        addr_left=False,
        addr_right=False,
    )
    return Highway(
        node_x=np.array(new_x),
        node_y=np.array(new_y),
        segments=Segments.concat([carriageways, links]),
    )


def _ramp_shapes(
    x: F64,
    y: F64,
    u: I64,
    v: I64,
    *,
    highway_end: Bool,
) -> tuple[I64, F64, F64]:
    """Quadratic curves that leave (or join) the carriageway tangentially and meet the
    arterial's corner at an angle, like the ramps of a diamond interchange."""
    hw = np.where(highway_end, u, v)
    street = np.where(highway_end, v, u)
    # The control point sits on the carriageway's line, part way from the ramp's highway end
    # toward the arterial.
    cx = x[street] + 0.3 * (x[hw] - x[street])
    cy = y[hw]
    t = np.linspace(0.0, 1.0, _RAMP_POINTS)[None, :]
    ax, ay = x[u][:, None], y[u][:, None]
    bx, by = x[v][:, None], y[v][:, None]
    px = (1 - t) ** 2 * ax + 2 * (1 - t) * t * cx[:, None] + t**2 * bx
    py = (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy[:, None] + t**2 * by
    offsets = np.arange(0, _RAMP_POINTS * len(u) + 1, _RAMP_POINTS, dtype=np.int64)
    return offsets, px.ravel(), py.ravel()
