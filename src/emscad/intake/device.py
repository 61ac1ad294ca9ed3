"""Device location policy: a device fix is supplemental until a dispatcher confirms it.

A device location never replaces the incident's location by itself. A phone's fix can be a
cell sector kilometres wide, stale, or from a caller reporting someone else's emergency; the
address the dispatcher took stays the incident location until they choose the device's
point. Until then the console shows the fix beside the incident: how far apart the two are,
and how far and how fast the device has moved since its previous fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emscad.errors import InvalidInput
from emscad.events import DomainEvent
from emscad.incidents.models import LOCATION_UNKNOWN, Confidence, Location
from emscad.intake.pidf.geometry import distance_m
from emscad.intake.pidf.models import DeviceLocation

# A fix that states no uncertainty is still not exact: assume a good GPS fix's spread.
UNSTATED_UNCERTAINTY_M = 50.0
MAX_LABEL = 200


class Agreement(StrEnum):
    """How the device fix relates to the incident location, for the console's wording."""

    NO_DEVICE_POINT = "no_device_point"  # civic address only: show its text
    NO_INCIDENT_POINT = "no_incident_point"  # nothing to compare with: offer to confirm
    AGREES = "agrees"  # within the two locations' uncertainties
    DIFFERS = "differs"  # farther apart than that: verify with the caller


@dataclass(frozen=True, slots=True)
class Movement:
    """From the previous device fix to this one."""

    distance_m: float
    elapsed_s: float  # negative when this fix was measured before the previous one
    speed_mps: float | None  # None unless time moved forward
    moved: bool  # farther than the two fixes' uncertainties: not just GPS jitter


@dataclass(frozen=True, slots=True)
class DeviceView:
    """What the console shows for a device fix. It is always supplemental."""

    device: DeviceLocation
    agreement: Agreement
    distance_m: float | None  # from the incident location's point
    movement: Movement | None

    @property
    def supplemental(self) -> bool:
        return True  # by policy: see the module docstring


@dataclass(frozen=True, kw_only=True)
class DeviceLocationReceived(DomainEvent):
    type = "device.location_received"
    incident: str | None
    caller: str  # the E.164 number or device id the fix belongs to
    location: DeviceLocation


def _spread(device: DeviceLocation) -> float:
    return device.uncertainty_m if device.uncertainty_m is not None else UNSTATED_UNCERTAINTY_M


def movement(previous: DeviceLocation, current: DeviceLocation) -> Movement | None:
    """How far the device moved; None unless both fixes have a point."""
    if previous.lon is None or previous.lat is None or current.lon is None or current.lat is None:
        return None
    meters = distance_m(previous.lon, previous.lat, current.lon, current.lat)
    elapsed = (current.observed_at - previous.observed_at).total_seconds()
    return Movement(
        distance_m=meters,
        elapsed_s=elapsed,
        speed_mps=meters / elapsed if elapsed > 0 else None,
        moved=meters > _spread(previous) + _spread(current),
    )


def assess(
    incident_location: Location, device: DeviceLocation, *, previous: DeviceLocation | None = None
) -> DeviceView:
    """The console's view of a new device fix beside the incident's current location."""
    moved = movement(previous, device) if previous is not None else None
    if device.lon is None or device.lat is None:
        return DeviceView(device, Agreement.NO_DEVICE_POINT, None, moved)
    if incident_location.lon is None or incident_location.lat is None:
        return DeviceView(device, Agreement.NO_INCIDENT_POINT, None, moved)
    apart = distance_m(incident_location.lon, incident_location.lat, device.lon, device.lat)
    tolerance = _spread(device) + (incident_location.uncertainty_m or 0.0)
    agreement = Agreement.AGREES if apart <= tolerance else Agreement.DIFFERS
    return DeviceView(device, agreement, apart, moved)


def label(device: DeviceLocation) -> str:
    """E.g. "Device location (GPS, ±12 m, 95 %)", then the civic text when there is one."""
    details = [device.method] if device.method else []
    if device.uncertainty_m is not None:
        details.append(f"±{device.uncertainty_m:,.0f} m")
    if device.confidence_pct is not None:
        details.append(f"{device.confidence_pct:g} %")
    text = "Device location" + (f" ({', '.join(details)})" if details else "")
    if device.civic_text:
        text = f"{text}: {device.civic_text}"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def confirm(device: DeviceLocation, incident_location: Location) -> Location:
    """The location a dispatcher accepts by confirming the device fix.

    The point and uncertainty are the device's (confidence DEVICE); the text the dispatcher
    typed is kept as it was, since what the caller said is part of the record. Only emscad's
    own "location unknown" placeholder on a location with no point is replaced, as it would
    now mislead a crew.
    """
    if device.lon is None or device.lat is None:
        raise InvalidInput(
            "this device location has no coordinates to confirm; search its civic address"
        )
    text = incident_location.text
    if not incident_location.has_point and LOCATION_UNKNOWN in text:
        text = text.partition(LOCATION_UNKNOWN)[0] + "located by device, " + label(device)
    return Location(
        text=text[:MAX_LABEL],
        lon=device.lon,
        lat=device.lat,
        confidence=Confidence.DEVICE,
        uncertainty_m=device.uncertainty_m,
        label=label(device),
    )


def describe(event: DomainEvent) -> str | None:
    """A timeline line for a device location event, or None for any other event."""
    if isinstance(event, DeviceLocationReceived):
        return f"{label(event.location)} from {event.caller} (supplemental, not confirmed)"
    return None
