"""The incident timeline: its events in order, each with a one-line description."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

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
)
from emscad.units.events import UnitAssigned, UnitStatusChanged, UnitUnassigned

Names = Callable[[str | None], str]  # an id (unit or hospital) -> what people call it
Describer = Callable[[DomainEvent], str | None]  # another package's events: a line or None


def describe(rec: Recorded, name: Names, extra: Sequence[Describer] = ()) -> str:
    e = rec.event
    for other in extra:
        line = other(e)
        if line is not None:
            return line
    if isinstance(e, IncidentCreated):
        where = e.location.text or e.location.label or "coordinates"
        what = e.triage.chief_complaint or "no complaint yet"
        return f"Incident {e.number} created: {what}, P{e.triage.priority}, at {where}"
    if isinstance(e, IncidentLocationChanged):
        before = e.before.text or e.before.label or "coordinates"
        after = e.after.text or e.after.label or "coordinates"
        return f"Location changed from {before} to {after} ({e.after.confidence.value})"
    if isinstance(e, IncidentTriaged):
        return f"Triaged: {e.after.chief_complaint or 'no complaint'}, P{e.after.priority}" + (
            f", {e.after.determinant}" if e.after.determinant else ""
        )
    if isinstance(e, IncidentCallerChanged):
        return "Caller details changed"
    if isinstance(e, IncidentPersonsChanged):
        return f"Persons changed ({len(e.after)} on record)"
    if isinstance(e, IncidentCautionsChanged):
        return f"Cautions changed ({len(e.after)} on record)"
    if isinstance(e, IncidentDestinationChanged):
        return f"Destination set to {name(e.after)}" if e.after else "Destination cleared"
    if isinstance(e, IncidentNoteAdded):
        return f"Note: {e.note.text}"
    if isinstance(e, IncidentClosed):
        return f"Closed: {e.disposition.code}" + (
            f" ({e.disposition.text})" if e.disposition.text else ""
        )
    if isinstance(e, IncidentReopened):
        return f"Reopened: {e.reason}"
    if isinstance(e, UnitAssigned):
        return f"{name(e.unit)} dispatched"
    if isinstance(e, UnitUnassigned):
        return f"{name(e.unit)} cancelled" + (f": {e.reason}" if e.reason else "")
    if isinstance(e, UnitStatusChanged):
        status = e.after.value.replace("_", " ")
        to = f" to {name(e.destination)}" if e.destination else ""
        return f"{name(e.unit)} {status}{to}"
    return e.type


def timeline(
    events: Iterable[Recorded], name: Names, *, extra: Sequence[Describer] = ()
) -> list[dict[str, Any]]:
    return [{**rec.to_json(), "text": describe(rec, name, extra)} for rec in events]
