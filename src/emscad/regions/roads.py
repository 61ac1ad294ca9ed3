"""Road classes and the speeds emscad assumes on them, for normal and lights-and-sirens driving."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

MPH = 1.609344  # km/h per mile per hour


class RoadClass(IntEnum):
    """The OpenStreetMap `highway=*` classes a vehicle can drive on, as stored in region files."""

    MOTORWAY = 0
    TRUNK = 1
    PRIMARY = 2
    SECONDARY = 3
    TERTIARY = 4
    UNCLASSIFIED = 5
    RESIDENTIAL = 6
    LIVING_STREET = 7
    SERVICE = 8
    MOTORWAY_LINK = 9
    TRUNK_LINK = 10
    PRIMARY_LINK = 11
    SECONDARY_LINK = 12
    TERTIARY_LINK = 13
    ROAD = 14  # class unknown

    @property
    def osm(self) -> str:
        return self.name.lower()


# Default speeds in km/h where a road has no usable `maxspeed`: typical US posted limits.
# Documented in docs/osm-import.md (Speeds); keep the two in step.
DEFAULT_SPEED_KPH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 65 * MPH,
    RoadClass.TRUNK: 55 * MPH,
    RoadClass.PRIMARY: 45 * MPH,
    RoadClass.SECONDARY: 40 * MPH,
    RoadClass.TERTIARY: 35 * MPH,
    RoadClass.UNCLASSIFIED: 30 * MPH,
    RoadClass.RESIDENTIAL: 25 * MPH,
    RoadClass.LIVING_STREET: 10 * MPH,
    RoadClass.SERVICE: 15 * MPH,
    RoadClass.MOTORWAY_LINK: 45 * MPH,
    RoadClass.TRUNK_LINK: 40 * MPH,
    RoadClass.PRIMARY_LINK: 35 * MPH,
    RoadClass.SECONDARY_LINK: 30 * MPH,
    RoadClass.TERTIARY_LINK: 25 * MPH,
    RoadClass.ROAD: 25 * MPH,
}

# Lights and sirens buy time mostly on slow urban roads: traffic yields and signals are run
# with caution. On fast roads safety bounds the gain, so the boosted speed is capped per class
# (but never below the normal speed). Studies put the average gain at 10 to 25 % of the
# response time, which the default factor 1.25 with these caps reproduces on a city grid.
LIGHTS_SIRENS_CAP_KPH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 75 * MPH,
    RoadClass.TRUNK: 65 * MPH,
    RoadClass.PRIMARY: 55 * MPH,
    RoadClass.SECONDARY: 50 * MPH,
    RoadClass.TERTIARY: 45 * MPH,
    RoadClass.UNCLASSIFIED: 40 * MPH,
    RoadClass.RESIDENTIAL: 35 * MPH,
    RoadClass.LIVING_STREET: 15 * MPH,
    RoadClass.SERVICE: 20 * MPH,
    RoadClass.MOTORWAY_LINK: 50 * MPH,
    RoadClass.TRUNK_LINK: 45 * MPH,
    RoadClass.PRIMARY_LINK: 40 * MPH,
    RoadClass.SECONDARY_LINK: 35 * MPH,
    RoadClass.TERTIARY_LINK: 35 * MPH,
    RoadClass.ROAD: 35 * MPH,
}

_DEFAULT = np.array([DEFAULT_SPEED_KPH[c] for c in RoadClass])
_CAP = np.array([LIGHTS_SIRENS_CAP_KPH[c] for c in RoadClass])


def default_speed_kph(road_class: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(_DEFAULT[np.asarray(road_class, dtype=np.intp)], dtype=np.float64)


def lights_sirens_kph(
    speed_kph: ArrayLike, road_class: ArrayLike, *, factor: float
) -> NDArray[np.float64]:
    """The lights-and-sirens speed: `speed * factor`, capped per class, never below `speed`."""
    speed = np.asarray(speed_kph, dtype=np.float64)
    cap = _CAP[np.asarray(road_class, dtype=np.intp)]
    return np.asarray(np.maximum(speed, np.minimum(speed * factor, cap)), dtype=np.float64)
