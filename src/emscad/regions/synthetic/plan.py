"""The city's layout: grid lines, baselines, arterials, river, highway corridor and ZIP zones."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from emscad.errors import InvalidInput
from emscad.geo import LocalPlane
from emscad.regions.model import F64, I64, U8, Bool
from emscad.regions.roads import MPH, RoadClass

CENTRE_LON, CENTRE_LAT = -92.30, 34.75
MIN_NODES, MAX_NODES = 400, 2_000_000

CITY = "Riverton"
NORTH_CITY = "North Riverton"
STATE = "AR"
FIRST_ZIP = 72201
ZONE_M = 5_000.0  # ZIP zones are squares of this side

WATER_MARGIN_M = 30.0  # no intersection this close to the water: streets stop at the bank
HIGHWAY_GAP_M = 210.0  # the rows either side of the highway are this far apart
CARRIAGEWAY_OFFSET_M = 20.0  # each carriageway's distance from the highway's centre line
RAMP_REACH_M = 150.0  # how far along the highway a ramp meets it, from the arterial
INTERCHANGE_SPACING_M = 2_500.0
DOWNTOWN_BLOCKS = 8  # downtown's grid is complete: no missing blocks, no cul-de-sacs
BRIDGE_SPACING_M = 2_500.0

# Where nodes come from beyond the plain grid, as fractions of the grid's node count, and how
# many rows the river takes per column: used to size the grid so the city lands near `nodes`.
_GROWTH = 0.098
_WET_ROWS = 2.5

STAGES = ("plan", "streets", "highway", "places", "addresses")


def stage_rngs(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stage, all from `default_rng(seed)`.

    Separate streams keep a stage's output stable when another stage changes how many
    random numbers it draws, and let tests rebuild the plan alone.
    """
    children = np.random.default_rng(seed).spawn(len(STAGES))
    return dict(zip(STAGES, children, strict=True))


@dataclass(frozen=True, slots=True)
class River:
    """An east-west river: a meandering centre line and a constant width, in local metres."""

    y0: float
    amplitudes: tuple[float, float]
    wavelengths: tuple[float, float]
    phases: tuple[float, float]
    half_width: float

    def centre(self, x: ArrayLike) -> F64:
        xa = np.asarray(x, np.float64)
        y = np.full(xa.shape, self.y0)
        for a, w, p in zip(self.amplitudes, self.wavelengths, self.phases, strict=True):
            y = y + a * np.sin(2 * np.pi * xa / w + p)
        return y

    def water(self, x: ArrayLike, y: ArrayLike, *, margin: float = 0.0) -> Bool:
        """True where (x, y) is in the river or within `margin` metres of its banks."""
        ya = np.asarray(y, np.float64)
        return np.asarray(np.abs(ya - self.centre(x)) < self.half_width + margin)

    def may_touch(self, y_low: ArrayLike, y_high: ArrayLike, *, margin: float) -> Bool:
        """False where the band from `y_low` to `y_high` is surely clear of the water: a cheap
        pre-test that spares the exact one for the far-off bulk of a big city."""
        reach = sum(abs(a) for a in self.amplitudes) + self.half_width + margin
        lo, hi = np.asarray(y_low, np.float64), np.asarray(y_high, np.float64)
        return np.asarray((hi > self.y0 - reach) & (lo < self.y0 + reach))

    def north_of(self, x: ArrayLike, y: ArrayLike) -> Bool:
        return np.asarray(np.asarray(y, np.float64) > self.centre(x))


