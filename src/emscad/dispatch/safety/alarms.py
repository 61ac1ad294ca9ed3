"""Alarm commands: staff SOS, check-in timers, escort requests, the ticker, shift-end offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from emscad.dispatch.idempotency import Idempotency
from emscad.dispatch.intake import Received
from emscad.dispatch.ports import Alarm
from emscad.dispatch.safety.alerts import Message, step_message
from emscad.dispatch.safety.base import SYSTEM_WHO, SafetyBase, Who
from emscad.dispatch.session import Session
from emscad.errors import Conflict, Forbidden, NotFound
from emscad.events import DomainEvent, Recorded
from emscad.incidents.events import Triage
from emscad.incidents.models import LOCATION_UNKNOWN, Caller, Incident, IncidentStatus, Source
from emscad.intake import threads
from emscad.safety import board, checkins, escorts, sos
from emscad.safety.checkins import CheckIn
from emscad.safety.escorts import Escort
from emscad.safety.events import (
    CheckInEscalated,
    CheckInMissed,
    EscortEscalated,
    SosEscalated,
    SosSource,
)
from emscad.safety.models import Position, no_location
from emscad.safety.offers import Offer, offers_at_shift_end
from emscad.safety.sos import Reply, Sos


@dataclass(frozen=True, slots=True)
class SosAnswer:
    """What the staff member's own screen is told. For a silent SOS: nothing happened."""

    sos: Sos
    incident: Incident | None
    reply: Reply
    message: str


