"""Value types of the outbox: a notification, one delivery attempt, a channel's outcome."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from emscad.errors import InvalidInput
from emscad.incidents.models import Severity

MAX_SUBJECT = 200
MAX_BODY = 4000
MAX_DETAIL = 500
MAX_KEY = 200
MAX_ADDRESS = 254  # RFC 5321's limit on a mailbox path
# Safe in an email Message-ID and a URL.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
# Deliberately loose: the mail server is the authority on mailboxes. This only refuses what
# could never be one and what would break the message's headers (spaces, CR, LF, commas).
_EMAIL = re.compile(r"^[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class ChannelKind(StrEnum):
    CONSOLE = "console"  # an alarm on the console (the web layer raises it)
    EMAIL = "email"
    SMS = "sms"


class Kind(StrEnum):
    """What the notification is about (the safety layer's alarms)."""

    SOS = "sos"
    WELFARE = "welfare"  # a missed check-in
    WATCH = "watch"  # a plate reader or monitoring alert
    DEGRADED = "degraded"  # monitoring of an order is degraded
    ESCORT = "escort"
    TEST = "test"  # an operator's test of a channel (`emscad notify test`): no one needs help


class Status(StrEnum):
    PENDING = "pending"  # waiting to be sent, or to be retried
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # a permanent error, or retries exhausted
    CANCELLED = "cancelled"  # its alarm was acknowledged or cleared before it went out


class Result(StrEnum):
    """How one delivery attempt went."""

    SENT = "sent"
    RETRYABLE = "failed_retryable"  # the channel is down or busy: try again later
    PERMANENT = "failed_permanent"  # this message can never be delivered: stop
    # The worker that took it never reported back (it crashed or hung): it may or may not have
    # gone out. It is sent again, so the receiver may see it twice (at-least-once).
    UNKNOWN = "unknown"


def _limit(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a channel says about one send. Channels return it; they never raise."""

    result: Result
    detail: str = ""  # one readable line: the server's reply, the error
    provider_id: str = ""  # the provider's id for the message (SMTP Message-ID, SMS sid)

    @staticmethod
    def sent(detail: str = "", provider_id: str = "") -> Outcome:
        return Outcome(Result.SENT, _limit(detail, MAX_DETAIL), provider_id[:MAX_KEY])

    @staticmethod
    def retryable(detail: str) -> Outcome:
        return Outcome(Result.RETRYABLE, _limit(detail, MAX_DETAIL))

    @staticmethod
    def permanent(detail: str) -> Outcome:
        return Outcome(Result.PERMANENT, _limit(detail, MAX_DETAIL))


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who it is for, and where the channel delivers it.

    `address` is an email address, an E.164 phone number, or for the console a screen or
    group name ("*" for every console).
    """

    user: str  # the emscad user id; "" for every console
    name: str  # the username or display name, for the record
    address: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at delivering a notification: every try is recorded, success or not."""

    notification: str
    number: int  # 1 for the first try
    at: datetime
    result: Result
    detail: str = ""
    provider_id: str = ""
    worker: str = ""


@dataclass(frozen=True, slots=True)
class Notification:
    id: str  # stable across retries: receivers can deduplicate on it (at-least-once)
    created_at: datetime
    kind: Kind
    severity: Severity
    recipient: Recipient
    channel: ChannelKind
    subject: str
    body: str
    alarm: str  # the alarm it belongs to: "sos:<id>", "checkin:<id>", "watch:<key>"
    dedupe_key: str  # enqueueing the same key twice keeps the first
    status: Status = Status.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None  # when to try next; None once closed
    last_error: str = ""
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @property
    def due_at(self) -> datetime:
        return self.next_attempt_at or self.created_at

    @property
    def priority(self) -> int:
        """0 is most urgent: the outbox sends an SOS before a backlog of low alerts."""
        return {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}[self.severity]

    @property
    def closed(self) -> bool:
        return self.status is not Status.PENDING


_WHAT = {
    ChannelKind.EMAIL: "an email address",
    ChannelKind.SMS: "an E.164 phone number (+15015550123)",
    ChannelKind.CONSOLE: "a console ('*' for every console)",
}


def valid_address(channel: ChannelKind, address: str) -> bool:
    """Whether the channel can deliver to this address.

    Check before enqueueing: one bad address on a staff record must not stop the alarm's
    other notifications (`new_notification` refuses it).
    """
    address = address.strip()
    if channel is ChannelKind.EMAIL:
        return len(address) <= MAX_ADDRESS and bool(_EMAIL.match(address))
    if channel is ChannelKind.SMS:
        return bool(_E164.match(address))
    return 0 < len(address) <= MAX_ADDRESS


def new_notification(
    *,
    id: str,
    created_at: datetime,
    kind: Kind,
    severity: Severity,
    recipient: Recipient,
    channel: ChannelKind,
    subject: str,
    body: str,
    alarm: str,
    dedupe_key: str | None = None,
) -> Notification:
    """A checked, pending notification, due at once.

    The default dedupe key is the alarm, the channel and the address: one message per
    person and channel for an alarm. Give a key that includes the ladder step (see
    `dedupe_key`) when every step should reach the person again.
    """
    if not _ID.match(id):
        raise InvalidInput("a notification id is 1 to 40 letters, digits, '.', '_' or '-'")
    if created_at.tzinfo is None:
        raise InvalidInput("a notification's time needs a timezone")
    if "\r" in subject or "\n" in subject:
        raise InvalidInput("a notification's subject is one line")
    if not subject.strip():
        raise InvalidInput("a notification needs a subject")
    if not alarm.strip() or len(alarm) > MAX_KEY:
        raise InvalidInput(f"a notification needs its alarm (at most {MAX_KEY} characters)")
    address = recipient.address.strip()
    if not valid_address(channel, address):
        raise InvalidInput(f"{address!r} is not {_WHAT[channel]}")
    key = _fit(dedupe_key if dedupe_key is not None else f"{alarm}|{channel.value}|{address}")
    if not key.strip():
        raise InvalidInput("a dedupe key cannot be empty")
    return Notification(
        id=id,
        created_at=created_at,
        kind=kind,
        severity=severity,
        recipient=Recipient(
            user=recipient.user[:40], name=_limit(recipient.name, 100), address=address
        ),
        channel=channel,
        # An alert is never refused for being long: it is cut, and says so.
        subject=_limit(subject.strip(), MAX_SUBJECT),
        body=_limit(body, MAX_BODY),
        alarm=alarm,
        dedupe_key=key,
        next_attempt_at=created_at,
    )


def dedupe_key(alarm: str, step: int, channel: ChannelKind, address: str) -> str:
    """One notification per alarm, ladder step, channel and address."""
    return _fit(f"{alarm}|{step}|{channel.value}|{address}")


def _fit(key: str) -> str:
    """A key that fits the column: a long one keeps its start and a hash of the whole,
    so two long keys that differ only at the end never collide."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: MAX_KEY - 33]}#{digest}"
