"""What every safety command shares: the dispatch service, policy, alerts, and helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from emscad.accounts.permissions import Role
from emscad.dispatch.idempotency import Idempotency
from emscad.dispatch.safety.alerts import Alerts, Message
from emscad.dispatch.safety.policy import SafetyPolicy
from emscad.dispatch.service import DispatchService
from emscad.dispatch.session import Session
from emscad.events import DomainEvent
from emscad.incidents import lifecycle as incidents
from emscad.incidents.models import Incident, Note
from emscad.safety.models import Actor, IncidentRequest
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.staff import StaffRecord

T = TypeVar("T")
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Who:
    """Who acts: the name the event log shows, and what the safety rules need."""

    name: str  # the username (the log's actor)
    user: str  # the user id (what alarms and orders refer to)
    roles: frozenset[Role] = frozenset()
    human: bool = True

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user, roles=self.roles, human=self.human)


SYSTEM_WHO = Who(name=SYSTEM, user=SYSTEM, human=False)


class SafetyBase:
    def __init__(
        self,
        dispatch: DispatchService,
        *,
        policy: SafetyPolicy,
        new_id: Callable[[], str],
        on_alert: Callable[[], None] | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.policy = policy
        self.new_id = new_id
        self.alerts = Alerts(new_id=new_id)
        self.on_alert = on_alert or (lambda: None)

    def _run(self, who: Who, command: Callable[[Session], T]) -> T:
        """Run a command; wake the outbox after the commit if it queued notifications."""
        sessions: list[Session] = []

        def wrapped(s: Session) -> T:
            sessions.append(s)  # the last one is the attempt that committed
            return command(s)

        result = self.dispatch.run(who.name, wrapped)
        if sessions and sessions[-1].notified:
            self.on_alert()
        return result

    def _change_orders(
        self, s: Session, change: Callable[[Session], Sequence[DomainEvent]]
    ) -> None:
        """Record an order change and write it at once, then refresh the open incidents'
        cautions, all in the command's transaction.

        The session writes what events change only at commit, but the caution sources read
        the orders from the database: without the early write a new order would caution
        nothing and a withdrawn one would keep its cautions.
        """
        s.record(change(s))
        s.flush()
        self.dispatch.refresh_cautions(s)

    def _notify(self, s: Session, messages: list[Message]) -> None:
        s.notified += self.alerts.plan(s, messages)

    def _active_orders(self, s: Session) -> list[ProtectiveOrder]:
        return s.tx.list_orders(live_at=s.at)

    def _staff(self, s: Session, user_id: str) -> StaffRecord:
        """The staff record, or a bare one from the account (a name is all an alarm needs)."""
        found = s.tx.find_staff(user_id)
        if found is not None:
            return found[0]
        user = next((u for u in s.tx.list_users() if u.id == user_id), None)
        name = (user.display_name or user.username) if user is not None else user_id
        return StaffRecord(user=user_id, name=name)

    def _raise_incident(self, s: Session, request: IncidentRequest) -> Incident:
        """The alarm's incident: once, however often the alarm's command is retried."""
        incident, replayed = self.dispatch.open_incident(
            s,
            source=request.source,
            location=request.location,
            triage=request.triage,
            caller=request.caller,
            persons=request.persons,
            cautions=request.cautions,
            idempotency=Idempotency(key=request.key, fingerprint=SYSTEM),
            trusted=True,
        )
        if not replayed and request.note:
            note = Note(id=self.new_id(), at=s.at, author=SYSTEM, text=request.note[:4000])
            s.record([incidents.add_note(incident, note)])
        return s.incident(incident.id)