class AlarmCommands(SafetyBase):
    # -- staff SOS ----------------------------------------------------------------------------

    def raise_sos(
        self,
        who: Who,
        *,
        staff_user: str,
        source: SosSource,
        position: Position | None = None,
        silent: bool = False,
    ) -> SosAnswer:
        """Raise an SOS for `staff_user`: the incident, the alarm, the first ladder step.

        A second press while one is open updates its location instead of raising another.
        """

        def command(s: Session) -> SosAnswer:
            return self.raise_sos_in(
                s, staff_user=staff_user, source=source, position=position, silent=silent
            )

        return self._run(who, command)

    def raise_sos_in(
        self,
        s: Session,
        *,
        staff_user: str,
        source: SosSource,
        position: Position | None = None,
        silent: bool = False,
    ) -> SosAnswer:
        """`raise_sos` inside another command's transaction (an SOS text, a duress PIN)."""
        current = _open_sos(s, staff_user)
        if current is not None:
            if position is not None:
                s.record([sos.update_sos_location(current, position, s.at)])
            after = _sos(s, current.id)
            message = "" if after.silent else "SOS received. Help is on its way."
            reply = Reply.AS_IF_NOTHING_HAPPENED if after.silent else Reply.CONFIRM
            return SosAnswer(after, _incident(s, after.incident), reply, message)
        raised = sos.raise_sos(
            sos_id=self.new_id(),
            staff=self._staff(s, staff_user),
            source=source,
            now=s.at,
            position=position,
            silent=silent,
            orders=self._active_orders(s),
            ladder=self.policy.sos_ladder,
        )
        recorded = s.record(list(raised.events))
        incident = self._raise_incident(s, raised.incident)
        s.record([sos.link_incident(_sos(s, raised.sos.id), incident.id)])
        self._notify(s, self._steps(s, recorded))
        return SosAnswer(_sos(s, raised.sos.id), incident, raised.reply, raised.user_message)

    def sos_by_text(self, s: Session, received: Received) -> None:
        """An SOS keyword texted to the staff SOS line (called in the text's transaction, so
        the text and its alarm are stored together or not at all).

        From a number on a staff record: that person's SOS, with the thread attached to its
        incident. From any other number: still a top-priority incident with the thread, for
        a dispatcher to find out who it is.
        """
        message = received.message
        if message is None or not message.sos_keyword:
            return
        staff = s.tx.staff_by_phone(received.thread.caller)
        if len(staff) == 1:
            answer = self.raise_sos_in(s, staff_user=staff[0].user, source=SosSource.SMS)
            incident = answer.incident
        else:
            incident = _incident(s, received.thread.incident)
            if incident is None or incident.status is IncidentStatus.CLOSED:
                # A new incident for each SOS once the last one was closed: the same number
                # in trouble again next week must not land on last week's closed incident.
                key = f"sos-text:{received.thread.id}:{message.id}"
                incident, _ = self.dispatch.open_incident(
                    s,
                    source=Source.TEXT,
                    location=no_location(
                        f"SOS text from {received.thread.caller}: {LOCATION_UNKNOWN}, reply to ask"
                    ),
                    triage=Triage(chief_complaint="staff_sos", priority=1, determinant=""),
                    caller=Caller(phone=received.thread.caller),
                    idempotency=Idempotency(key=key[:200], fingerprint="sms"),
                    trusted=True,
                )
        if incident is not None and received.thread.incident != incident.id:
            s.record(threads.attach(received.thread, incident.id))

    def move_own_sos(self, who: Who, position: Position) -> SosAnswer | None:
        """The raiser's device reports where it is now: their open SOS moves, or, with none
        open, nothing happens. A phone still reporting after the SOS was cleared must not
        raise a new one."""

        def command(s: Session) -> SosAnswer | None:
            current = _open_sos(s, who.user)
            if current is None:
                return None
            return self.raise_sos_in(
                s, staff_user=who.user, source=current.source, position=position
            )

        return self._run(who, command)

    def update_sos_location(self, who: Who, sos_id: str, position: Position) -> Sos:
        def command(s: Session) -> Sos:
            current = _sos(s, sos_id)
            if who.user != current.staff_user:
                raise Forbidden("only the staff member's own device updates an SOS location")
            s.record([sos.update_sos_location(current, position, s.at)])
            return _sos(s, sos_id)

        return self._run(who, command)

    # -- acknowledging and clearing any alarm --------------------------------------------------

    def acknowledge(self, who: Who, key: str) -> Alarm:
        """A person at a console has the alarm: its escalation stops, and notifications not
        yet sent are cancelled. An escort is acknowledged by accepting it."""

        def command(s: Session) -> Alarm:
            alarm = _alarm(s, key)
            events: list[DomainEvent]
            if isinstance(alarm, Sos):
                events = sos.acknowledge_sos(alarm, who.actor, s.at)
            elif isinstance(alarm, CheckIn):
                events = checkins.acknowledge_checkin(alarm, who.actor, s.at)
            else:
                events = [escorts.accept_escort(alarm, who.actor, s.at)]
            s.record(events)
            if events and who.human:
                s.tx.acknowledge_notifications(key, by=who.name, at=s.at)
            return _alarm(s, key)

        return self._run(who, command)

    def clear(self, who: Who, key: str, reason: str) -> Alarm:
        """End an alarm (an SOS cleared, a welfare alert resolved, an escort completed or
        cancelled): only those the rules allow, with a reason, on the record."""

        def command(s: Session) -> Alarm:
            alarm = _alarm(s, key)
            event: DomainEvent
            if isinstance(alarm, Sos):
                event = sos.clear_sos(alarm, who.actor, s.at, reason)
            elif isinstance(alarm, CheckIn):
                event = checkins.resolve_checkin(alarm, who.actor, s.at, reason)
            elif alarm.accepted_by is not None and alarm.open:
                event = escorts.complete_escort(alarm, who.actor, s.at)
            else:
                event = escorts.cancel_escort(alarm, who.actor, s.at, reason)
            s.record([event])
            s.tx.cancel_notifications(key, at=s.at, reason=f"ended by {who.name}")
            return _alarm(s, key)

        return self._run(who, command)

    # -- check-in timers --------------------------------------------------------------------------

    def start_checkin(
        self,
        who: Who,
        *,
        duration: timedelta,
        note: str = "",
        position: Position | None = None,
    ) -> CheckIn:
        def command(s: Session) -> CheckIn:
            if any(isinstance(a, CheckIn) for a in s.tx.list_alarms(staff_user=who.user)):
                raise Conflict("you already have a check-in timer running")
            event = checkins.start_checkin(
                checkin_id=self.new_id(),
                staff_user=who.user,
                now=s.at,
                duration=duration,
                note=note,
                position=position,
            )
            s.record([event])
            return _checkin(s, event.checkin)

        return self._run(who, command)

    def extend_checkin(self, who: Who, checkin_id: str, by: timedelta) -> CheckIn:
        def command(s: Session) -> CheckIn:
            c = _own(_checkin(s, checkin_id), who)
            s.record([checkins.extend_checkin(c, s.at, by)])
            return _checkin(s, checkin_id)

        return self._run(who, command)

    def check_in_safe(
        self, who: Who, checkin_id: str, *, position: Position | None = None, duress: bool = False
    ) -> CheckIn:
        """'I am safe'. With the duress PIN it looks the same to whoever is watching the screen,
        and a silent SOS goes out at the timer's last known position."""

        def command(s: Session) -> CheckIn:
            c = _own(_checkin(s, checkin_id), who)
            s.record([checkins.check_in(c, s.at, position)])
            if duress:
                self._silent_sos(s, who.user, position or c.position)
            return _checkin(s, checkin_id)

        return self._run(who, command)

    def cancel_checkin(self, who: Who, checkin_id: str) -> CheckIn:
        def command(s: Session) -> CheckIn:
            c = _own(_checkin(s, checkin_id), who)
            s.record([checkins.cancel_checkin(c, s.at)])
            return _checkin(s, checkin_id)

        return self._run(who, command)

    def duress_sign_in(self, user_id: str) -> None:
        """The duress PIN was typed at sign-in: a silent SOS (the sign-in itself proceeds
        as normal, so nobody watching can tell)."""

        def command(s: Session) -> None:
            self._silent_sos(s, user_id, None)

        self._run(Who(name=f"duress:{user_id}", user=user_id), command)

    def _silent_sos(self, s: Session, user_id: str, position: Position | None) -> None:
        if _open_sos(s, user_id) is not None:
            return
        raised = sos.raise_sos(
            sos_id=self.new_id(),
            staff=self._staff(s, user_id),
            source=SosSource.DURESS_PIN,
            now=s.at,
            position=position,
            silent=True,
            orders=self._active_orders(s),
            ladder=self.policy.sos_ladder,
        )
        recorded = s.record(list(raised.events))
        incident = self._raise_incident(s, raised.incident)
        s.record([sos.link_incident(_sos(s, raised.sos.id), incident.id)])
        self._notify(s, self._steps(s, recorded))

    # -- escorts ---------------------------------------------------------------------------------

    def request_escort(
        self, who: Who, *, place: str, note: str = "", position: Position | None = None
    ) -> Escort:
        def command(s: Session) -> Escort:
            event = escorts.request_escort(
                escort_id=self.new_id(),
                staff_user=who.user,
                now=s.at,
                place=place,
                note=note,
                position=position,
            )
            s.record([event])
            escort = _escort(s, event.escort)
            steps = escorts.escalate_escort(escort, s.at, self.policy.escort_ladder)
            self._notify(s, self._steps(s, s.record(list(steps))))
            return _escort(s, event.escort)

        return self._run(who, command)

    # -- the clock's work ------------------------------------------------------------------------

    def tick(self) -> int:
        """Record every escalation and missed check-in that is due; returns how many events.
        Run it every second or so (the server does, in the background)."""

        # Most seconds nothing is due: find that out with a read, and take the write lock
        # (SQLite has one) only when there is something to record.
        with self.dispatch.store.read() as tx:
            if not self._due(tx.list_alarms(), self.dispatch.clock.now()):
                return 0

        def command(s: Session) -> int:
            due = self._due(s.tx.list_alarms(), s.at)
            if not due:
                return 0
            recorded = s.record(due)
            for rec in recorded:
                if isinstance(rec.event, CheckInMissed):
                    c = _checkin(s, rec.event.checkin)
                    request = checkins.welfare_incident(
                        c, self._staff(s, c.staff_user), orders=self._active_orders(s)
                    )
                    incident = self._raise_incident(s, request)
                    s.record([checkins.link_incident(c, incident.id)])
            self._notify(s, self._steps(s, recorded))
            return len(recorded)

        return self._run(SYSTEM_WHO, command)

    def _due(self, alarms: list[Alarm], now: datetime) -> list[DomainEvent]:
        state = board.SafetyBoard(
            sos={a.id: a for a in alarms if isinstance(a, Sos)},
            checkins={a.id: a for a in alarms if isinstance(a, CheckIn)},
            escorts={a.id: a for a in alarms if isinstance(a, Escort)},
        )
        return board.tick(
            state,
            now,
            sos_ladder=self.policy.sos_ladder,
            checkin_ladder=self.policy.checkin_ladder,
            escort_ladder=self.policy.escort_ladder,
            grace=self.policy.grace,
        )

    def _steps(self, s: Session, recorded: list[Recorded]) -> list[Message]:
        messages = []
        for rec in recorded:
            event = rec.event
            if not isinstance(event, SosEscalated | CheckInEscalated | EscortEscalated):
                continue
            alarm = _alarm(s, event.subject or "")
            name = self._staff(s, alarm.staff_user).name or alarm.staff_user
            incident = _incident(s, getattr(alarm, "incident", None))
            found = step_message(
                event,
                name=name,
                where=_where(alarm),
                incident=incident.number if incident is not None else "",
                raiser=alarm.staff_user,
            )
            if found is not None:
                messages.append(found)
        return messages

    # -- what a member of staff sees --------------------------------------------------------------

    def shift_end_offer(self, who: Who) -> Offer | None:
        """At check-out: an escort and a check-in timer, for staff an active order protects
        (urged when the respondent was seen lately or his monitor is down)."""
        now = self.dispatch.clock.now()
        with self.dispatch.store.read() as tx:
            orders = tx.list_orders(live_at=now)
            log = tx.watch_log(orders=[o.id for o in orders])
        return offers_at_shift_end(
            who.user,
            orders,
            now,
            last_alerts=log.last_high,
            degraded=set(log.degraded),
            recent=self.policy.recent_alert,
            timer=self.policy.timer,
        )

    def my_alarms(self, who: Who) -> list[Alarm]:
        """The staff member's own open alarms. A silent SOS is never among them: whoever
        is looking at their screen must not learn that one went out."""
        with self.dispatch.store.read() as tx:
            found = tx.list_alarms(staff_user=who.user)
        return [a for a in found if not (isinstance(a, Sos) and a.silent)]

    def alarms(self, *, open_only: bool = True, limit: int = 200) -> list[Alarm]:
        with self.dispatch.store.read() as tx:
            return tx.list_alarms(open_only=open_only, limit=limit)

    def alarm(self, key: str) -> Alarm:
        with self.dispatch.store.read() as tx:
            found = tx.find_alarm(key)
        if found is None:
            raise NotFound(f"no alarm {key!r}")
        return found

    def silent_alarms(self) -> list[tuple[str, str, str | None]]:
        with self.dispatch.store.read() as tx:
            return tx.silent_alarms()


