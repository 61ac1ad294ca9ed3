"""Unit values: a resource's identity, capabilities, status and last known position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class UnitStatus(StrEnum):
    """What a unit is doing. Each maps to NENA EIDO primary and secondary statuses."""

    OFF_DUTY = "off_duty"
    OUT_OF_SERVICE = "out_of_service"
    AVAILABLE_AT_STATION = "available_at_station"
    AVAILABLE = "available"  # in service, on the road
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    AT_PATIENT = "at_patient"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    TRANSFERRED = "transferred"  # care handed over at the hospital; clearing up

    @property
    def eido_primary(self) -> str:
        return _EIDO[self][0]

    @property
    def eido_secondary(self) -> tuple[str, ...]:
        return _EIDO[self][1]

    @property
    def available(self) -> bool:
        """Free for a new call."""
        return self in (UnitStatus.AVAILABLE, UnitStatus.AVAILABLE_AT_STATION)

    @property
    def clearing(self) -> bool:
        """At a hospital and about to be free: may be recommended, flagged as such."""
        return self in (UnitStatus.AT_HOSPITAL, UnitStatus.TRANSFERRED)

    @property
    def committed(self) -> bool:
        """Working an incident (from notified to clearing the hospital)."""
        return self in _COMMITTED


# (primary, secondary) from the EIDO unit status registries (see ../shared/reference).
_EIDO: dict[UnitStatus, tuple[str, tuple[str, ...]]] = {
    UnitStatus.OFF_DUTY: ("NotAvailable", ("OffDuty",)),
    UnitStatus.OUT_OF_SERVICE: ("NotAvailable", ("OutofService",)),
    UnitStatus.AVAILABLE_AT_STATION: ("Available", ("InService", "Station")),
    UnitStatus.AVAILABLE: ("Available", ("InService",)),
    UnitStatus.DISPATCHED: ("NotAvailable", ("Dispatched",)),
    UnitStatus.EN_ROUTE: ("NotAvailable", ("EnRoute",)),
    UnitStatus.ON_SCENE: ("NotAvailable", ("OnScene",)),
    UnitStatus.AT_PATIENT: ("NotAvailable", ("OnScene", "PatientContact")),
    UnitStatus.TRANSPORTING: ("NotAvailable", ("Transporting",)),
    UnitStatus.AT_HOSPITAL: ("ConditionallyAvailable", ("Hospital", "Arrived")),
    UnitStatus.TRANSFERRED: ("ConditionallyAvailable", ("Hospital",)),
}

_COMMITTED = frozenset(
    {
        UnitStatus.DISPATCHED,
        UnitStatus.EN_ROUTE,
        UnitStatus.ON_SCENE,
        UnitStatus.AT_PATIENT,
        UnitStatus.TRANSPORTING,
        UnitStatus.AT_HOSPITAL,
        UnitStatus.TRANSFERRED,
    }
)


class UnitType(StrEnum):
    ALS = "als"  # advanced life support ambulance
    BLS = "bls"  # basic life support ambulance
    SUPERVISOR = "supervisor"
    FIRE = "fire"  # engine or truck, first response
    POLICE = "police"
    OTHER = "other"

    @property
    def eido(self) -> str:
        return {
            UnitType.ALS: "GroundALSAmbulance",
            UnitType.BLS: "GroundBLSAmbulance",
            UnitType.SUPERVISOR: "CommandLevel3",
            UnitType.FIRE: "Engine",
            UnitType.POLICE: "LawEnforcement",
            UnitType.OTHER: "Other",
        }[self]


# What each type can do unless the roster says otherwise: an ALS crew can run a BLS call.
DEFAULT_CAPABILITIES: dict[UnitType, tuple[str, ...]] = {
    UnitType.ALS: ("als", "bls", "transport"),
    UnitType.BLS: ("bls", "transport"),
    UnitType.SUPERVISOR: ("supervisor", "bls"),
    UnitType.FIRE: ("fire", "bls"),
    UnitType.POLICE: ("police",),
    UnitType.OTHER: (),
}


@dataclass(frozen=True, slots=True)
class Position:
    """A fix from the unit's AVL device (device time) as received by emscad."""

    lon: float
    lat: float
    at: datetime
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    call_sign: str
    type: UnitType
    capabilities: tuple[str, ...]
    station: str | None  # home station id
    status: UnitStatus
    status_at: datetime | None = None
    crew: tuple[str, ...] = ()
    incident: str | None = None  # the incident it is committed to
    destination: str | None = None  # hospital id while transporting or at the hospital
    position: Position | None = None
    active: bool = True  # False once removed from the roster
    version: int = 0
