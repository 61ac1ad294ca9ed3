"""The unit status state machine: which changes are allowed, and the events they produce.

Commands check the rules and return events; `apply` folds an event into a unit. Nothing
here touches storage or the clock: the caller supplies both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent, Recorded
from emscad.units.events import (
    UnitAdded,
    UnitAssigned,
    UnitEdited,
    UnitProfile,
    UnitRemoved,
    UnitStatusChanged,
    UnitUnassigned,
)
from emscad.units.models import Unit, UnitStatus

S = UnitStatus
IN_SERVICE = frozenset({S.AVAILABLE, S.AVAILABLE_AT_STATION})

# Status changes a unit or dispatcher may make directly. Dispatching goes through `assign`.
TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    S.OFF_DUTY: frozenset({S.AVAILABLE_AT_STATION, S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.OUT_OF_SERVICE: frozenset({S.AVAILABLE_AT_STATION, S.AVAILABLE, S.OFF_DUTY}),
    S.AVAILABLE_AT_STATION: frozenset({S.AVAILABLE, S.OUT_OF_SERVICE, S.OFF_DUTY}),
    S.AVAILABLE: frozenset({S.AVAILABLE_AT_STATION, S.OUT_OF_SERVICE, S.OFF_DUTY}),
    # Going back in service before reaching the scene is a cancellation (see change_status).
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.ON_SCENE, *IN_SERVICE}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, *IN_SERVICE}),
    S.ON_SCENE: frozenset({S.AT_PATIENT, S.TRANSPORTING, *IN_SERVICE}),
    S.AT_PATIENT: frozenset({S.TRANSPORTING, *IN_SERVICE}),
    S.TRANSPORTING: frozenset({S.AT_HOSPITAL}),
    S.AT_HOSPITAL: frozenset({S.TRANSFERRED, *IN_SERVICE}),
    S.TRANSFERRED: frozenset(IN_SERVICE),
}
_BEFORE_SCENE = frozenset({S.DISPATCHED, S.EN_ROUTE})


def _label(status: UnitStatus) -> str:
    return status.value.replace("_", " ")


def add(unit_id: str, profile: UnitProfile, *, status: UnitStatus) -> UnitAdded:
    check_profile(profile)
    if status.committed:
        raise InvalidInput("a new unit cannot start out committed to an incident")
    return UnitAdded(unit=unit_id, profile=profile, status=status)


def edit(unit: Unit, profile: UnitProfile) -> list[DomainEvent]:
    check_profile(profile)
    before = profile_of(unit)
    return [] if before == profile else [UnitEdited(unit=unit.id, before=before, after=profile)]


def remove(unit: Unit) -> UnitRemoved:
    if unit.status.committed:
        raise Conflict(f"{unit.call_sign} is working an incident; clear it before removing it")
    return UnitRemoved(unit=unit.id)


def profile_of(unit: Unit) -> UnitProfile:
    return UnitProfile(
        call_sign=unit.call_sign,
        type=unit.type,
        capabilities=unit.capabilities,
        station=unit.station,
        crew=unit.crew,
    )


def check_profile(profile: UnitProfile) -> None:
    if not profile.call_sign.strip() or len(profile.call_sign) > 40:
        raise InvalidInput("a call sign needs 1 to 40 characters")
    for cap in profile.capabilities:
        if not cap or len(cap) > 40 or not cap.replace("_", "").isalnum():
            raise InvalidInput(f"invalid capability {cap!r}: use letters, digits and '_'")


def assign(unit: Unit, incident_id: str) -> list[DomainEvent]:
    """Dispatch the unit. A unit clearing a hospital is cleared from its last call first."""
    if not unit.active:
        raise Conflict(f"{unit.call_sign} is no longer on the roster")
    if unit.incident == incident_id:
        raise Conflict(f"{unit.call_sign} is already assigned to this incident")
    events: list[DomainEvent] = []
    before = unit.status
    if unit.status.clearing:
        events.append(
            UnitStatusChanged(
                unit=unit.id, incident=unit.incident, before=unit.status, after=S.AVAILABLE
            )
        )
        before = S.AVAILABLE
    elif not unit.status.available:
        where = " on another incident" if unit.incident else ""
        raise Conflict(f"{unit.call_sign} is not available: {_label(unit.status)}{where}")
    events.append(UnitAssigned(incident=incident_id, unit=unit.id, before=before))
    return events


def unassign(unit: Unit, incident_id: str, *, reason: str = "") -> UnitUnassigned:
    if unit.incident != incident_id:
        raise Conflict(f"{unit.call_sign} is not assigned to this incident")
    return UnitUnassigned(incident=incident_id, unit=unit.id, before=unit.status, reason=reason)


def change_status(
    unit: Unit, to: UnitStatus, *, destination: str | None = None
) -> list[DomainEvent]:
    """Move the unit to `to`, or raise Conflict naming the allowed statuses."""
    if not unit.active:
        raise Conflict(f"{unit.call_sign} is no longer on the roster")
    if to == unit.status:
        return []
    if to is S.DISPATCHED:
        raise Conflict("dispatch a unit by assigning it to an incident")
    allowed = TRANSITIONS[unit.status]
    if to not in allowed:
        names = ", ".join(sorted(_label(s) for s in allowed))
        raise Conflict(
            f"{unit.call_sign} cannot go from {_label(unit.status)} to {_label(to)} "
            f"(allowed: {names})"
        )
    if unit.status in _BEFORE_SCENE and to in IN_SERVICE:
        assert unit.incident is not None
        return [unassign(unit, unit.incident, reason="cleared before arrival")]
    if to is S.TRANSPORTING:
        if not destination:
            raise InvalidInput(f"{unit.call_sign} needs a destination hospital to transport")
    elif to is S.AT_HOSPITAL:
        destination = unit.destination
    else:
        destination = None
    return [
        UnitStatusChanged(
            unit=unit.id,
            incident=unit.incident,
            before=unit.status,
            after=to,
            destination=destination,
        )
    ]


def apply(unit: Unit | None, recorded: Recorded) -> Unit | None:
    """Fold one event into a unit (None before it exists); events for others pass through."""
    event, at = recorded.event, recorded.at
    if isinstance(event, UnitAdded):
        p = event.profile
        return Unit(
            id=event.unit,
            call_sign=p.call_sign,
            type=p.type,
            capabilities=p.capabilities,
            station=p.station,
            crew=p.crew,
            status=event.status,
            status_at=at,
            version=1,
        )
    if unit is None or event.unit_id != unit.id:
        return unit
    bumped = replace(unit, version=unit.version + 1)
    if isinstance(event, UnitEdited):
        p = event.after
        return replace(
            bumped,
            call_sign=p.call_sign,
            type=p.type,
            capabilities=p.capabilities,
            station=p.station,
            crew=p.crew,
        )
    if isinstance(event, UnitRemoved):
        return replace(bumped, active=False)
    if isinstance(event, UnitAssigned):
        return replace(
            bumped, status=S.DISPATCHED, status_at=at, incident=event.incident, destination=None
        )
    if isinstance(event, UnitUnassigned):
        return replace(bumped, status=S.AVAILABLE, status_at=at, incident=None, destination=None)
    if isinstance(event, UnitStatusChanged):
        committed = event.after.committed
        return replace(
            bumped,
            status=event.after,
            status_at=at,
            incident=unit.incident if committed else None,
            destination=event.destination if committed else None,
        )
    return unit


def replay(events: Sequence[Recorded], unit_id: str) -> Unit | None:
    unit: Unit | None = None
    for rec in events:
        if rec.event.unit_id == unit_id:
            unit = apply(unit, rec)
    return unit
