"""Watch-feed inputs: plate-reader reads and offender-monitoring (GPS) events, validated."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from emscad.errors import InvalidInput
from emscad.safety.models import Position, aware, required, short
from emscad.safety.normalize import normalize_plate


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One read from an automatic licence-plate reader (ALPR) camera."""

    plate: str
    state: str
    camera: str  # the camera's id
    position: Position  # where the camera is
    at: datetime  # when the camera read the plate
    confidence: float  # the reader's own score, 0 to 1
    image: str = ""  # a reference to the image the console can fetch

    def check(self) -> PlateRead:
        if not normalize_plate(self.plate):
            raise InvalidInput("a plate read needs a plate with letters or digits")
        short(self.plate, "the plate")
        short(self.state, "the plate's state")
        required(self.camera, "the camera id")
        short(self.image, "the image reference")
        self.position.check("the camera position")
        aware(self.at, "the read time")
        if not (math.isfinite(self.confidence) and 0 <= self.confidence <= 1):
            raise InvalidInput("a read's confidence must be between 0 and 1")
        return self


class GpsEventKind(StrEnum):
    """Alerts an offender-monitoring vendor sends (standards.md §7, R7.4)."""

    ZONE_ENTRY = "zone_entry"  # entered an exclusion zone
    ZONE_EXIT = "zone_exit"
    PROXIMITY = "proximity"  # came near the protected person's own device
    TAMPER = "tamper"  # strap or case tampered with
    BATTERY_LOW = "battery_low"
    SIGNAL_LOST = "signal_lost"  # no GPS or no cellular link
    DEVICE_SEPARATION = "device_separation"  # the tracker and its strap or beacon parted

    @property
    def degrades(self) -> bool:
        """The monitor can no longer vouch for where the respondent is."""
        return self in _DEGRADING


_DEGRADING = frozenset(
    {
        GpsEventKind.TAMPER,
        GpsEventKind.BATTERY_LOW,
        GpsEventKind.SIGNAL_LOST,
        GpsEventKind.DEVICE_SEPARATION,
    }
)


@dataclass(frozen=True, slots=True)
class GpsEvent:
    kind: GpsEventKind
    device: str  # the monitoring device's id
    at: datetime
    position: Position | None = None  # the device's last fix, if the vendor sent one
    zone: str = ""  # the vendor's zone id, for zone events

    def check(self) -> GpsEvent:
        required(self.device, "the device id")
        short(self.zone, "the zone id")
        aware(self.at, "the event time")
        if self.position is not None:
            self.position.check("the device position")
        return self
