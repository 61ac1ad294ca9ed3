"""Putting places on the map: spread-out targets, and the free block face nearest each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from emscad.regions.model import F64, I64, Bool
from emscad.regions.synthetic.faces import Faces

PLACE_OFFSET_M = 18.0  # a place stands where a house would, well within snapping distance


@dataclass(frozen=True, slots=True)
class Site:
    face: int
    number: int
    x: float
    y: float


class Siter:
    """Finds, for a target point, the nearest block face no other place has taken.

    One place per segment keeps every place's street address unique and its position
    unambiguous.
    """

    def __init__(self, faces: Faces, rng: np.random.Generator, *, preferred: Bool) -> None:
        self._faces = faces
        self._rng = rng
        mx = (faces.x0 + faces.x1) / 2
        my = (faces.y0 + faces.y1) / 2
        self._all = np.arange(len(faces), dtype=np.int64)
        self._pref = np.flatnonzero(preferred)
        self._tree_all = cKDTree(np.column_stack([mx, my]))
        self._tree_pref = (
            cKDTree(np.column_stack([mx[self._pref], my[self._pref]])) if len(self._pref) else None
        )
        self._used: set[int] = set()

    def site(self, x: float, y: float, *, preferred: bool = False) -> Site:
        """A free face near (x, y), on a preferred face (an arterial) if asked and possible."""
        face = None
        if preferred and self._tree_pref is not None:
            face = self._nearest_free(self._tree_pref, self._pref, x, y)
        if face is None:
            face = self._nearest_free(self._tree_all, self._all, x, y)
        if face is None:
            raise ValueError("no free block face left for a place")
        self._used.add(int(self._faces.seg[face]))
        idx = np.array([face], np.int64)
        number = self._faces.number_at(idx, self._rng.uniform(0.3, 0.7))
        px, py = self._faces.position(idx, number, PLACE_OFFSET_M)
        return Site(face=face, number=int(number[0]), x=float(px[0]), y=float(py[0]))

    def _nearest_free(self, tree: cKDTree, ids: I64, x: float, y: float) -> int | None:
        k = 16
        while True:
            k = min(k, len(ids))
            _, hits = tree.query([x, y], k=k)
            for h in np.atleast_1d(hits):
                face = int(ids[int(h)])
                if int(self._faces.seg[face]) not in self._used:
                    return face
            if k == len(ids):
                return None
            k *= 8


def spread_points(rng: np.random.Generator, x: F64, y: F64, k: int) -> tuple[F64, F64]:
    """`k` points spread over the cloud (x, y) like its population: k-means on a sample.

    Facilities such as stations sit roughly in the middle of the area they serve, which is
    what k-means centres are.
    """
    n = len(x)
    sample = rng.choice(n, size=min(n, 5_000), replace=False)
    pts = np.column_stack([x[sample], y[sample]])
    k = min(k, len(pts))
    centres = pts[rng.choice(len(pts), size=k, replace=False)].copy()
    for _ in range(15):
        _, label = cKDTree(centres).query(pts)
        counts = np.bincount(label, minlength=k)
        sx = np.bincount(label, weights=pts[:, 0], minlength=k)
        sy = np.bincount(label, weights=pts[:, 1], minlength=k)
        filled = counts > 0
        centres[filled, 0] = sx[filled] / counts[filled]
        centres[filled, 1] = sy[filled] / counts[filled]
    return centres[:, 0].copy(), centres[:, 1].copy()
