"""Block faces: one side of one addressed segment, where houses and places stand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from emscad.geo import LocalPlane
from emscad.regions.model import F64, I32, I64, Bool, RoadNetwork


@dataclass(frozen=True, eq=False)
class Faces:
    """Every segment side with an address range, in the city's local metre plane.

    `frm` and `to` are the side's range as stored on the segment (from `seg_u` toward
    `seg_v`), so number n sits at fraction (n - frm) / (to - frm) along the segment, the
    same interpolation a geocoder does.
    """

    seg: I64
    left: Bool
    frm: I64
    to: I64
    x0: F64
    y0: F64
    x1: F64
    y1: F64
    street: I32
    zip: I32

    def __len__(self) -> int:
        return len(self.seg)

    @property
    def length_m(self) -> F64:
        return np.asarray(np.hypot(self.x1 - self.x0, self.y1 - self.y0))

    def number_at(self, face: I64, t: ArrayLike) -> I64:
        """The number with the face's parity nearest fraction `t` along it."""
        frm, to = self.frm[face], self.to[face]
        steps = np.round(np.asarray(t, np.float64) * (to - frm) / 2).astype(np.int64)
        return np.asarray(frm + 2 * steps)

    def position(self, face: I64, number: I64, offset_m: ArrayLike) -> tuple[F64, F64]:
        """Where house `number` stands: interpolated along the face, set back `offset_m`."""
        frm, to = self.frm[face], self.to[face]
        span = np.where(to == frm, 1, to - frm)
        t = np.where(to == frm, 0.5, (number - frm) / span)
        x0, y0, x1, y1 = self.x0[face], self.y0[face], self.x1[face], self.y1[face]
        dx, dy = x1 - x0, y1 - y0
        length = np.maximum(np.hypot(dx, dy), 1e-9)
        side = np.where(self.left[face], 1.0, -1.0) * np.asarray(offset_m, np.float64)
        x = x0 + t * dx - dy / length * side
        y = y0 + t * dy + dx / length * side
        return x, y


def faces_of(network: RoadNetwork, plane: LocalPlane) -> Faces:
    left = network.seg_left_from != 0
    right = network.seg_right_from != 0
    seg = np.concatenate([np.flatnonzero(left), np.flatnonzero(right)]).astype(np.int64)
    is_left = np.concatenate([np.ones(int(left.sum()), bool), np.zeros(int(right.sum()), bool)])
    order = np.lexsort((~is_left, seg))  # segment by segment, left side first
    seg, is_left = seg[order], is_left[order]
    frm = np.where(is_left, network.seg_left_from[seg], network.seg_right_from[seg])
    to = np.where(is_left, network.seg_left_to[seg], network.seg_right_to[seg])
    zips = np.where(is_left, network.seg_zip_left[seg], network.seg_zip_right[seg])
    first = network.seg_shape_offsets[:-1][seg]
    last = network.seg_shape_offsets[1:][seg] - 1
    x, y = plane.to_xy(network.shape_lon, network.shape_lat)
    return Faces(
        seg=seg,
        left=is_left,
        frm=frm.astype(np.int64),
        to=to.astype(np.int64),
        x0=x[first],
        y0=y[first],
        x1=x[last],
        y1=y[last],
        street=network.seg_name[seg],
        zip=zips.astype(np.int32),
    )
