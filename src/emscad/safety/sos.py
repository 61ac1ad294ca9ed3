"""Staff SOS: raising, escalating, acknowledging and clearing an alarm (a pure state machine).

Rules (R8.1):
- An SOS climbs the escalation ladder until a *person* at a console acknowledges it.
  A system acknowledgement (a delivery receipt) is recorded and changes nothing.
- Acknowledging stops the climb but does not end the alarm. Only clearing ends it, and
  only a supervisor or the person who acknowledged it may clear it, giving a reason.
- The staff member who raised it may neither acknowledge nor clear it: someone standing
  over them could make them press "cancel". They tell a supervisor, who clears it.
- A silent SOS (always for the duress PIN) must look like nothing happened on the staff
  member's own screen, and its alarms never reach that member's own sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import DomainEvent, Recorded, to_ms
from emscad.incidents.models import (
    LOCATION_UNKNOWN,
    Caller,
    Caution,
    Person,
    PersonRole,
    Severity,
    Source,
)
from emscad.safety.access import ALARM_ACKNOWLEDGERS, ALARM_CLEARERS
from emscad.safety.cautions import staff_threats
from emscad.safety.escalation import DEFAULT_LADDER, Ladder, due_escalations
from emscad.safety.events import (
    AlertIncidentLinked,
    SosAcknowledged,
    SosCleared,
    SosEscalated,
    SosLocationUpdated,
    SosRaised,
    SosSource,
)
from emscad.safety.models import (
    Actor,
    IncidentRequest,
    Position,
    Target,
    aware,
    check_lonlat,
    hms,
    no_location,
    required,
)
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.staff import StaffRecord


class SosPhase(StrEnum):
    ACTIVE = "active"  # nobody has acknowledged it yet
    ACKNOWLEDGED = "acknowledged"  # a person is handling it
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Sos:
    id: str
    staff_user: str
    source: SosSource
    silent: bool
    started_at: datetime
    position: Position | None = None
    level: int = -1  # the highest ladder step reached
    targets: tuple[Target, ...] = ()  # everyone reached so far
    acknowledged_by: str | None = None  # the first *person* to acknowledge
    acknowledged_at: datetime | None = None
    system_acks: int = 0
    cleared_by: str | None = None
    cleared_at: datetime | None = None
    clear_reason: str = ""
    incident: str | None = None
    version: int = 0

    @property
    def phase(self) -> SosPhase:
        if self.cleared_at is not None:
            return SosPhase.CLEARED
        return SosPhase.ACTIVE if self.acknowledged_by is None else SosPhase.ACKNOWLEDGED

    @property
    def escalating(self) -> bool:
        return self.phase is SosPhase.ACTIVE

    @property
    def open(self) -> bool:
        return self.cleared_at is None

    @property
    def key(self) -> str:
        return f"sos:{self.id}"


class Reply(StrEnum):
    """What the staff member's own screen must show after raising an SOS."""

    CONFIRM = "confirm"
    AS_IF_NOTHING_HAPPENED = "as_if_nothing_happened"


@dataclass(frozen=True, slots=True)
class SosRaise:
    sos: Sos  # the state after `events`
    events: tuple[DomainEvent, ...]  # to record, in order
    incident: IncidentRequest  # to create now, at top priority
    reply: Reply
    instruction: str  # for the code that answers the staff member's request
    user_message: str  # what their screen says; empty for a silent SOS


