"""From an alarm's targets to notifications in the outbox, in the alarm's own transaction.

A ladder step names audiences (consoles, a role, everyone on duty, one user); here they
become people and channels: a console alarm for each, a text to their mobile, an email. The
outbox (emscad.notify) delivers them with retries, so an alert survives a channel being down
and a crash right after the commit.

Who is on duty: a member of staff whose schedule has a shift covering now. If nobody holding
a role is scheduled now (the schedule is not kept, or a gap), every enabled user with that
role is told: an alarm must never go nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from emscad.accounts.models import User
from emscad.accounts.permissions import Role
from emscad.dispatch.session import Session
from emscad.events import DomainEvent
from emscad.incidents.models import Severity
from emscad.intake.phone import to_e164
from emscad.notify.models import (
    ChannelKind,
    Kind,
    Notification,
    Recipient,
    dedupe_key,
    new_notification,
    valid_address,
)
from emscad.safety.events import (
    CheckInEscalated,
    EscortEscalated,
    ProtectionDegraded,
    SosEscalated,
    WatchAlerted,
)
from emscad.safety.models import Audience, Target
from emscad.safety.staff import StaffRecord
from emscad.serial import iso_ms

CONSOLE_ROLES = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    severity: Severity
    alarm: str
    step: int
    subject: str
    body: str
    targets: tuple[Target, ...]
    except_user: str | None = None


def on_duty(record: StaffRecord | None, now: datetime) -> bool:
    return record is not None and any(s.start <= now < s.end for s in record.schedule)


def resolve(
    targets: Iterable[Target],
    users: Sequence[User],
    staff: dict[str, StaffRecord],
    now: datetime,
    *,
    except_user: str | None = None,
) -> tuple[list[User], bool]:
    """The people these targets reach, once each, and whether every console is one of them."""
    enabled = [u for u in users if not u.disabled and u.id != except_user]
    chosen: dict[str, User] = {}
    consoles = False

    def add(found: Iterable[User]) -> None:
        for u in found:
            chosen.setdefault(u.id, u)

    for target in targets:
        if target.audience is Audience.CONSOLES:
            consoles = True
        elif target.audience is Audience.USER:
            add(u for u in enabled if u.id == target.id)
        elif target.audience is Audience.ROLE:
            holders = [u for u in enabled if target.id in {r.value for r in u.roles}]
            scheduled = [u for u in holders if on_duty(staff.get(u.id), now)]
            add(scheduled or holders)
        else:  # everyone on duty; if no schedule says who, everyone at a console or staff
            scheduled = [u for u in enabled if on_duty(staff.get(u.id), now)]
            add(scheduled or [u for u in enabled if set(u.roles) & {*CONSOLE_ROLES, Role.STAFF}])
    return list(chosen.values()), consoles


def _channels(user: User, record: StaffRecord | None) -> list[tuple[ChannelKind, str]]:
    """Every channel that can reach the person. A mistyped email or phone on a staff record
    drops that channel only: it must never stop the alarm reaching them or anyone else."""
    out = [(ChannelKind.CONSOLE, f"user:{user.id}")]
    if record is not None:
        phone = to_e164(record.mobile_phone) if record.mobile_phone else None
        if phone and valid_address(ChannelKind.SMS, phone):
            out.append((ChannelKind.SMS, phone))
        if record.email and valid_address(ChannelKind.EMAIL, record.email):
            out.append((ChannelKind.EMAIL, record.email.strip()))
    return out


class Alerts:
    """Turns an alarm's messages into notifications, in the command's own transaction."""

    def __init__(self, *, new_id: Callable[[], str]) -> None:
        self.new_id = new_id

    def plan(self, s: Session, messages: Sequence[Message]) -> int:
        """Enqueue every delivery; returns how many are new (a retried step adds none)."""
        if not messages:
            return 0
        users = s.tx.list_users()
        staff = {r.user: r for r in s.tx.list_staff()}
        added = 0
        for m in messages:
            people, consoles = resolve(m.targets, users, staff, s.at, except_user=m.except_user)
            deliveries: list[tuple[str, str, ChannelKind, str]] = []
            if consoles:
                deliveries.append(("", "every console", ChannelKind.CONSOLE, "*"))
            for u in people:
                deliveries += [
                    (u.id, u.username, kind, address)
                    for kind, address in _channels(u, staff.get(u.id))
                ]
            for user_id, name, channel, address in deliveries:
                added += self._enqueue(s, m, Recipient(user_id, name, address), channel)
        return added

    def _enqueue(self, s: Session, m: Message, recipient: Recipient, channel: ChannelKind) -> int:
        notification: Notification = new_notification(
            id=self.new_id(),
            created_at=s.at,
            kind=m.kind,
            severity=m.severity,
            recipient=recipient,
            channel=channel,
            subject=m.subject,
            body=m.body,
            alarm=m.alarm,
            dedupe_key=dedupe_key(m.alarm, m.step, channel, recipient.address),
        )
        return int(s.tx.enqueue_notification(notification))


def step_message(
    event: DomainEvent, *, name: str, where: str, incident: str, raiser: str
) -> Message | None:
    """The notification for an alarm's ladder step, or None for any other event. The person
    in trouble is never paged about their own alarm."""
    ref = f" Incident {incident}." if incident else ""
    if isinstance(event, SosEscalated):
        silent = " SILENT DURESS: do not call or text them." if event.silent else ""
        return Message(
            kind=Kind.SOS,
            severity=Severity.HIGH,
            alarm=f"sos:{event.sos}",
            step=event.level,
            subject=f"STAFF SOS: {name}",
            body=f"{name} raised an SOS. {where}.{ref}{silent} Acknowledge on the console.",
            targets=event.targets,
            except_user=raiser,
        )
    if isinstance(event, CheckInEscalated):
        return Message(
            kind=Kind.WELFARE,
            severity=Severity.HIGH,
            alarm=f"checkin:{event.checkin}",
            step=event.level,
            subject=f"Missed check-in: {name}",
            body=f"{name} did not check in. {where}.{ref} Call them; acknowledge on the console.",
            targets=event.targets,
            except_user=raiser,
        )
    if isinstance(event, EscortEscalated):
        return Message(
            kind=Kind.ESCORT,
            severity=Severity.MEDIUM,
            alarm=f"escort:{event.escort}",
            step=event.level,
            subject=f"Escort requested: {name}",
            body=f"{name} asks for an escort. {where}. Accept it on the console.",
            targets=event.targets,
            except_user=raiser,
        )
    return None


def watch_message(event: DomainEvent, *, respondent: str, incident: str) -> Message | None:
    ref = f" Incident {incident}." if incident else ""
    if isinstance(event, WatchAlerted) and event.severity is Severity.HIGH:
        return Message(
            kind=Kind.WATCH,
            severity=Severity.HIGH,
            alarm=event.incident_key or f"watch:{event.key}",
            step=0,
            subject="WATCH ALERT: protective-order respondent nearby",
            body=f"{event.reason}. Respondent: {respondent}.{ref} Verify with the court or NCIC.",
            targets=event.targets,
        )
    return None


def degraded_message(event: ProtectionDegraded, order_targets: tuple[Target, ...]) -> Message:
    # Every fault is its own alarm (a fault after a restore, or a tamper after a low battery,
    # must reach people again); a vendor redelivering the same fault dedupes on its time.
    return Message(
        kind=Kind.DEGRADED,
        severity=Severity.HIGH,
        alarm=f"degraded:{event.order}:{event.device}:{event.cause.value}:{iso_ms(event.at)}",
        step=0,
        subject="Protection degraded: monitoring is not working",
        body=(
            f"The respondent's monitor ({event.device}) reports {event.cause.value}: where he "
            "is cannot be vouched for. Confirm with the vendor, then restore protection."
        ),
        targets=order_targets,
    )
