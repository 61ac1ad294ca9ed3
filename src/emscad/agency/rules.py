"""Validation of stations and hospitals, and the events an edit produces."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from emscad.agency.events import (
    HospitalDiversionChanged,
    HospitalRemoved,
    HospitalSaved,
    StationRemoved,
    StationSaved,
)
from emscad.agency.models import HOSPITAL_CAPABILITIES, Hospital, Station
from emscad.errors import InvalidInput
from emscad.events import DomainEvent

ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def check_id(value: str, what: str) -> str:
    if not ID.fullmatch(value):
        raise InvalidInput(
            f"invalid {what} id {value!r}: 1 to 40 lower-case letters, digits, '-' or '_'"
        )
    return value


def _check_place(name: str, lon: float, lat: float, address: str) -> None:
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a name needs 1 to 100 characters")
    if len(address) > 200:
        raise InvalidInput("an address is longer than 200 characters")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("coordinates must be finite, longitude within ±180, latitude ±90")


def save_station(before: Station | None, after: Station) -> list[DomainEvent]:
    check_id(after.id, "station")
    _check_place(after.name, after.lon, after.lat, after.address)
    after = replace(after, version=0)
    if before is not None and replace(before, version=0) == after:
        return []
    return [StationSaved(station=after.id, before=before, after=after)]


def remove_station(before: Station) -> StationRemoved:
    return StationRemoved(station=before.id, before=before)


def save_hospital(before: Hospital | None, after: Hospital) -> list[DomainEvent]:
    check_id(after.id, "hospital")
    _check_place(after.name, after.lon, after.lat, after.address)
    unknown = set(after.capabilities) - set(HOSPITAL_CAPABILITIES)
    if unknown:
        known = ", ".join(HOSPITAL_CAPABILITIES)
        raise InvalidInput(f"unknown hospital capabilities {sorted(unknown)}; use {known}")
    # Diversion has its own event so that the timeline shows who diverted and why.
    if before is not None:
        after = replace(after, diversion=before.diversion, diversion_reason=before.diversion_reason)
    after = replace(after, version=0)
    if before is not None and replace(before, version=0) == after:
        return []
    return [HospitalSaved(hospital=after.id, before=before, after=after)]


def set_diversion(hospital: Hospital, diversion: bool, reason: str) -> list[DomainEvent]:
    if len(reason) > 200:
        raise InvalidInput("a diversion reason is longer than 200 characters")
    if hospital.diversion == diversion and hospital.diversion_reason == reason:
        return []
    return [
        HospitalDiversionChanged(
            hospital=hospital.id, before=hospital.diversion, after=diversion, reason=reason
        )
    ]


def remove_hospital(before: Hospital) -> HospitalRemoved:
    return HospitalRemoved(hospital=before.id, before=before)


def apply_station(station: Station | None, event: DomainEvent) -> Station | None:
    if isinstance(event, StationSaved):
        version = station.version if station else 0
        return replace(event.after, version=version + 1)
    if isinstance(event, StationRemoved):
        return None
    return station


def apply_hospital(hospital: Hospital | None, event: DomainEvent) -> Hospital | None:
    if isinstance(event, HospitalSaved):
        version = hospital.version if hospital else 0
        return replace(event.after, version=version + 1)
    if isinstance(event, HospitalRemoved):
        return None
    if isinstance(event, HospitalDiversionChanged) and hospital is not None:
        return replace(
            hospital,
            diversion=event.after,
            diversion_reason=event.reason if event.after else "",
            version=hospital.version + 1,
        )
    return hospital
