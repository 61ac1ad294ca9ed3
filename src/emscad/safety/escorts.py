"""Escort requests: a member of staff asks to be walked to their car; someone accepts and does it.

An escort nobody has accepted climbs its own ladder (dispatchers and supervisors, then
everyone on duty) so that a request never sits unseen. Anyone but the requester may accept;
the requester or a supervisor may cancel; the escort, the requester or a supervisor marks
it complete.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from emscad.accounts.permissions import Role
from emscad.errors import Conflict, Forbidden
from emscad.events import DomainEvent, Recorded, to_ms
from emscad.safety.escalation import DEFAULT_ESCORT_LADDER, Alarm, Ladder, due_escalations
from emscad.safety.events import (
    EscortAccepted,
    EscortCancelled,
    EscortCompleted,
    EscortEscalated,
    EscortRequested,
)
from emscad.safety.models import Actor, Position, aware, required, short


class EscortPhase(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Escort:
    id: str
    staff_user: str
    requested_at: datetime
    place: str
    note: str = ""
    position: Position | None = None
    phase: EscortPhase = EscortPhase.REQUESTED
    level: int = -1
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    ended_by: str | None = None
    ended_at: datetime | None = None
    reason: str = ""
    version: int = 0

    @property
    def open(self) -> bool:
        return self.phase in (EscortPhase.REQUESTED, EscortPhase.ACCEPTED)

    @property
    def alarm(self) -> Alarm:
        return Alarm(
            started_at=self.requested_at,
            level=self.level,
            escalating=self.phase is EscortPhase.REQUESTED,
        )


def request_escort(
    *,
    escort_id: str,
    staff_user: str,
    now: datetime,
    place: str,
    note: str = "",
    position: Position | None = None,
) -> EscortRequested:
    return EscortRequested(
        escort=required(escort_id, "the escort id"),
        staff_user=required(staff_user, "the staff user"),
        at=to_ms(aware(now, "the time")),
        place=required(place, "where to meet"),
        note=short(note, "the note"),
        position=position.check() if position is not None else None,
    )


def escalate_escort(
    e: Escort, now: datetime, ladder: Ladder = DEFAULT_ESCORT_LADDER
) -> list[EscortEscalated]:
    return [
        EscortEscalated(escort=e.id, level=s.level, targets=s.targets, at=to_ms(s.due_at))
        for s in due_escalations(e.alarm, now, ladder)
    ]


def accept_escort(e: Escort, actor: Actor, now: datetime) -> EscortAccepted:
    if e.phase is not EscortPhase.REQUESTED:
        raise Conflict(f"the escort is {e.phase.value}")
    if not actor.human or actor.user == e.staff_user:
        raise Forbidden("someone other than the requester must accept an escort")
    return EscortAccepted(escort=e.id, by=actor.user, at=to_ms(aware(now, "the time")))


def complete_escort(e: Escort, actor: Actor, now: datetime) -> EscortCompleted:
    if e.phase is not EscortPhase.ACCEPTED:
        raise Conflict(f"the escort is {e.phase.value}")
    if actor.user not in (e.staff_user, e.accepted_by) and not actor.has(Role.SUPERVISOR):
        raise Forbidden("only the escort, the requester or a supervisor can complete it")
    return EscortCompleted(escort=e.id, by=actor.user, at=to_ms(aware(now, "the time")))


def cancel_escort(e: Escort, actor: Actor, now: datetime, reason: str = "") -> EscortCancelled:
    if not e.open:
        raise Conflict(f"the escort is {e.phase.value}")
    if actor.user != e.staff_user and not actor.has(Role.SUPERVISOR):
        raise Forbidden("only the requester or a supervisor can cancel an escort")
    return EscortCancelled(
        escort=e.id, by=actor.user, at=to_ms(aware(now, "the time")), reason=short(reason, "reason")
    )


_STEPS = (EscortEscalated, EscortAccepted, EscortCompleted, EscortCancelled)


def _step(e: Escort, event: DomainEvent) -> Escort:
    if not isinstance(event, _STEPS) or event.escort != e.id:
        return e
    new = replace(e, version=e.version + 1)
    if isinstance(event, EscortEscalated):
        return replace(new, level=max(e.level, event.level))
    if isinstance(event, EscortAccepted):
        return replace(new, phase=EscortPhase.ACCEPTED, accepted_by=event.by, accepted_at=event.at)
    if isinstance(event, EscortCompleted):
        return replace(new, phase=EscortPhase.COMPLETED, ended_by=event.by, ended_at=event.at)
    return replace(
        new,
        phase=EscortPhase.CANCELLED,
        ended_by=event.by,
        ended_at=event.at,
        reason=event.reason,
    )


def apply_escort(e: Escort | None, recorded: Recorded) -> Escort | None:
    event = recorded.event
    if isinstance(event, EscortRequested):
        return Escort(
            id=event.escort,
            staff_user=event.staff_user,
            requested_at=event.at,
            place=event.place,
            note=event.note,
            position=event.position,
            version=1,
        )
    return None if e is None else _step(e, event)