@dataclass(frozen=True, eq=False)
class CityPlan:
    """Everything about the city's shape that is decided before a single road is drawn.

    Columns run north-south and are indexed west to east; rows run east-west and are indexed
    south to north. `c0` is Main St (the east/west baseline), `r0` is Broadway (north/south).
    The highway runs between rows `r_h` and `r_h + 1`.
    """

    seed: int
    nodes: int
    plane: LocalPlane
    col_x: F64
    row_y: F64
    c0: int
    r0: int
    col_class: U8
    row_class: U8
    col_speed_kph: F64
    row_speed_kph: F64
    bridge_cols: I64
    r_h: int
    interchange_cols: I64
    river: River
    zone_origin: tuple[float, float]  # west edge and north edge of the ZIP zone grid
    zone_cols: int

    @property
    def nx(self) -> int:
        return len(self.col_x)

    @property
    def ny(self) -> int:
        return len(self.row_y)

    @property
    def highway_y(self) -> float:
        return float((self.row_y[self.r_h] + self.row_y[self.r_h + 1]) / 2)

    @property
    def downtown(self) -> tuple[float, float]:
        return float(self.col_x[self.c0]), float(self.row_y[self.r0])

    def in_downtown(self, col: ArrayLike, row: ArrayLike) -> Bool:
        """Grid positions within DOWNTOWN_BLOCKS blocks of Main St and Broadway."""
        dc = np.abs(np.asarray(col) - self.c0)
        dr = np.abs(np.asarray(row) - self.r0)
        return np.asarray(np.maximum(dc, dr) <= DOWNTOWN_BLOCKS)

    def zone(self, x: ArrayLike, y: ArrayLike) -> I64:
        """ZIP zone index, row-major from the north-west corner."""
        west, north = self.zone_origin
        col = np.floor((np.asarray(x, np.float64) - west) / ZONE_M).astype(np.int64)
        row = np.floor((north - np.asarray(y, np.float64)) / ZONE_M).astype(np.int64)
        return np.asarray(row * self.zone_cols + np.clip(col, 0, self.zone_cols - 1))

    def city_is_north(self, x: ArrayLike, y: ArrayLike) -> Bool:
        """True where a location belongs to North Riverton, across the river."""
        return self.river.north_of(x, y)


def zip_code(zone: int) -> str:
    return f"{FIRST_ZIP + zone:05d}"


def check_nodes(nodes: int) -> None:
    if not MIN_NODES <= nodes <= MAX_NODES:
        raise InvalidInput(f"nodes must be between {MIN_NODES:,} and {MAX_NODES:,} (got {nodes:,})")


def grid_size(nodes: int) -> tuple[int, int]:
    """Columns and rows of a near-square grid that ends up with about `nodes` road nodes.

    Solves (1 + growth) nx ny - wet_rows nx - growth downtown = nodes: cul-de-sacs add nodes
    in proportion to the grid except downtown, which has none, and the river takes a few
    rows' worth along every column. The row count is fixed first and the column count then
    absorbs the rounding.
    """
    a, b = 1 + _GROWTH, _WET_ROWS
    nodes += round(_GROWTH * (2 * DOWNTOWN_BLOCKS + 1) ** 2)
    side = (b + math.sqrt(b * b + 4 * a * nodes)) / (2 * a)
    ny = max(20, math.floor(side))
    nx = max(20, round(nodes / (a * ny - b)))
    return nx, ny


def plan_city(seed: int, nodes: int) -> CityPlan:
    """Lay out the city for `seed` and `nodes`; the same pair always gives the same plan."""
    check_nodes(nodes)
    if seed < 0:
        raise InvalidInput(f"seed must be zero or positive (got {seed})")
    rng = stage_rngs(seed)["plan"]
    nx, ny = grid_size(nodes)

    c0 = (nx - 1) // 2
    r0 = round(0.6 * (ny - 1))
    r_h = max(2, round(0.35 * r0))

    col_gaps = rng.uniform(105.0, 130.0, nx - 1)
    row_gaps = rng.uniform(100.0, 125.0, ny - 1)
    row_gaps[r_h] = HIGHWAY_GAP_M
    col_x = np.concatenate([[0.0], np.cumsum(col_gaps)])
    row_y = np.concatenate([[0.0], np.cumsum(row_gaps)])
    col_x -= (col_x[0] + col_x[-1]) / 2
    row_y -= (row_y[0] + row_y[-1]) / 2

    art_cols = _arterial_lines(rng, nx, c0)
    art_rows = _arterial_lines(rng, ny, r0)
    col_class, col_speed = _classes(rng, nx, art_cols, c0)
    row_class, row_speed = _classes(rng, ny, art_rows, r0)

    river = _river(rng, row_y, r0)
    west, north = float(col_x[0]) - 500.0, float(row_y[-1]) + 500.0
    zone_cols = max(1, math.ceil((float(col_x[-1]) + 500.0 - west) / ZONE_M))
    return CityPlan(
        seed=seed,
        nodes=nodes,
        plane=LocalPlane(CENTRE_LON, CENTRE_LAT),
        col_x=col_x,
        row_y=row_y,
        c0=c0,
        r0=r0,
        col_class=col_class,
        row_class=row_class,
        col_speed_kph=col_speed,
        row_speed_kph=row_speed,
        bridge_cols=_spread(art_cols, col_x, c0, BRIDGE_SPACING_M),
        r_h=r_h,
        interchange_cols=_interchanges(art_cols, col_x),
        river=river,
        zone_origin=(west, north),
        zone_cols=zone_cols,
    )