def raise_sos(
    *,
    sos_id: str,
    staff: StaffRecord,
    source: SosSource,
    now: datetime,
    position: Position | None = None,
    silent: bool = False,
    orders: Iterable[ProtectiveOrder] = (),
    ladder: Ladder = DEFAULT_LADDER,
) -> SosRaise:
    """Raise an SOS: the events (raised, then the ladder's first step), the incident and reply.

    A bad position is dropped rather than refused: an SOS is never rejected for its
    payload, and the incident then asks the dispatcher to find the staff member.
    """
    required(sos_id, "the SOS id")
    required(staff.user, "the staff user")
    at = to_ms(aware(now, "the SOS time"))
    position = _usable(position)
    # The duress PIN exists to raise an alarm the person at the keyboard cannot see.
    silent = silent or source is SosSource.DURESS_PIN
    raised = SosRaised(
        sos=sos_id,
        staff_user=staff.user,
        source=source,
        at=at,
        position=position,
        silent=silent,
    )
    state = _start(raised)
    escalations = escalate_sos(state, at, ladder)
    for e in escalations:
        state = _step(state, e)
    incident = sos_incident(state, staff, orders=orders)
    if silent:
        reply = Reply.AS_IF_NOTHING_HAPPENED
        instruction = (
            "Respond to the user as if nothing happened: the normal screen, no sound, "
            "no confirmation."
        )
        message = ""
    else:
        reply = Reply.CONFIRM
        instruction = "Confirm to the user that the SOS was received and help is coming."
        message = "SOS received. Dispatch has been alerted and help is coming."
    return SosRaise(
        sos=state,
        events=(raised, *escalations),
        incident=incident,
        reply=reply,
        instruction=instruction,
        user_message=message,
    )


_SOURCE_TEXT = {
    SosSource.APP: "the app",
    SosSource.SMS: "SMS keyword",
    SosSource.BUTTON: "panic button",
    SosSource.DURESS_PIN: "duress PIN",
}


def sos_incident(
    sos: Sos, staff: StaffRecord, orders: Iterable[ProtectiveOrder]
) -> IncidentRequest:
    """A top-priority staff_sos incident at the staff member's device location."""
    name = staff.name or staff.user
    if sos.position is not None:
        u = sos.position.uncertainty_m
        within = f" (±{u:.0f} m)" if u is not None else " (accuracy unknown)"
        location = sos.position.location(f"Staff SOS: {name}'s device location{within}")
    else:
        location = no_location(f"Staff SOS from {name}: {LOCATION_UNKNOWN}, find them")
    cautions, suspects = staff_threats(
        sos.staff_user,
        orders,
        sos.started_at,
        "The staff member who raised this SOS is protected by a protective order; "
        "the respondent may be the threat.",
    )
    if sos.silent:
        cautions = (
            Caution(
                kind="silent-duress",
                text=(
                    "SILENT DURESS: do not call, text or radio the staff member, and do not "
                    "let anyone near them see a response until police are with them."
                ),
                severity=Severity.HIGH,
                source=sos.key,
            ),
            *cautions,
        )
    note = f"Staff SOS from {name} via {_SOURCE_TEXT[sos.source]} at {hms(sos.started_at)}." + (
        " SILENT: respond without alerting anyone near them." if sos.silent else ""
    )
    return IncidentRequest(
        key=sos.key,
        source=Source.STAFF_SOS,
        complaint="staff_sos",
        priority=1,
        location=location,
        caller=Caller(name=name[:200], phone=staff.incident_phone),
        persons=(Person(name=name[:200], role=PersonRole.VICTIM), *suspects),
        cautions=cautions,
        note=note,
    )


def escalate_sos(sos: Sos, now: datetime, ladder: Ladder = DEFAULT_LADDER) -> list[SosEscalated]:
    """The ladder steps due by `now`, as events (none once a person has acknowledged)."""
    return [
        SosEscalated(
            sos=sos.id,
            level=e.level,
            targets=e.targets,
            at=to_ms(e.due_at),
            silent=sos.silent,
            except_user=sos.staff_user if sos.silent else None,
        )
        for e in due_escalations(sos, now, ladder)
    ]


def _not_cleared(sos: Sos) -> None:
    if not sos.open:
        raise Conflict(f"SOS {sos.id} is already cleared")


