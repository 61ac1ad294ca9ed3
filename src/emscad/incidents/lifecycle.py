"""The incident state machine: validation, the events each command produces, and `apply`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent, Recorded
from emscad.incidents.events import (
    IncidentCallerChanged,
    IncidentCautionsChanged,
    IncidentClosed,
    IncidentCreated,
    IncidentDestinationChanged,
    IncidentLocationChanged,
    IncidentNoteAdded,
    IncidentPersonsChanged,
    IncidentReopened,
    IncidentTriaged,
    Triage,
)
from emscad.incidents.models import (
    Caller,
    Caution,
    Disposition,
    Incident,
    IncidentStatus,
    Location,
    Note,
    Person,
    Source,
)
from emscad.units.events import UnitAssigned, UnitStatusChanged, UnitUnassigned
from emscad.units.models import UnitStatus

PRIORITIES = (1, 2, 3, 4)
MAX_TEXT = 4000
MAX_SHORT = 200
MAX_PERSONS = 50
MAX_CAUTIONS = 50

# Dispositions (after APCO 1.111.2 common disposition codes, simplified for EMS).
DISPOSITIONS = {
    "transported": "Patient transported",
    "treated_released": "Treated and released",
    "refused_care": "Patient refused care",
    "no_patient": "No patient found",
    "dead_on_scene": "Dead on scene",
    "other_agency": "Handled by another agency",
    "cancelled": "Cancelled before arrival",
    "duplicate": "Duplicate of another incident",
    "false_alarm": "False alarm",
    "other": "Other (see text)",
}


def _short(value: str, what: str) -> str:
    if len(value) > MAX_SHORT:
        raise InvalidInput(f"{what} is longer than {MAX_SHORT} characters")
    return value


def check_location(location: Location) -> None:
    if len(location.text) > MAX_SHORT or len(location.label) > MAX_SHORT:
        raise InvalidInput(f"a location text is longer than {MAX_SHORT} characters")
    if (location.lon is None) != (location.lat is None):
        raise InvalidInput("a location needs both longitude and latitude, or neither")
    if location.lon is not None and location.lat is not None:
        if not (math.isfinite(location.lon) and math.isfinite(location.lat)):
            raise InvalidInput("location coordinates must be finite numbers")
        if not (-180 <= location.lon <= 180 and -90 <= location.lat <= 90):
            raise InvalidInput("longitude must be within ±180 and latitude within ±90")
    if location.uncertainty_m is not None and not (
        math.isfinite(location.uncertainty_m) and 0 <= location.uncertainty_m <= 1e6
    ):
        raise InvalidInput("location uncertainty must be between 0 and 1,000,000 m")
    if not location.text.strip() and not location.has_point:
        raise InvalidInput("a location needs an address or coordinates")


def check_triage(triage: Triage) -> None:
    if triage.priority not in PRIORITIES:
        raise InvalidInput("priority must be 1 (most urgent) to 4")
    _short(triage.chief_complaint, "the chief complaint")
    _short(triage.determinant, "the determinant")


def check_caller(caller: Caller) -> None:
    _short(caller.name, "the caller's name")
    _short(caller.phone, "the caller's phone")


def check_persons(persons: Sequence[Person]) -> None:
    if len(persons) > MAX_PERSONS:
        raise InvalidInput(f"at most {MAX_PERSONS} persons")
    for p in persons:
        _short(p.name, "a person's name")
        _short(p.sex, "a person's sex")
        if len(p.description) > MAX_TEXT:
            raise InvalidInput(f"a person's description is longer than {MAX_TEXT} characters")
        if p.age is not None and not 0 <= p.age <= 130:
            raise InvalidInput("age must be 0 to 130")


def check_cautions(cautions: Sequence[Caution]) -> None:
    if len(cautions) > MAX_CAUTIONS:
        raise InvalidInput(f"at most {MAX_CAUTIONS} cautions")
    for c in cautions:
        _short(c.kind, "a caution's kind")
        _short(c.source, "a caution's source")
        if len(c.text) > MAX_TEXT:
            raise InvalidInput(f"a caution is longer than {MAX_TEXT} characters")


def create(
    *,
    incident_id: str,
    number: str,
    received_at: datetime,
    source: Source,
    location: Location,
    triage: Triage,
    caller: Caller | None = None,
    persons: tuple[Person, ...] = (),
    cautions: tuple[Caution, ...] = (),
) -> IncidentCreated:
    caller = caller or Caller()
    check_location(location)
    check_triage(triage)
    check_caller(caller)
    check_persons(persons)
    check_cautions(cautions)
    return IncidentCreated(
        incident=incident_id,
        number=number,
        received_at=received_at,
        source=source,
        location=location,
        triage=triage,
        caller=caller,
        persons=persons,
        cautions=cautions,
    )


def triage_of(incident: Incident) -> Triage:
    return Triage(
        chief_complaint=incident.chief_complaint,
        priority=incident.priority,
        determinant=incident.determinant,
    )


def _open(incident: Incident) -> None:
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(f"incident {incident.number} is closed; reopen it first")


def update(
    incident: Incident,
    *,
    location: Location | None = None,
    triage: Triage | None = None,
    caller: Caller | None = None,
    persons: tuple[Person, ...] | None = None,
    cautions: tuple[Caution, ...] | None = None,
) -> list[DomainEvent]:
    """Events for the fields that really change (none if nothing does)."""
    _open(incident)
    i = incident.id
    events: list[DomainEvent] = []
    if location is not None and location != incident.location:
        check_location(location)
        events.append(IncidentLocationChanged(incident=i, before=incident.location, after=location))
    if triage is not None and triage != triage_of(incident):
        check_triage(triage)
        events.append(IncidentTriaged(incident=i, before=triage_of(incident), after=triage))
    if caller is not None and caller != incident.caller:
        check_caller(caller)
        events.append(IncidentCallerChanged(incident=i, before=incident.caller, after=caller))
    if persons is not None and persons != incident.persons:
        check_persons(persons)
        events.append(IncidentPersonsChanged(incident=i, before=incident.persons, after=persons))
    if cautions is not None and cautions != incident.cautions:
        check_cautions(cautions)
        events.append(IncidentCautionsChanged(incident=i, before=incident.cautions, after=cautions))
    return events


def set_destination(incident: Incident, hospital_id: str | None) -> list[DomainEvent]:
    _open(incident)
    if hospital_id == incident.destination:
        return []
    return [
        IncidentDestinationChanged(
            incident=incident.id, before=incident.destination, after=hospital_id
        )
    ]


def add_note(incident: Incident, note: Note) -> IncidentNoteAdded:
    # Notes may be added to a closed incident: late information belongs on its record.
    if not note.text.strip():
        raise InvalidInput("a note needs text")
    if len(note.text) > MAX_TEXT:
        raise InvalidInput(f"a note is longer than {MAX_TEXT} characters")
    return IncidentNoteAdded(incident=incident.id, note=note)


def close(incident: Incident, disposition: Disposition) -> IncidentClosed:
    _open(incident)
    if disposition.code not in DISPOSITIONS:
        codes = ", ".join(DISPOSITIONS)
        raise InvalidInput(f"unknown disposition {disposition.code!r} (use one of: {codes})")
    if len(disposition.text) > MAX_TEXT:
        raise InvalidInput(f"a disposition text is longer than {MAX_TEXT} characters")
    if incident.units:
        raise Conflict(
            f"incident {incident.number} still has units assigned; clear them before closing"
        )
    return IncidentClosed(incident=incident.id, disposition=disposition)


def reopen(incident: Incident, reason: str) -> IncidentReopened:
    if incident.status is not IncidentStatus.CLOSED:
        raise Conflict(f"incident {incident.number} is not closed")
    if not reason.strip():
        raise InvalidInput("reopening needs a reason")
    return IncidentReopened(incident=incident.id, reason=_short(reason, "the reason"))


def apply(incident: Incident | None, recorded: Recorded) -> Incident | None:
    """Fold one event into an incident (None before it exists)."""
    event, at = recorded.event, recorded.at
    if isinstance(event, IncidentCreated):
        t = event.triage
        return Incident(
            id=event.incident,
            number=event.number,
            status=IncidentStatus.PENDING,
            received_at=event.received_at,
            source=event.source,
            location=event.location,
            chief_complaint=t.chief_complaint,
            priority=t.priority,
            determinant=t.determinant,
            caller=event.caller,
            persons=event.persons,
            cautions=event.cautions,
            version=1,
        )
    if incident is None or event.incident_id != incident.id:
        return incident
    new = replace(incident, version=incident.version + 1)
    if isinstance(event, IncidentLocationChanged):
        return replace(new, location=event.after)
    if isinstance(event, IncidentTriaged):
        a = event.after
        return replace(
            new, chief_complaint=a.chief_complaint, priority=a.priority, determinant=a.determinant
        )
    if isinstance(event, IncidentCallerChanged):
        return replace(new, caller=event.after)
    if isinstance(event, IncidentPersonsChanged):
        return replace(new, persons=event.after)
    if isinstance(event, IncidentCautionsChanged):
        return replace(new, cautions=event.after)
    if isinstance(event, IncidentDestinationChanged):
        return replace(new, destination=event.after)
    if isinstance(event, IncidentNoteAdded):
        return replace(new, notes=(*incident.notes, event.note))
    if isinstance(event, IncidentClosed):
        return replace(
            new, status=IncidentStatus.CLOSED, disposition=event.disposition, closed_at=at
        )
    if isinstance(event, IncidentReopened):
        status = IncidentStatus.ACTIVE if incident.served else IncidentStatus.PENDING
        return replace(new, status=status, disposition=None, closed_at=None)
    if isinstance(event, UnitAssigned):
        return replace(new, status=IncidentStatus.ACTIVE, units=(*incident.units, event.unit))
    if isinstance(event, UnitUnassigned):
        units = tuple(u for u in incident.units if u != event.unit)
        # Every unit cancelled before anyone arrived: the call is waiting for a unit again.
        waiting = not units and not incident.served
        return replace(new, units=units, status=IncidentStatus.PENDING if waiting else new.status)
    if isinstance(event, UnitStatusChanged):
        served = incident.served or event.after is UnitStatus.ON_SCENE
        units = (
            incident.units
            if event.after.committed
            else (tuple(u for u in incident.units if u != event.unit))
        )
        return replace(new, units=units, served=served)
    return incident


def replay(events: Sequence[Recorded], incident_id: str) -> Incident | None:
    incident: Incident | None = None
    for rec in events:
        if rec.event.incident_id == incident_id:
            incident = apply(incident, rec)
    return incident
