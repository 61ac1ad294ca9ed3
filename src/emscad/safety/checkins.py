"""Personal check-in timers ("walking to my car, 5 min") and the welfare alert a missed one raises.

A timer runs until its deadline. Checking in as safe or cancelling ends it. If the deadline
plus a short grace passes with neither, the timer is *missed*: a welfare alert goes out and
climbs the same escalation ladder as an SOS until a person acknowledges it. A "safe" that
arrives before the alert went out counts as on time: the alarm is for when nobody knows.
A late "safe" from the staff member stops the climb (it is their own word), but the alert
stays open until a supervisor or the dispatcher who acknowledged it resolves it: someone
should still hear their voice. A missed timer can no longer be cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import DomainEvent, Recorded, to_ms
from emscad.incidents.models import LOCATION_UNKNOWN, Caller, Person, PersonRole, Source
from emscad.safety.access import ALARM_ACKNOWLEDGERS, ALARM_CLEARERS
from emscad.safety.cautions import staff_threats
from emscad.safety.escalation import DEFAULT_LADDER, Alarm, Ladder, due_escalations
from emscad.safety.events import (
    AlertIncidentLinked,
    CheckInAcknowledged,
    CheckInCancelled,
    CheckInEscalated,
    CheckInExtended,
    CheckInMissed,
    CheckInResolved,
    CheckInSafe,
    CheckInStarted,
)
from emscad.safety.models import (
    Actor,
    IncidentRequest,
    Position,
    aware,
    hms,
    no_location,
    required,
    short,
)
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.staff import StaffRecord

# The grace after the deadline before the alert goes out: a thumb that reached "safe" a few
# seconds late should not page every supervisor.
DEFAULT_GRACE = timedelta(seconds=60)
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(hours=12)


class CheckInPhase(StrEnum):
    RUNNING = "running"
    SAFE = "safe"  # checked in on time
    CANCELLED = "cancelled"
    MISSED = "missed"  # the welfare alert is out
    RESOLVED = "resolved"  # the welfare alert was resolved by a supervisor or dispatcher


@dataclass(frozen=True, slots=True)
class CheckIn:
    id: str
    staff_user: str
    started_at: datetime  # when the timer was started
    deadline: datetime
    note: str = ""
    position: Position | None = None
    phase: CheckInPhase = CheckInPhase.RUNNING
    missed_at: datetime | None = None
    level: int = -1
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    safe_at: datetime | None = None
    ended_at: datetime | None = None
    resolved_by: str | None = None
    resolve_reason: str = ""
    incident: str | None = None
    version: int = 0

    @property
    def key(self) -> str:
        return f"checkin:{self.id}"

    @property
    def open(self) -> bool:
        return self.phase in (CheckInPhase.RUNNING, CheckInPhase.MISSED)

    @property
    def alarm(self) -> Alarm | None:
        """The welfare alert, for the ladder; None until the timer is missed."""
        if self.missed_at is None:
            return None
        escalating = (
            self.phase is CheckInPhase.MISSED
            and self.acknowledged_by is None
            and self.safe_at is None
        )
        return Alarm(started_at=self.missed_at, level=self.level, escalating=escalating)


def _duration(value: timedelta, what: str) -> timedelta:
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise InvalidInput(f"{what} must be between 1 minute and 12 hours")
    return value


def start_checkin(
    *,
    checkin_id: str,
    staff_user: str,
    now: datetime,
    duration: timedelta,
    note: str = "",
    position: Position | None = None,
) -> CheckInStarted:
    at = to_ms(aware(now, "the start time"))
    return CheckInStarted(
        checkin=required(checkin_id, "the check-in id"),
        staff_user=required(staff_user, "the staff user"),
        at=at,
        deadline=at + _duration(duration, "a check-in timer"),
        note=short(note, "the note"),
        position=position.check() if position is not None else None,
    )


def _running(c: CheckIn) -> None:
    if c.phase is CheckInPhase.MISSED:
        raise Conflict("the check-in was missed and the welfare alert is out; check in as safe")
    if c.phase is not CheckInPhase.RUNNING:
        raise Conflict(f"the check-in timer is {c.phase.value}")


def extend_checkin(c: CheckIn, now: datetime, by: timedelta) -> CheckInExtended:
    """More time: from the deadline, or from now if the deadline has just passed (in grace)."""
    _running(c)
    base = max(c.deadline, to_ms(aware(now, "the time")))
    after = base + _duration(by, "an extension")
    if after - to_ms(now) > MAX_DURATION:
        raise InvalidInput("a check-in timer cannot run more than 12 hours ahead")
    return CheckInExtended(checkin=c.id, before=c.deadline, after=after)


def check_in(c: CheckIn, now: datetime, position: Position | None = None) -> CheckInSafe:
    """The staff member is safe: on time this ends the timer; late, it stops the escalation."""
    if c.phase not in (CheckInPhase.RUNNING, CheckInPhase.MISSED) or c.safe_at is not None:
        raise Conflict(f"the check-in timer is {c.phase.value}")
    return CheckInSafe(
        checkin=c.id,
        at=to_ms(aware(now, "the time")),
        late=c.phase is CheckInPhase.MISSED,
        position=position.check() if position is not None else None,
    )


def cancel_checkin(c: CheckIn, now: datetime) -> CheckInCancelled:
    _running(c)
    return CheckInCancelled(checkin=c.id, at=to_ms(aware(now, "the time")))


def tick_checkin(
    c: CheckIn,
    now: datetime,
    *,
    grace: timedelta = DEFAULT_GRACE,
    ladder: Ladder = DEFAULT_LADDER,
) -> list[DomainEvent]:
    """What the clock has made due: the miss (at deadline + grace), then ladder steps.

    The miss is dated when it fell due, not when a ticker noticed, so a late ticker still
    escalates on schedule (catching up at once).
    """
    events: list[DomainEvent] = []
    if c.phase is CheckInPhase.RUNNING:
        missed_at = c.deadline + grace
        if now < missed_at:
            return []
        missed = CheckInMissed(checkin=c.id, at=to_ms(missed_at), deadline=c.deadline)
        events.append(missed)
        c = _step(c, missed)
    alarm = c.alarm
    if alarm is None:
        return events
    for e in due_escalations(alarm, now, ladder):
        events.append(
            CheckInEscalated(checkin=c.id, level=e.level, targets=e.targets, at=to_ms(e.due_at))
        )
    return events


def _alert_open(c: CheckIn) -> None:
    if c.phase is not CheckInPhase.MISSED:
        raise Conflict("there is no welfare alert open for this check-in")


def acknowledge_checkin(c: CheckIn, actor: Actor, now: datetime) -> list[DomainEvent]:
    _alert_open(c)
    at = to_ms(aware(now, "the time"))
    if not actor.human:
        return [CheckInAcknowledged(checkin=c.id, by=actor.user, at=at, human=False)]
    if actor.user == c.staff_user:
        raise Forbidden("check in as safe instead of acknowledging your own welfare alert")
    if not actor.has(*ALARM_ACKNOWLEDGERS):
        raise Forbidden("only a call-taker, dispatcher or supervisor can acknowledge it")
    if c.acknowledged_by is not None:
        return []
    return [CheckInAcknowledged(checkin=c.id, by=actor.user, at=at, human=True)]


def resolve_checkin(c: CheckIn, actor: Actor, now: datetime, reason: str) -> CheckInResolved:
    _alert_open(c)
    allowed = actor.human and actor.user != c.staff_user
    if not (allowed and (actor.has(*ALARM_CLEARERS) or actor.user == c.acknowledged_by)):
        raise Forbidden(
            "only a supervisor or the dispatcher who acknowledged it can resolve a welfare alert"
        )
    return CheckInResolved(
        checkin=c.id,
        by=actor.user,
        at=to_ms(aware(now, "the time")),
        reason=required(reason, "the reason"),
    )


def welfare_incident(
    c: CheckIn, staff: StaffRecord, *, orders: Iterable[ProtectiveOrder] = ()
) -> IncidentRequest:
    """A welfare-check incident for a missed timer; top priority when an order protects them."""
    name = staff.name or staff.user
    when = c.missed_at or c.deadline
    if c.position is not None:
        location = c.position.location(f"Missed check-in: {name}'s location when the timer began")
    else:
        location = no_location(f"Missed check-in by {name}: {LOCATION_UNKNOWN}, find them")
    lead = (
        "The staff member who missed this check-in is protected by a protective order; "
        "the respondent may be the threat."
    )
    cautions, suspects = staff_threats(c.staff_user, orders, when, lead)
    note = (
        f"{name} did not check in by {hms(c.deadline)}"
        + (f" ({c.note})" if c.note else "")
        + ". Call them; if there is no answer, send help."
    )
    return IncidentRequest(
        key=c.key,
        source=Source.STAFF_SOS,
        complaint="welfare_check",
        # A protected person going quiet is treated as an SOS; anyone else as a welfare check.
        priority=1 if cautions else 2,
        location=location,
        caller=Caller(name=name[:200], phone=staff.incident_phone),
        persons=(Person(name=name[:200], role=PersonRole.VICTIM), *suspects),
        cautions=cautions,
        note=note,
    )


def link_incident(c: CheckIn, incident_id: str) -> AlertIncidentLinked:
    return AlertIncidentLinked(alarm=c.key, incident=required(incident_id, "the incident id"))


_STEPS = (
    CheckInExtended,
    CheckInSafe,
    CheckInCancelled,
    CheckInMissed,
    CheckInEscalated,
    CheckInAcknowledged,
    CheckInResolved,
)


def _step(c: CheckIn, event: DomainEvent) -> CheckIn:
    if isinstance(event, AlertIncidentLinked):
        if event.alarm != c.key:
            return c
        return replace(c, incident=event.incident, version=c.version + 1)
    if not isinstance(event, _STEPS) or event.checkin != c.id:
        return c
    new = replace(c, version=c.version + 1)
    if isinstance(event, CheckInExtended):
        return replace(new, deadline=event.after)
    if isinstance(event, CheckInSafe):
        new = replace(new, safe_at=event.at, position=event.position or c.position)
        if event.late:
            return new
        return replace(new, phase=CheckInPhase.SAFE, ended_at=event.at)
    if isinstance(event, CheckInCancelled):
        return replace(new, phase=CheckInPhase.CANCELLED, ended_at=event.at)
    if isinstance(event, CheckInMissed):
        return replace(new, phase=CheckInPhase.MISSED, missed_at=event.at)
    if isinstance(event, CheckInEscalated):
        return replace(new, level=max(c.level, event.level))
    if isinstance(event, CheckInAcknowledged):
        if event.human and c.acknowledged_by is None:
            return replace(new, acknowledged_by=event.by, acknowledged_at=event.at)
        return new
    return replace(
        new,
        phase=CheckInPhase.RESOLVED,
        resolved_by=event.by,
        resolve_reason=event.reason,
        ended_at=event.at,
    )


def apply_checkin(c: CheckIn | None, recorded: Recorded) -> CheckIn | None:
    event = recorded.event
    if isinstance(event, CheckInStarted):
        return CheckIn(
            id=event.checkin,
            staff_user=event.staff_user,
            started_at=event.at,
            deadline=event.deadline,
            note=event.note,
            position=event.position,
            version=1,
        )
    return None if c is None else _step(c, event)