def acknowledge_sos(sos: Sos, actor: Actor, now: datetime) -> list[DomainEvent]:
    """A person acknowledges: escalation stops. A system ack is recorded and stops nothing."""
    _not_cleared(sos)
    at = to_ms(aware(now, "the acknowledgement time"))
    if not actor.human:
        return [SosAcknowledged(sos=sos.id, by=actor.user, at=at, human=False)]
    if actor.user == sos.staff_user:
        raise Forbidden("you cannot acknowledge your own SOS; a dispatcher will")
    if not actor.has(*ALARM_ACKNOWLEDGERS):
        raise Forbidden("only a call-taker, dispatcher or supervisor can acknowledge an SOS")
    if sos.acknowledged_by is not None:
        return []
    return [SosAcknowledged(sos=sos.id, by=actor.user, at=at, human=True)]


def may_clear(sos: Sos, actor: Actor) -> bool:
    """A supervisor, or the person who acknowledged it; never the raiser, never a system."""
    if not actor.human or actor.user == sos.staff_user:
        return False
    return actor.has(*ALARM_CLEARERS) or actor.user == sos.acknowledged_by


def clear_sos(sos: Sos, actor: Actor, now: datetime, reason: str) -> SosCleared:
    _not_cleared(sos)
    if not may_clear(sos, actor):
        raise Forbidden("only a supervisor or the dispatcher who acknowledged it can clear an SOS")
    return SosCleared(
        sos=sos.id,
        by=actor.user,
        at=to_ms(aware(now, "the clearing time")),
        reason=required(reason, "the reason for clearing"),
    )


def update_sos_location(sos: Sos, position: Position, now: datetime) -> SosLocationUpdated:
    _not_cleared(sos)
    return SosLocationUpdated(
        sos=sos.id, position=position.check(), at=to_ms(aware(now, "the update time"))
    )


def link_incident(sos: Sos, incident_id: str) -> AlertIncidentLinked:
    return AlertIncidentLinked(alarm=sos.key, incident=required(incident_id, "the incident id"))


def _usable(position: Position | None) -> Position | None:
    """The position as far as it can be trusted: bad coordinates are dropped, a bad
    accuracy becomes "unknown". An SOS is never refused for its payload."""
    if position is None:
        return None
    try:
        check_lonlat(position.lon, position.lat, "the SOS position")
    except InvalidInput:
        return None
    try:
        return position.check()
    except InvalidInput:
        return replace(position, uncertainty_m=None)


def _start(event: SosRaised) -> Sos:
    return Sos(
        id=event.sos,
        staff_user=event.staff_user,
        source=event.source,
        silent=event.silent,
        started_at=event.at,
        position=event.position,
        version=1,
    )


_STEPS = (SosEscalated, SosAcknowledged, SosCleared, SosLocationUpdated)


def _step(sos: Sos, event: DomainEvent) -> Sos:
    if isinstance(event, AlertIncidentLinked):
        if event.alarm != sos.key:
            return sos
        return replace(sos, incident=event.incident, version=sos.version + 1)
    if not isinstance(event, _STEPS) or event.sos != sos.id:
        return sos
    new = replace(sos, version=sos.version + 1)
    if isinstance(event, SosEscalated):
        reached = dict.fromkeys((*sos.targets, *event.targets))
        return replace(new, level=max(sos.level, event.level), targets=tuple(reached))
    if isinstance(event, SosAcknowledged):
        if not event.human:
            return replace(new, system_acks=sos.system_acks + 1)
        if sos.acknowledged_by is not None:
            return new
        return replace(new, acknowledged_by=event.by, acknowledged_at=event.at)
    if isinstance(event, SosCleared):
        return replace(new, cleared_by=event.by, cleared_at=event.at, clear_reason=event.reason)
    return replace(new, position=event.position)


def apply_sos(sos: Sos | None, recorded: Recorded) -> Sos | None:
    """Fold one recorded event into an SOS (None before it is raised)."""
    event = recorded.event
    if isinstance(event, SosRaised):
        return _start(event)
    return None if sos is None else _step(sos, event)
