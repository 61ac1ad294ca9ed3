"""Text conversations: one thread per agency line and caller number, its events and `apply`.

A thread is the ordered, timestamped list of a caller's texts and the dispatchers' replies
(R2.5). It may be attached to an incident; each message records the incident it belonged to
when it was received or sent, so the texts appear on that incident's timeline.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent, Recorded
from emscad.intake.phone import is_e164
from emscad.intake.sms.gateway import MAX_REPLY_CHARS, OutboundResult
from emscad.intake.sms.models import InboundText, Media
from emscad.intake.sms.sos import find_sos

# Line names appear in webhook URLs and thread ids: short, lower case, URL-safe.
_LINE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")


class Direction(StrEnum):
    INBOUND = "inbound"  # from the caller
    OUTBOUND = "outbound"  # a dispatcher's reply


@dataclass(frozen=True, slots=True)
class TextMessage:
    id: str  # the provider's message id (an outbound send that failed gets a local one)
    direction: Direction
    at: datetime  # emscad's clock when received or sent, never the provider's claim
    body: str
    provider: str
    media: tuple[Media, ...] = ()
    author: str = ""  # the dispatcher who replied; "" for the caller
    sos_keyword: str = ""  # the SOS keyword found, on a line that watches for them
    error: str = ""  # why an outbound send failed; "" when it went out

    @property
    def delivered_to_gateway(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class TextThread:
    id: str
    line: str  # the agency line's name, e.g. "main" or "sos"
    caller: str  # E.164, or the raw sender for a short code
    agency_number: str  # the line's own number: replies are sent from it
    incident: str | None = None
    messages: tuple[TextMessage, ...] = ()
    version: int = 0

    def has_message(self, provider: str, message_id: str) -> bool:
        return any(m.provider == provider and m.id == message_id for m in self.messages)

    @property
    def last_at(self) -> datetime | None:
        return self.messages[-1].at if self.messages else None

    @property
    def awaiting_reply(self) -> bool:
        """The caller texted last: someone should answer.

        A reply the gateway did not take does not count: the caller never got it, so the
        thread must stay in the queue of those waiting for an answer.
        """
        for m in reversed(self.messages):
            if m.direction is Direction.INBOUND:
                return True
            if m.delivered_to_gateway:
                return False
        return False


def thread_subject(thread: str) -> str:
    """The events-log subject of a thread's events."""
    return f"thread:{thread}"


class _ThreadEvent(DomainEvent):
    thread: str

    @property
    def subject(self) -> str | None:
        return thread_subject(self.thread)


@dataclass(frozen=True, kw_only=True)
class TextReceived(_ThreadEvent):
    type = "text.received"
    thread: str
    line: str
    caller: str
    agency_number: str
    incident: str | None
    message: TextMessage


@dataclass(frozen=True, kw_only=True)
class TextSent(_ThreadEvent):
    type = "text.sent"
    thread: str
    incident: str | None
    message: TextMessage


@dataclass(frozen=True, kw_only=True)
class TextThreadAttached(_ThreadEvent):
    type = "text.thread_attached"
    thread: str
    incident: str
    before: str | None


def check_line(line: str) -> str:
    if not _LINE.match(line):
        raise InvalidInput(
            f"line name {line!r} must be 1 to 24 lower-case letters, digits, '-' or '_'"
        )
    return line


def thread_id(line: str, caller: str) -> str:
    """The thread's id: the same line and caller number always land in the same thread."""
    return f"{check_line(line)}:{caller}"


def receive(
    thread: TextThread | None,
    text: InboundText,
    *,
    line: str,
    sos_keywords: Iterable[str] = (),
) -> list[DomainEvent]:
    """The event for an inbound text; none when the provider delivers the same message again.

    Providers retry a webhook they think failed, so the same message id may arrive twice;
    the caller's text must appear once. `sos_keywords` is empty except on an SOS line.
    """
    tid = thread_id(line, text.from_number)
    if thread is not None and thread.id != tid:
        raise ValueError(f"text for thread {tid} handed thread {thread.id}")
    if thread is not None and thread.has_message(text.provider.value, text.message_id):
        return []
    message = TextMessage(
        id=text.message_id,
        direction=Direction.INBOUND,
        at=text.received_at,
        body=text.body,
        provider=text.provider.value,
        media=text.media,
        sos_keyword=find_sos(text.body, sos_keywords) or "",
    )
    return [
        TextReceived(
            thread=tid,
            line=line,
            caller=text.from_number,
            agency_number=text.to_number,
            incident=thread.incident if thread else None,
            message=message,
        )
    ]


