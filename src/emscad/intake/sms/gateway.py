"""Outbound texts: the gateway Protocol a dispatcher's reply goes through, and an in-memory one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# A reply longer than this would be split into many segments (and Twilio refuses > 1600).
MAX_REPLY_CHARS = 1_600


@dataclass(frozen=True, slots=True)
class OutboundResult:
    """What the gateway said. A failure is a value, not an exception: the thread records it."""

    ok: bool
    provider: str
    message_id: str = ""  # the provider's id for the sent message
    error: str = ""  # one readable line when not ok


class SmsGateway(Protocol):
    """Sends one text. Implementations may block on the network: call them off the event loop."""

    def send(self, to: str, from_: str, body: str) -> OutboundResult: ...


@dataclass(frozen=True, slots=True)
class SentText:
    to: str
    from_: str
    body: str
    message_id: str


class RecordingGateway:
    """Keeps every message in memory and sends nothing: for tests, the demo and dry runs.

    Set `fail_with` to make every send fail with that error, as an unreachable provider would.
    """

    provider = "recording"

    def __init__(self, *, fail_with: str = "") -> None:
        self.sent: list[SentText] = []
        self.fail_with = fail_with

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        if self.fail_with:
            return OutboundResult(ok=False, provider=self.provider, error=self.fail_with)
        message_id = f"rec-{len(self.sent) + 1:06d}"
        self.sent.append(SentText(to=to, from_=from_, body=body, message_id=message_id))
        return OutboundResult(ok=True, provider=self.provider, message_id=message_id)
