"""Request and response bodies (pydantic, at the API boundary only) and their domain mapping."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from emscad.agency.models import Hospital, Station, StationKind
from emscad.events import Recorded
from emscad.incidents.models import (
    Caller,
    Caution,
    Confidence,
    Incident,
    IncidentStatus,
    Location,
    Person,
    PersonRole,
    Severity,
    Source,
)
from emscad.serial import iso_ms
from emscad.units.models import Unit, UnitStatus, UnitType


class Body(BaseModel):
    """Request bodies: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


Short = Field(default="", max_length=200)


class LocationIn(Body):
    text: str = Field(default="", max_length=200, description="What the dispatcher typed.")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    confidence: Confidence = Confidence.UNVERIFIED
    uncertainty_m: float | None = Field(default=None, ge=0, le=1_000_000)
    label: str = Field(default="", max_length=200, description="The chosen candidate's label.")

    def domain(self) -> Location:
        return Location(
            text=self.text,
            lon=self.lon,
            lat=self.lat,
            confidence=self.confidence,
            uncertainty_m=self.uncertainty_m,
            label=self.label,
        )


class CallerIn(Body):
    name: str = Short
    phone: str = Short

    def domain(self) -> Caller:
        return Caller(name=self.name, phone=self.phone)


class PersonIn(Body):
    name: str = Short
    role: PersonRole = PersonRole.PATIENT
    age: int | None = Field(default=None, ge=0, le=130)
    sex: str = Field(default="", max_length=20)
    description: str = Field(default="", max_length=4000)

    def domain(self) -> Person:
        return Person(
            name=self.name, role=self.role, age=self.age, sex=self.sex, description=self.description
        )


class CautionIn(Body):
    kind: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=4000)
    severity: Severity = Severity.MEDIUM
    source: str = Short

    def domain(self) -> Caution:
        return Caution(kind=self.kind, text=self.text, severity=self.severity, source=self.source)


class IncidentCreate(Body):
    source: Source = Source.PHONE
    location: LocationIn
    chief_complaint: str = Field(default="", max_length=200)
    priority: int | None = Field(
        default=None, ge=1, le=4, description="1 most urgent; default: the response plan's."
    )
    determinant: str = Field(default="", max_length=200)
    caller: CallerIn = Field(default_factory=CallerIn)
    persons: list[PersonIn] = Field(default_factory=list, max_length=50)
    cautions: list[CautionIn] = Field(default_factory=list, max_length=50)
    received_at: AwareDatetime | None = Field(
        default=None, description="When the call began, if not now (within the last 24 h)."
    )


class IncidentPatch(Body):
    location: LocationIn | None = None
    chief_complaint: str | None = Field(default=None, max_length=200)
    priority: int | None = Field(default=None, ge=1, le=4)
    determinant: str | None = Field(default=None, max_length=200)
    caller: CallerIn | None = None
    persons: list[PersonIn] | None = Field(default=None, max_length=50)
    cautions: list[CautionIn] | None = Field(default=None, max_length=50)


class NoteIn(Body):
    text: str = Field(min_length=1, max_length=4000)


class CloseIn(Body):
    disposition: str = Field(min_length=1, max_length=40)
    text: str = Field(default="", max_length=4000)


class ReopenIn(Body):
    reason: str = Field(min_length=1, max_length=200)


class DestinationIn(Body):
    hospital: str | None = Field(max_length=40)


class AssignIn(Body):
    unit: str = Field(min_length=1, max_length=40)
    unit_version: int | None = Field(default=None, ge=0, description="Refuse if it changed.")


class StatusIn(Body):
    status: UnitStatus
    destination: str | None = Field(default=None, max_length=40)
    unit_version: int | None = Field(default=None, ge=0)


class FixIn(Body):
    unit: str = Field(min_length=1, max_length=40)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    at: AwareDatetime = Field(description="The device's time of the fix, with its zone.")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    speed_mps: float | None = Field(default=None, ge=0, le=200)
    heading_deg: float | None = Field(default=None, ge=0, le=360)


class AvlIn(Body):
    positions: list[FixIn] = Field(min_length=1, max_length=1000)


class UnitIn(Body):
    call_sign: str = Field(min_length=1, max_length=40)
    type: UnitType
    capabilities: list[str] | None = Field(
        default=None, max_length=20, description="Default: what the type can do."
    )
    station: str | None = Field(default=None, max_length=40)
    crew: list[str] = Field(default_factory=list, max_length=10)