def _arterial_lines(rng: np.random.Generator, n: int, base: int) -> I64:
    """The baseline and every 6th to 9th line either side of it.

    The first arterial out from the baseline is 8 or 9 lines away, so the downtown streets
    up to 7th St are always plain residential streets (and a grid of 20 lines still has an
    arterial on each side of Main St).
    """
    lines = [base]
    for step in (-1, 1):
        at = base + step * int(rng.integers(8, 10))
        while 0 <= at < n:
            lines.append(at)
            at += step * int(rng.integers(6, 10))
    return np.array(sorted(lines), np.int64)


def _classes(rng: np.random.Generator, n: int, arterials: I64, base: int) -> tuple[U8, F64]:
    """Road class and posted speed per line: every other arterial counted from the baseline is
    PRIMARY, the others SECONDARY; the rest are residential at the default 25 mph."""
    klass = np.full(n, RoadClass.RESIDENTIAL, np.uint8)
    speed = np.full(n, 25 * MPH)
    rank = np.abs(np.searchsorted(arterials, arterials) - np.searchsorted(arterials, base))
    primary = rank % 2 == 0
    klass[arterials] = np.where(primary, RoadClass.PRIMARY, RoadClass.SECONDARY)
    posted = np.where(primary, rng.choice([40.0, 45.0], len(arterials)), 0.0)
    posted = np.where(primary, posted, rng.choice([35.0, 40.0], len(arterials)))
    speed[arterials] = posted * MPH
    speed[base] = 35 * MPH  # downtown's main streets are slower
    return klass, speed


def _spread(arterials: I64, pos: F64, base: int, spacing: float) -> I64:
    """Arterial lines at least `spacing` apart, starting from the baseline; at least two."""
    order = arterials[np.argsort(np.abs(pos[arterials] - pos[base]), kind="stable")]
    chosen = [base]
    for line in order:
        if all(abs(pos[line] - pos[c]) >= spacing for c in chosen):
            chosen.append(int(line))
    if len(chosen) < 2:
        chosen.append(int(next(line for line in order if line != base)))
    return np.array(sorted(chosen), np.int64)


def _interchanges(arterials: I64, col_x: F64) -> I64:
    """Every few km along the highway, from the westernmost arterial to the easternmost."""
    chosen = [int(arterials[0])]
    for col in arterials[1:-1]:
        if col_x[col] - col_x[chosen[-1]] >= INTERCHANGE_SPACING_M:
            chosen.append(int(col))
    last = int(arterials[-1])
    if len(chosen) > 1 and col_x[last] - col_x[chosen[-1]] < INTERCHANGE_SPACING_M / 2:
        chosen[-1] = last
    else:
        chosen.append(last)
    return np.array(chosen, np.int64)


def _river(rng: np.random.Generator, row_y: F64, r0: int) -> River:
    """A river north of downtown, leaving a few blocks on either bank."""
    top = float(row_y[-1])
    base = float(row_y[r0])
    y0 = base + 0.45 * (top - base)
    half_width = float(rng.uniform(80.0, 110.0))
    clear = min(y0 - base, top - y0) - half_width - WATER_MARGIN_M - 280.0
    a1 = float(np.clip(clear / 1.3, 0.0, 350.0))
    return River(
        y0=y0,
        amplitudes=(a1, 0.3 * a1),
        wavelengths=(float(rng.uniform(5_000.0, 8_000.0)), float(rng.uniform(1_800.0, 2_600.0))),
        phases=(float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0, 2 * np.pi))),
        half_width=half_width,
    )
