"""The street grid: blocks, gaps, one-way streets, cul-de-sacs and bridges over the river."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from emscad.regions.model import F64, I64, NO_STRING, Bool
from emscad.regions.roads import MPH, RoadClass
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.lines import LineNames, name_lines
from emscad.regions.synthetic.names import NameAllocator
from emscad.regions.synthetic.parts import Segments, make_segments, straight_shapes
from emscad.regions.synthetic.plan import RAMP_REACH_M, WATER_MARGIN_M, CityPlan, River

RESIDENTIAL_KPH = 25 * MPH
COUPLET_KPH = 30 * MPH
JITTER_M = 2.5  # standard deviation of an intersection's offset from the ideal grid
REMOVED_FRACTION = 0.07  # residential blocks left out, so the grid is not perfect
OVERPASS_FRACTION = 0.35  # residential streets that cross the highway; the rest end at it
COURT_NAMED_FRACTION = 0.6


@dataclass(frozen=True, eq=False)
class Streets:
    node_x: F64
    node_y: F64
    segments: Segments


@dataclass(frozen=True, eq=False)
class _Candidates:
    """Every block of the full grid, before any is left out."""

    ew: Bool  # east-west block (along a row) rather than north-south (along a column)
    row: I64
    col: I64
    u: I64
    v: I64


def build_streets(
    plan: CityPlan, rng: np.random.Generator, names: NameAllocator, pool: StringPool
) -> Streets:
    nx, ny = plan.nx, plan.ny
    lines = name_lines(plan, rng, names, pool)
    jx = np.clip(rng.normal(0.0, JITTER_M, (ny, nx)), -6.0, 6.0)
    jy = np.clip(rng.normal(0.0, JITTER_M, (ny, nx)), -6.0, 6.0)
    node_x = (plan.col_x[None, :] + jx).ravel()
    node_y = (plan.row_y[:, None] + jy).ravel()
    wet = plan.river.water(node_x, node_y, margin=WATER_MARGIN_M)

    cand = _candidates(nx, ny)
    grid = _grid_segments(plan, cand, lines, node_x, node_y)
    oneway, backwards = _one_way(plan, rng, cand, wet)
    couplet = oneway & ~cand.ew
    grid = replace(
        grid,
        road_class=np.where(couplet, np.uint8(RoadClass.TERTIARY), grid.road_class),
        speed_kph=np.where(couplet, COUPLET_KPH, grid.speed_kph),
        oneway=oneway,
    )

    keep = ~wet[cand.u] & ~wet[cand.v]
    crossing = ~cand.ew & (cand.row == plan.r_h)
    keep &= ~crossing | _overpasses(plan, rng)[cand.col]
    keep &= ~_crosses_water(plan.river, node_x, node_y, cand.u, cand.v)
    protected = np.zeros(nx * ny, bool)
    protected[cand.u[oneway]] = True
    protected[cand.v[oneway]] = True
    removable = (
        (grid.road_class == RoadClass.RESIDENTIAL)
        & ~oneway
        & ~crossing
        & ~protected[cand.u]
        & ~protected[cand.v]
        & ~plan.in_downtown(cand.col, cand.row)
    )
    keep &= ~(removable & (rng.random(len(cand.u)) < REMOVED_FRACTION))

    hosts = _court_hosts(plan, rng, cand, keep & removable, node_x, node_y)
    split, courts, court_x, court_y = _courts(
        plan, rng, names, pool, grid, hosts, cand.row[hosts], node_x, node_y
    )
    grid = grid.reversed_where(backwards)
    keep[hosts] = False
    bridges = _bridges(plan, lines, wet, node_x, node_y)
    segments = Segments.concat([grid.select(keep), split, courts, bridges])
    return Streets(
        node_x=np.concatenate([node_x, court_x]),
        node_y=np.concatenate([node_y, court_y]),
        segments=segments,
    )


def _candidates(nx: int, ny: int) -> _Candidates:
    r_e, c_e = np.divmod(np.arange(ny * (nx - 1), dtype=np.int64), nx - 1)
    r_n, c_n = np.divmod(np.arange((ny - 1) * nx, dtype=np.int64), nx)
    u_e = r_e * nx + c_e
    u_n = r_n * nx + c_n
    return _Candidates(
        ew=np.concatenate([np.ones(len(r_e), bool), np.zeros(len(r_n), bool)]),
        row=np.concatenate([r_e, r_n]),
        col=np.concatenate([c_e, c_n]),
        u=np.concatenate([u_e, u_n]),
        v=np.concatenate([u_e + 1, u_n + nx]),
    )


def _grid_segments(
    plan: CityPlan, cand: _Candidates, lines: LineNames, node_x: F64, node_y: F64
) -> Segments:
    """Every block as a segment drawn west to east or south to north, with its numbering.

    A block's number coordinate is 100 per block from the baseline, so block k of a street
    holds k00 to k99, as on every US hundred-block grid.
    """
    ew, row, col = cand.ew, cand.row, cand.col
    east = (col >= plan.c0).astype(np.int64)
    north = (row >= plan.r0).astype(np.int64)
    num_u = np.where(ew, np.abs(col - plan.c0), np.abs(row - plan.r0)) * 100.0
    num_v = np.where(ew, np.abs(col + 1 - plan.c0), np.abs(row + 1 - plan.r0)) * 100.0
    # Drawn west to east an east-west block has north on its left; drawn south to north a
    # north-south block has west on its left.
    even_left = np.where(ew, lines.even_north[row, east], ~lines.even_east[col, north])
    crossing = ~ew & (row == plan.r_h)
    # No houses on the overpasses, nor backing onto the highway's sound walls.
    addr_left = ~crossing & ~(ew & (row == plan.r_h))
    addr_right = ~crossing & ~(ew & (row == plan.r_h + 1))
    return make_segments(
        cand.u,
        cand.v,
        straight_shapes(node_x[cand.u], node_y[cand.u], node_x[cand.v], node_y[cand.v]),
        road_class=np.where(ew, plan.row_class[row], plan.col_class[col]),
        name=np.where(ew, lines.row[row, east], lines.col[col, north]),
        oneway=False,
        speed_kph=np.where(ew, plan.row_speed_kph[row], plan.col_speed_kph[col]),
        num_u=num_u,
        num_v=num_v,
        even_left=even_left,
        addr_left=addr_left,
        addr_right=addr_right,
    )


def _one_way(
    plan: CityPlan, rng: np.random.Generator, cand: _Candidates, wet: Bool
) -> tuple[Bool, Bool]:
    """The downtown couplet and a few one-way residential stretches.

    Returns (one-way, drawn backwards): backwards blocks run east to west or north to south.
    """
    nx, ny, c0, r0 = plan.nx, plan.ny, plan.c0, plan.r0
    oneway = np.zeros(len(cand.u), bool)
    backwards = np.zeros(len(cand.u), bool)
    wet_grid = wet.reshape(ny, nx)

    # Downtown couplet: Scott St one-way south, Cumberland St one-way north, from a dozen
    # blocks south of Broadway to a couple of blocks short of the river.
    down, up = c0 + 1, c0 + 2
    wet_rows = np.flatnonzero(wet_grid[:, [down, up]].any(axis=1) & (np.arange(ny) >= r0))
    top = int(wet_rows[0]) - 1 if len(wet_rows) else ny - 1
    r_lo, r_hi = max(plan.r_h + 2, r0 - 12), min(r0 + 3, top)
    couplet = ~cand.ew & (cand.row >= r_lo) & (cand.row < r_hi) & np.isin(cand.col, [down, up])
    oneway |= couplet
    backwards |= couplet & (cand.col == down)

    # A few residential rows well away from the river and the highway get a one-way stretch.
    row_wet = wet_grid.any(axis=1)
    near_wet = row_wet | np.roll(row_wet, 1) | np.roll(row_wet, -1)
    rows = np.arange(ny)
    ok = (
        (plan.row_class == RoadClass.RESIDENTIAL)
        & ~near_wet
        & (rows > 0)
        & (rows < ny - 1)
        & (rows != plan.r_h)
        & (rows != plan.r_h + 1)
        & (rows != r0)
    )
    options = rows[ok]
    count = min(len(options), max(2, round(ny / 30)))
    chosen = np.sort(rng.choice(options, count, replace=False)) if count else options[:0]
    for i, r in enumerate(chosen):
        length = min(int(rng.integers(6, 13)), nx - 1)
        start = int(rng.integers(0, nx - length))
        stretch = cand.ew & (cand.row == r) & (cand.col >= start) & (cand.col < start + length)
        oneway |= stretch
        if i % 2:
            backwards |= stretch
    return oneway, backwards


def _overpasses(plan: CityPlan, rng: np.random.Generator) -> Bool:
    """Columns that cross the highway: every arterial and some residential streets, but none
    right beside an interchange, where the ramps are."""
    x = plan.col_x
    near_ramp = np.zeros(plan.nx, bool)
    for c in plan.interchange_cols:
        near_ramp |= np.abs(x - x[c]) < RAMP_REACH_M + 15.0
    arterial = plan.col_class != RoadClass.RESIDENTIAL
    lucky = rng.random(plan.nx) < OVERPASS_FRACTION
    return np.asarray(arterial | (lucky & ~near_ramp))


def _crosses_water(river: River, x: F64, y: F64, u: I64, v: I64) -> Bool:
    """True for straight segments that touch the river anywhere along their length."""
    margin = 10.0
    wet = np.zeros(len(u), bool)
    near = np.flatnonzero(
        river.may_touch(np.minimum(y[u], y[v]), np.maximum(y[u], y[v]), margin=margin)
    )
    nu, nv = u[near], v[near]
    t = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])[None, :]
    xs = x[nu][:, None] + t * (x[nv] - x[nu])[:, None]
    ys = y[nu][:, None] + t * (y[nv] - y[nu])[:, None]
    wet[near] = river.water(xs, ys, margin=margin).any(axis=1)
    return wet


def _court_hosts(
    plan: CityPlan,
    rng: np.random.Generator,
    cand: _Candidates,
    eligible: Bool,
    node_x: F64,
    node_y: F64,
) -> I64:
    """East-west residential blocks that get a cul-de-sac, more often toward the suburbs.

    Courts always point north into the block above, so two can never meet in one block.
    """
    mx = (node_x[cand.u] + node_x[cand.v]) / 2
    my = (node_y[cand.u] + node_y[cand.v]) / 2
    dx, dy = plan.downtown
    reach = 0.5 * max(float(np.ptp(plan.col_x)), float(np.ptp(plan.row_y)))
    p = 0.01 + 0.07 * np.clip(np.hypot(mx - dx, my - dy) / reach, 0.0, 1.0)
    ok = eligible & cand.ew & (cand.row < plan.ny - 1) & (cand.row != plan.r_h)
    return np.flatnonzero(ok & (rng.random(len(cand.u)) < p)).astype(np.int64)


def _courts(
    plan: CityPlan,
    rng: np.random.Generator,
    names: NameAllocator,
    pool: StringPool,
    grid: Segments,
    hosts: I64,
    rows: I64,
    node_x: F64,
    node_y: F64,
) -> tuple[Segments, Segments, F64, F64]:
    """Split each host block at a new junction and run a short dead-end court north from it.

    Returns the two halves of every host block, the courts, and the new nodes (junction,
    court end, junction, court end, ...). Courts whose end would be wet are not built.
    """
    n = len(hosts)
    f = rng.uniform(0.35, 0.65, n)
    gap = plan.row_y[rows + 1] - plan.row_y[rows]
    depth = rng.uniform(0.32, 0.42, n) * gap
    named = rng.random(n) < COURT_NAMED_FRACTION
    even_left = rng.random(n) < 0.5
    xu, yu, xv, yv = (
        node_x[grid.u[hosts]],
        node_y[grid.u[hosts]],
        node_x[grid.v[hosts]],
        node_y[grid.v[hosts]],
    )
    jx, jy = xu + f * (xv - xu), yu + f * (yv - yu)
    ex, ey = jx + rng.normal(0.0, 2.0, n), jy + depth
    dry = ~plan.river.water(ex, ey, margin=WATER_MARGIN_M)
    hosts, f, rows, gap, depth = hosts[dry], f[dry], rows[dry], gap[dry], depth[dry]
    named, even_left = named[dry], even_left[dry]
    jx, jy, ex, ey = jx[dry], jy[dry], ex[dry], ey[dry]
    n = len(hosts)

    base = len(node_x)
    junction = base + 2 * np.arange(n, dtype=np.int64)
    end = junction + 1
    num_j = grid.num_u[hosts] + f * (grid.num_v[hosts] - grid.num_u[hosts])

    def half(u: I64, v: I64, x0: F64, y0: F64, x1: F64, y1: F64, a: F64, b: F64) -> Segments:
        return make_segments(
            u,
            v,
            straight_shapes(x0, y0, x1, y1),
            road_class=grid.road_class[hosts],
            name=grid.name[hosts],
            oneway=False,
            speed_kph=grid.speed_kph[hosts],
            num_u=a,
            num_v=b,
            even_left=grid.even_left[hosts],
            addr_left=grid.addr_left[hosts],
            addr_right=grid.addr_right[hosts],
        )

    hu, hv = grid.u[hosts], grid.v[hosts]
    west = half(hu, junction, node_x[hu], node_y[hu], jx, jy, grid.num_u[hosts], num_j)
    east = half(junction, hv, jx, jy, node_x[hv], node_y[hv], num_j, grid.num_v[hosts])

    # A court is numbered on the north-south grid like the avenues either side of it.
    name = np.full(n, NO_STRING, np.int32)
    for i in np.flatnonzero(named):
        court = names.court()
        if court is not None:
            name[i] = pool.add(court)
    has_name = name != NO_STRING
    row_num = np.abs(rows + depth / gap - plan.r0) * 100.0
    courts = make_segments(
        junction,
        end,
        straight_shapes(jx, jy, ex, ey),
        road_class=RoadClass.RESIDENTIAL,
        name=name,
        oneway=False,
        speed_kph=RESIDENTIAL_KPH,
        num_u=np.where(has_name, np.abs(rows - plan.r0) * 100.0, np.nan),
        num_v=np.where(has_name, row_num, np.nan),
        even_left=even_left,
    )
    nodes_x = np.column_stack([jx, ex]).ravel()
    nodes_y = np.column_stack([jy, ey]).ravel()
    return Segments.concat([west, east]), courts, nodes_x, nodes_y


def _bridges(plan: CityPlan, lines: LineNames, wet: Bool, node_x: F64, node_y: F64) -> Segments:
    """One span per bridge column, from the last dry corner south of the river to the first
    north of it. Bridges carry no addresses."""
    nx = plan.nx
    wet_grid = wet.reshape(plan.ny, nx)
    us: list[int] = []
    vs: list[int] = []
    cols: list[int] = []
    for c in plan.bridge_cols:
        centre = float(plan.river.centre(plan.col_x[c]))
        dry = ~wet_grid[:, c]
        below = np.flatnonzero(dry & (plan.row_y < centre))
        above = np.flatnonzero(dry & (plan.row_y > centre))
        if len(below) and len(above):
            us.append(int(below[-1]) * nx + int(c))
            vs.append(int(above[0]) * nx + int(c))
            cols.append(int(c))
    u = np.array(us, np.int64)
    v = np.array(vs, np.int64)
    c_arr = np.array(cols, np.int64)
    north = (u // nx >= plan.r0).astype(np.int64)
    return make_segments(
        u,
        v,
        straight_shapes(node_x[u], node_y[u], node_x[v], node_y[v]),
        road_class=plan.col_class[c_arr],
        name=lines.col[c_arr, north],
        oneway=False,
        speed_kph=plan.col_speed_kph[c_arr],
        addr_left=False,
        addr_right=False,
    )
