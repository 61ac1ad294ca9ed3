"""Names and numbering conventions of the city's grid lines (streets and avenues)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emscad.regions.model import I32, Bool
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.names import (
    BASELINE_STREET,
    DOWNTOWN_STREETS,
    MAIN_STREET,
    NameAllocator,
    ordinal,
)
from emscad.regions.synthetic.plan import CityPlan


@dataclass(frozen=True, eq=False)
class LineNames:
    """Each line's two full names in the string pool and which side has the even numbers.

    `col[c]` holds ("S Oak St", "N Oak St"): column c south and north of Broadway.
    `row[r]` holds ("W 7th St", "E 7th St"): row r west and east of Main St.
    """

    col: I32  # (nx, 2)
    row: I32  # (ny, 2)
    even_east: Bool  # (nx, 2): even numbers on the east side of that column's half
    even_north: Bool  # (ny, 2)


def name_lines(
    plan: CityPlan, rng: np.random.Generator, names: NameAllocator, pool: StringPool
) -> LineNames:
    """Name every line of the grid.

    Rows south of Broadway are numbered ("1st St" next to it, growing southward, as in many
    river towns); arterial rows and rows north of Broadway get names, as do all columns.
    Central lines are named first, so downtown gets the plain, familiar names.
    """
    nx, ny, c0, r0 = plan.nx, plan.ny, plan.c0, plan.r0
    col_base: list[str] = [""] * nx
    row_base: list[str] = [""] * ny
    col_base[c0] = MAIN_STREET
    for offset, street in DOWNTOWN_STREETS.items():
        if 0 <= c0 + offset < nx:
            col_base[c0 + offset] = street
    row_base[r0] = BASELINE_STREET
    for r in range(r0):
        if plan.row_class[r] == RoadClass.RESIDENTIAL:
            row_base[r] = f"{ordinal(r0 - r)} St"

    todo = [
        (abs(float(plan.col_x[c] - plan.col_x[c0])), 0, c) for c in range(nx) if not col_base[c]
    ]
    todo += [
        (abs(float(plan.row_y[r] - plan.row_y[r0])), 1, r) for r in range(ny) if not row_base[r]
    ]
    for _, is_row, i in sorted(todo):
        klass = plan.row_class[i] if is_row else plan.col_class[i]
        street = names.street(arterial=klass != RoadClass.RESIDENTIAL)
        (row_base if is_row else col_base)[i] = street

    col = np.array([[pool.add(f"S {b}"), pool.add(f"N {b}")] for b in col_base], np.int32)
    row = np.array([[pool.add(f"W {b}"), pool.add(f"E {b}")] for b in row_base], np.int32)
    return LineNames(
        col=col,
        row=row,
        even_east=rng.random((nx, 2)) < 0.5,
        even_north=rng.random((ny, 2)) < 0.5,
    )