def check_reply(thread: TextThread, body: str) -> str:
    """The reply as it will be sent; raises before anything is sent if it cannot be."""
    text = body.strip()
    if not text:
        raise InvalidInput("a reply needs text")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(f"a reply is longer than {MAX_REPLY_CHARS} characters")
    if not is_e164(thread.caller):
        raise Conflict(f"{thread.caller} is not a phone number a text can be sent to")
    return text


def record_reply(
    thread: TextThread, *, body: str, author: str, at: datetime, result: OutboundResult
) -> TextSent:
    """The event for a reply the gateway was asked to send, whether it took it or not.

    A failed send is recorded too: the dispatcher must see that the caller never got it.
    """
    text = check_reply(thread, body)
    if not author.strip():
        raise InvalidInput("a reply needs its author")
    message = TextMessage(
        id=result.message_id or f"local-{len(thread.messages) + 1}",
        direction=Direction.OUTBOUND,
        at=at,
        body=text,
        provider=result.provider,
        author=author,
        error="" if result.ok else (result.error or "the gateway refused the message"),
    )
    return TextSent(thread=thread.id, incident=thread.incident, message=message)


def attach(thread: TextThread, incident_id: str) -> list[DomainEvent]:
    """Attach the thread to an incident (or move it to another); none if already there."""
    if not incident_id.strip():
        raise InvalidInput("attach to which incident?")
    if thread.incident == incident_id:
        return []
    return [TextThreadAttached(thread=thread.id, incident=incident_id, before=thread.incident)]


def _insert(messages: tuple[TextMessage, ...], message: TextMessage) -> tuple[TextMessage, ...]:
    # Ordered by time; a message with the same time as others goes after them (arrival order).
    items = list(messages)
    bisect.insort_right(items, message, key=lambda m: m.at)
    return tuple(items)


def apply(thread: TextThread | None, recorded: Recorded) -> TextThread | None:
    """Fold one event into a thread (None before its first message)."""
    event = recorded.event
    if isinstance(event, TextReceived):
        if thread is None:
            thread = TextThread(
                id=event.thread,
                line=event.line,
                caller=event.caller,
                agency_number=event.agency_number,
                incident=event.incident,
            )
        if event.thread != thread.id:
            return thread
        if thread.has_message(event.message.provider, event.message.id):
            return thread  # a duplicate that slipped past the check: keep the first
        return replace(
            thread,
            # The line's number as last texted: it is the one the caller knows.
            agency_number=event.agency_number or thread.agency_number,
            messages=_insert(thread.messages, event.message),
            version=thread.version + 1,
        )
    if thread is None:
        return None
    if isinstance(event, TextSent) and event.thread == thread.id:
        return replace(
            thread, messages=_insert(thread.messages, event.message), version=thread.version + 1
        )
    if isinstance(event, TextThreadAttached) and event.thread == thread.id:
        return replace(thread, incident=event.incident, version=thread.version + 1)
    return thread


def replay(events: Sequence[Recorded], thread: str) -> TextThread | None:
    current: TextThread | None = None
    for rec in events:
        if getattr(rec.event, "thread", None) == thread:
            current = apply(current, rec)
    return current


def describe(event: DomainEvent) -> str | None:
    """A timeline line for a text event, or None for any other event."""
    if isinstance(event, TextReceived):
        m = event.message
        sos = f" [SOS: {m.sos_keyword}]" if m.sos_keyword else ""
        media = (
            f" (+{len(m.media)} attachment{'s' if len(m.media) != 1 else ''})" if m.media else ""
        )
        return f"Text from {event.caller}{sos}: {m.body}{media}"
    if isinstance(event, TextSent):
        m = event.message
        failed = f" - NOT SENT: {m.error}" if m.error else ""
        return f"Reply by {m.author}: {m.body}{failed}"
    if isinstance(event, TextThreadAttached):
        return f"Text thread {event.thread} attached"
    return None