class UnitCreate(UnitIn):
    id: str = Field(min_length=1, max_length=40)
    status: UnitStatus = UnitStatus.OUT_OF_SERVICE


class StationIn(Body):
    name: str = Field(min_length=1, max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    kind: StationKind = StationKind.EMS
    address: str = Short


class HospitalIn(Body):
    name: str = Field(min_length=1, max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capabilities: list[str] = Field(default_factory=lambda: ["emergency"], max_length=20)
    address: str = Short


class DiversionIn(Body):
    diversion: bool
    reason: str = Field(default="", max_length=200)


# -- responses -----------------------------------------------------------------------------


def incident_json(incident: Incident, *, patient: bool) -> dict[str, Any]:
    """An incident for the API; persons' details only for roles that may read them."""
    loc = incident.location
    return {
        "id": incident.id,
        "number": incident.number,
        "status": incident.status.value,
        "received_at": iso_ms(incident.received_at),
        "source": incident.source.value,
        "location": {
            "text": loc.text,
            "lon": loc.lon,
            "lat": loc.lat,
            "confidence": loc.confidence.value,
            "uncertainty_m": loc.uncertainty_m,
            "label": loc.label,
        },
        "chief_complaint": incident.chief_complaint,
        "priority": incident.priority,
        "determinant": incident.determinant,
        "caller": {"name": incident.caller.name, "phone": incident.caller.phone},
        "persons": (
            [
                {
                    "name": p.name,
                    "role": p.role.value,
                    "age": p.age,
                    "sex": p.sex,
                    "description": p.description,
                }
                for p in incident.persons
            ]
            if patient
            else [{"role": p.role.value, "redacted": True} for p in incident.persons]
        ),
        "notes": [
            {"id": n.id, "at": iso_ms(n.at), "author": n.author, "text": n.text}
            for n in incident.notes
        ],
        "cautions": [incident_caution_json(c) for c in incident.cautions],
        "units": list(incident.units),
        "destination": incident.destination,
        "served": incident.served,
        "disposition": (
            None
            if incident.disposition is None
            else {"code": incident.disposition.code, "text": incident.disposition.text}
        ),
        "closed_at": iso_ms(incident.closed_at) if incident.closed_at else None,
        "version": incident.version,
    }


def unit_json(unit: Unit) -> dict[str, Any]:
    p = unit.position
    return {
        "id": unit.id,
        "call_sign": unit.call_sign,
        "type": unit.type.value,
        "capabilities": list(unit.capabilities),
        "station": unit.station,
        "crew": list(unit.crew),
        "status": unit.status.value,
        "eido_status": {
            "primary": unit.status.eido_primary,
            "secondary": list(unit.status.eido_secondary),
        },
        "status_at": iso_ms(unit.status_at) if unit.status_at else None,
        "incident": unit.incident,
        "destination": unit.destination,
        "position": None
        if p is None
        else {
            "lon": p.lon,
            "lat": p.lat,
            "at": iso_ms(p.at),
            "accuracy_m": p.accuracy_m,
            "speed_mps": p.speed_mps,
            "heading_deg": p.heading_deg,
        },
        "active": unit.active,
        "version": unit.version,
    }


def station_json(s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "lon": s.lon,
        "lat": s.lat,
        "kind": s.kind.value,
        "address": s.address,
        "version": s.version,
    }


def hospital_json(h: Hospital) -> dict[str, Any]:
    return {
        "id": h.id,
        "name": h.name,
        "lon": h.lon,
        "lat": h.lat,
        "capabilities": list(h.capabilities),
        "address": h.address,
        "diversion": h.diversion,
        "diversion_reason": h.diversion_reason,
        "version": h.version,
    }


def incident_caution_json(c: Caution) -> dict[str, Any]:
    return {"kind": c.kind, "text": c.text, "severity": c.severity.value, "source": c.source}


def event_json(rec: Recorded, *, patient: bool) -> dict[str, Any]:
    """An event for the API and the stream; patient details redacted without permission."""
    out = rec.to_json()
    if not patient and rec.event.type in ("incident.created", "incident.persons_changed"):
        data = dict(out["data"])
        for key in ("persons", "before", "after"):
            if isinstance(data.get(key), list):
                data[key] = [{"role": p.get("role"), "redacted": True} for p in data[key]]
        out["data"] = data
    return out


QUEUE_STATUSES = (IncidentStatus.PENDING, IncidentStatus.ACTIVE)