def _alarm(s: Session, key: str) -> Alarm:
    found = s.alarm(key)
    if found is None:
        raise NotFound(f"no alarm {key!r}")
    return found


def _sos(s: Session, sos_id: str) -> Sos:
    found = _alarm(s, f"sos:{sos_id}")
    assert isinstance(found, Sos)
    return found


def _checkin(s: Session, checkin_id: str) -> CheckIn:
    found = _alarm(s, f"checkin:{checkin_id}")
    if not isinstance(found, CheckIn):
        raise NotFound(f"no check-in {checkin_id!r}")
    return found


def _escort(s: Session, escort_id: str) -> Escort:
    found = _alarm(s, f"escort:{escort_id}")
    assert isinstance(found, Escort)
    return found


def _own(c: CheckIn, who: Who) -> CheckIn:
    if c.staff_user != who.user:
        raise Forbidden("only the staff member who started a check-in timer can change it")
    return c


def _open_sos(s: Session, staff_user: str) -> Sos | None:
    found = [a for a in s.tx.list_alarms(staff_user=staff_user) if isinstance(a, Sos)]
    return max(found, key=lambda a: a.started_at, default=None)


def _incident(s: Session, incident_id: str | None) -> Incident | None:
    return s.incident(incident_id) if incident_id else None


def _where(alarm: Alarm) -> str:
    position = alarm.position
    if isinstance(alarm, Escort):
        return f"Meet at {alarm.place}"
    if position is None:
        return "Location unknown"
    accuracy = f" ±{position.uncertainty_m:.0f} m" if position.uncertainty_m is not None else ""
    return f"Last position {position.lat:.5f}, {position.lon:.5f}{accuracy}"
