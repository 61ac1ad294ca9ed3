"""Events that change stations and hospitals."""

from __future__ import annotations

from dataclasses import dataclass

from emscad.agency.models import Hospital, Station
from emscad.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class StationSaved(DomainEvent):
    type = "station.saved"
    station: str
    before: Station | None
    after: Station


@dataclass(frozen=True, kw_only=True)
class StationRemoved(DomainEvent):
    type = "station.removed"
    station: str
    before: Station


@dataclass(frozen=True, kw_only=True)
class HospitalSaved(DomainEvent):
    type = "hospital.saved"
    hospital: str
    before: Hospital | None
    after: Hospital


@dataclass(frozen=True, kw_only=True)
class HospitalRemoved(DomainEvent):
    type = "hospital.removed"
    hospital: str
    before: Hospital


@dataclass(frozen=True, kw_only=True)
class HospitalDiversionChanged(DomainEvent):
    type = "hospital.diversion_changed"
    hospital: str
    before: bool
    after: bool
    reason: str = ""
