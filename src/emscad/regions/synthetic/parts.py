"""Road segments in the city's local metre plane, before they become a routable network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emscad.regions.model import F64, I32, I64, U8, Bool


@dataclass(frozen=True, eq=False)
class Segments:
    """A batch of road segments; `u`/`v` index the city's node list.

    Besides what `SegmentSpec` needs, each segment carries its *number coordinate* at both
    ends (`num_u`, `num_v`: the address number the hundred-block grid puts there, NaN where
    the road has no addresses), which side gets the even numbers (`even_left`, as seen from
    `u` to `v`) and whether each side may have addresses at all.
    """

    u: I64
    v: I64
    shape_offsets: I64
    shape_x: F64
    shape_y: F64
    road_class: U8
    name: I32
    oneway: Bool
    speed_kph: F64
    num_u: F64
    num_v: F64
    even_left: Bool
    addr_left: Bool
    addr_right: Bool

    def __len__(self) -> int:
        return len(self.u)

    def select(self, mask: Bool) -> Segments:
        offsets, sx, sy = _select_shapes(self.shape_offsets, self.shape_x, self.shape_y, mask)
        return Segments(
            u=self.u[mask],
            v=self.v[mask],
            shape_offsets=offsets,
            shape_x=sx,
            shape_y=sy,
            road_class=self.road_class[mask],
            name=self.name[mask],
            oneway=self.oneway[mask],
            speed_kph=self.speed_kph[mask],
            num_u=self.num_u[mask],
            num_v=self.num_v[mask],
            even_left=self.even_left[mask],
            addr_left=self.addr_left[mask],
            addr_right=self.addr_right[mask],
        )

    def reversed_where(self, mask: Bool) -> Segments:
        """The same roads with the selected segments drawn from `v` to `u`.

        Left and right swap with the direction of travel, so the side flags swap too; the
        geometry and the numbers on the ground stay where they were.
        """
        counts = np.diff(self.shape_offsets)
        owner = np.repeat(np.arange(len(self)), counts)
        idx = np.arange(len(self.shape_x))
        start, end = self.shape_offsets[:-1][owner], self.shape_offsets[1:][owner]
        source = np.where(mask[owner], start + end - 1 - idx, idx)
        return Segments(
            u=np.where(mask, self.v, self.u),
            v=np.where(mask, self.u, self.v),
            shape_offsets=self.shape_offsets,
            shape_x=self.shape_x[source],
            shape_y=self.shape_y[source],
            road_class=self.road_class,
            name=self.name,
            oneway=self.oneway,
            speed_kph=self.speed_kph,
            num_u=np.where(mask, self.num_v, self.num_u),
            num_v=np.where(mask, self.num_u, self.num_v),
            even_left=self.even_left ^ mask,
            addr_left=np.where(mask, self.addr_right, self.addr_left),
            addr_right=np.where(mask, self.addr_left, self.addr_right),
        )

    @classmethod
    def concat(cls, batches: list[Segments]) -> Segments:
        offsets = [np.zeros(1, np.int64)]
        base = 0
        for b in batches:
            offsets.append(b.shape_offsets[1:] + base)
            base += int(b.shape_offsets[-1])
        return cls(
            u=np.concatenate([b.u for b in batches]),
            v=np.concatenate([b.v for b in batches]),
            shape_offsets=np.concatenate(offsets),
            shape_x=np.concatenate([b.shape_x for b in batches]),
            shape_y=np.concatenate([b.shape_y for b in batches]),
            road_class=np.concatenate([b.road_class for b in batches]),
            name=np.concatenate([b.name for b in batches]),
            oneway=np.concatenate([b.oneway for b in batches]),
            speed_kph=np.concatenate([b.speed_kph for b in batches]),
            num_u=np.concatenate([b.num_u for b in batches]),
            num_v=np.concatenate([b.num_v for b in batches]),
            even_left=np.concatenate([b.even_left for b in batches]),
            addr_left=np.concatenate([b.addr_left for b in batches]),
            addr_right=np.concatenate([b.addr_right for b in batches]),
        )


def make_segments(
    u: ArrayLike,
    v: ArrayLike,
    shapes: tuple[I64, F64, F64],
    *,
    road_class: ArrayLike,
    name: ArrayLike,
    oneway: ArrayLike,
    speed_kph: ArrayLike,
    num_u: ArrayLike = np.nan,
    num_v: ArrayLike = np.nan,
    even_left: ArrayLike = False,
    addr_left: ArrayLike = True,
    addr_right: ArrayLike = True,
) -> Segments:
    """Segments from columns; scalars are broadcast to every segment."""
    u_arr = np.asarray(u, np.int64)
    n = len(u_arr)

    def col(value: ArrayLike, dtype: type[np.generic]) -> NDArray[Any]:
        return np.broadcast_to(np.asarray(value, dtype), (n,)).copy()

    offsets, sx, sy = shapes
    return Segments(
        u=u_arr,
        v=col(v, np.int64),
        shape_offsets=np.asarray(offsets, np.int64),
        shape_x=np.asarray(sx, np.float64),
        shape_y=np.asarray(sy, np.float64),
        road_class=col(road_class, np.uint8),
        name=col(name, np.int32),
        oneway=col(oneway, np.bool_),
        speed_kph=col(speed_kph, np.float64),
        num_u=col(num_u, np.float64),
        num_v=col(num_v, np.float64),
        even_left=col(even_left, np.bool_),
        addr_left=col(addr_left, np.bool_),
        addr_right=col(addr_right, np.bool_),
    )


def straight_shapes(x0: F64, y0: F64, x1: F64, y1: F64) -> tuple[I64, F64, F64]:
    """Two-point shapes from (x0, y0) to (x1, y1), one per segment."""
    n = len(x0)
    offsets = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    return offsets, np.column_stack([x0, x1]).ravel(), np.column_stack([y0, y1]).ravel()


def _select_shapes(offsets: I64, x: F64, y: F64, keep: Bool) -> tuple[I64, F64, F64]:
    counts = np.diff(offsets)[keep]
    starts = offsets[:-1][keep]
    new_offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=new_offsets[1:])
    rank = np.arange(int(new_offsets[-1])) - np.repeat(new_offsets[:-1], counts)
    idx = np.repeat(starts, counts) + rank
    return new_offsets, x[idx], y[idx]
