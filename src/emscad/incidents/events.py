"""Events that change an incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emscad.events import DomainEvent
from emscad.incidents.models import (
    Caller,
    Caution,
    Disposition,
    Location,
    Note,
    Person,
    Source,
)


@dataclass(frozen=True, slots=True)
class Triage:
    chief_complaint: str
    priority: int
    determinant: str


@dataclass(frozen=True, kw_only=True)
class IncidentCreated(DomainEvent):
    type = "incident.created"
    incident: str
    number: str
    received_at: datetime
    source: Source
    location: Location
    triage: Triage
    caller: Caller
    persons: tuple[Person, ...] = ()
    cautions: tuple[Caution, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IncidentLocationChanged(DomainEvent):
    type = "incident.location_changed"
    incident: str
    before: Location
    after: Location


@dataclass(frozen=True, kw_only=True)
class IncidentTriaged(DomainEvent):
    type = "incident.triaged"
    incident: str
    before: Triage
    after: Triage


@dataclass(frozen=True, kw_only=True)
class IncidentCallerChanged(DomainEvent):
    type = "incident.caller_changed"
    incident: str
    before: Caller
    after: Caller


@dataclass(frozen=True, kw_only=True)
class IncidentPersonsChanged(DomainEvent):
    type = "incident.persons_changed"
    incident: str
    before: tuple[Person, ...]
    after: tuple[Person, ...]


@dataclass(frozen=True, kw_only=True)
class IncidentCautionsChanged(DomainEvent):
    type = "incident.cautions_changed"
    incident: str
    before: tuple[Caution, ...]
    after: tuple[Caution, ...]


@dataclass(frozen=True, kw_only=True)
class IncidentDestinationChanged(DomainEvent):
    type = "incident.destination_changed"
    incident: str
    before: str | None
    after: str | None


@dataclass(frozen=True, kw_only=True)
class IncidentNoteAdded(DomainEvent):
    type = "incident.note_added"
    incident: str
    note: Note


@dataclass(frozen=True, kw_only=True)
class IncidentClosed(DomainEvent):
    type = "incident.closed"
    incident: str
    disposition: Disposition


@dataclass(frozen=True, kw_only=True)
class IncidentReopened(DomainEvent):
    type = "incident.reopened"
    incident: str
    reason: str
