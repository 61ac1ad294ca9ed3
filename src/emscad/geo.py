"""Small geodesy helpers shared by regions and routing: great-circle lengths and a local plane."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
E7 = 10_000_000  # coordinates are kept to 1e-7 degree (about 1 cm), as OpenStreetMap does

FloatArray = NDArray[np.float64]


def quantize_deg(values: ArrayLike) -> FloatArray:
    """Round degrees to the 1e-7 grid used on disk, so a saved region loads back bit-identical."""
    return to_e7(values).astype(np.float64) / E7


def to_e7(values: ArrayLike) -> NDArray[np.int32]:
    return np.round(np.asarray(values, dtype=np.float64) * E7).astype(np.int32)


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Great-circle distance in metres, element-wise."""
    lam1, phi1, lam2, phi2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    h = np.sin((phi2 - phi1) / 2) ** 2
    h = h + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), np.float64)


@dataclass(frozen=True, slots=True)
class LocalPlane:
    """An equirectangular plane in metres around a region's centre.

    Over a city (tens of kilometres) its distortion stays well under 1 %, which is ample for
    choosing the nearest road; lengths that feed travel times use `haversine_m` instead.
    """

    lon0: float
    lat0: float

    @property
    def _kx(self) -> float:
        return float(np.cos(np.radians(self.lat0)) * np.radians(1.0) * EARTH_RADIUS_M)

    @property
    def _ky(self) -> float:
        return float(np.radians(1.0) * EARTH_RADIUS_M)

    def to_xy(self, lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self._kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * self._ky
        return x, y

    def to_lonlat(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        lon = np.asarray(x, dtype=np.float64) / self._kx + self.lon0
        lat = np.asarray(y, dtype=np.float64) / self._ky + self.lat0
        return lon, lat
