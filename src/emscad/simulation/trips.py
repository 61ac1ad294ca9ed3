"""Driving: a route's shape as a path, and a trip that moves a unit along it in time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emscad.dispatch.ports import Fix
from emscad.geo import haversine_m
from emscad.units.models import Position, UnitStatus

F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Path:
    """A polyline with the distance driven to reach each of its points."""

    lon: F64
    lat: F64
    cum_m: F64

    @classmethod
    def of(cls, lon: ArrayLike, lat: ArrayLike) -> Path:
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        if len(x) == 0 or len(x) != len(y):
            raise ValueError("a path needs one or more points, as many longitudes as latitudes")
        steps = haversine_m(x[:-1], y[:-1], x[1:], y[1:]) if len(x) > 1 else np.zeros(0)
        return cls(lon=x, lat=y, cum_m=np.concatenate([[0.0], np.cumsum(steps)]))

    @property
    def length_m(self) -> float:
        return float(self.cum_m[-1])

    @property
    def end(self) -> tuple[float, float]:
        return float(self.lon[-1]), float(self.lat[-1])

    def at(self, fraction: float) -> tuple[float, float, float | None]:
        """Longitude, latitude and heading (degrees from north) a fraction of the way along.

        Time is spread over the path by distance: the route's own per-road speeds are not kept
        in its shape, and a steady pace is plenty for dots moving on a map.
        """
        if self.length_m == 0:
            return float(self.lon[0]), float(self.lat[0]), None
        d = min(max(fraction, 0.0), 1.0) * self.length_m
        i = int(np.searchsorted(self.cum_m, d, side="right")) - 1
        i = min(max(i, 0), len(self.cum_m) - 2)
        seg = float(self.cum_m[i + 1] - self.cum_m[i])
        t = 0.0 if seg == 0 else (d - float(self.cum_m[i])) / seg
        lon0, lat0 = float(self.lon[i]), float(self.lat[i])
        lon1, lat1 = float(self.lon[i + 1]), float(self.lat[i + 1])
        return lon0 + t * (lon1 - lon0), lat0 + t * (lat1 - lat0), _heading(lon0, lat0, lon1, lat1)


def _heading(lon0: float, lat0: float, lon1: float, lat1: float) -> float | None:
    dx = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2))
    dy = lat1 - lat0
    if dx == 0 and dy == 0:
        return None
    return math.degrees(math.atan2(dx, dy)) % 360.0


@dataclass(frozen=True, eq=False)
class Trip:
    """A drive that started at `start` and takes `seconds`; the unit reports `arrive` at the end."""

    path: Path | None  # None when either end has no coordinates: the unit is not shown moving
    start: datetime
    seconds: float
    arrive: UnitStatus

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def fraction(self, now: datetime) -> float:
        if self.seconds <= 0 or now >= self.end:
            return 1.0
        return min(max((now - self.start).total_seconds() / self.seconds, 0.0), 1.0)

    def fix(self, unit: str, now: datetime) -> Fix | None:
        """The unit's AVL report at `now`: on the path, at a steady speed until it arrives."""
        if self.path is None:
            return None
        fraction = self.fraction(now)
        lon, lat, heading = self.path.at(fraction)
        moving = 0.0 < fraction < 1.0
        speed = self.path.length_m / self.seconds if moving else 0.0
        return Fix(
            unit=unit,
            position=Position(
                lon=lon,
                lat=lat,
                at=now,
                accuracy_m=5.0,
                speed_mps=round(speed, 2),
                heading_deg=None if heading is None else round(heading, 1),
            ),
        )
