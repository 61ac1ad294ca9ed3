"""The channels a notification goes out on, behind one small Protocol.

A channel sends one notification and says how it went: sent, failed but worth retrying
(the server is down, busy or unreachable), or failed for good (this message can never be
delivered). A channel never raises for a failed delivery; the outbox records the outcome.
Channels may block on the network: the outbox calls them outside any database transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from emscad.intake.sms.gateway import MAX_REPLY_CHARS, OutboundResult, SmsGateway
from emscad.notify._smtp import SmtpChannel, SmtpConfig
from emscad.notify.models import ChannelKind, Notification, Outcome

__all__ = [
    "Channel",
    "ConsoleChannel",
    "SmsChannel",
    "SmtpChannel",
    "SmtpConfig",
    "sms_text",
]


class Channel(Protocol):
    @property
    def kind(self) -> ChannelKind: ...

    def send(self, notification: Notification) -> Outcome: ...


class ConsoleChannel:
    """The console alarm.

    Consoles learn of alarms from the live event stream, which the web layer feeds from the
    alarm's own events; this channel only records that the notification was handed to the
    consoles. Pass `publish` to do more (the web layer's hook): if it raises, the attempt
    counts as a retryable failure.
    """

    kind = ChannelKind.CONSOLE

    def __init__(self, publish: Callable[[Notification], None] | None = None) -> None:
        self._publish = publish

    def send(self, notification: Notification) -> Outcome:
        if self._publish is not None:
            try:
                self._publish(notification)
            except Exception as exc:  # a hook's bug must not stop the outbox
                return Outcome.retryable(f"console hook failed: {type(exc).__name__}: {exc}")
        return Outcome.sent(f"delivered to console {notification.recipient.address}")


# What SMS providers answer for a number that can never receive this text. Gateways report a
# failure as one line of text (see OutboundResult), so this is necessarily a pattern match;
# anything else (unreachable, rate limited, a provider outage) is worth retrying.
_PERMANENT_SMS = re.compile(
    r"not a valid|invalid (phone|mobile|'to'|to |number|destination)|is not a mobile"
    r"|unsubscribed|opted out|blacklist|blocked by the recipient",
    re.IGNORECASE,
)


def _sms_permanent(result: OutboundResult) -> bool:
    # A gateway that knows better may say so with a `permanent` attribute.
    flag = getattr(result, "permanent", None)
    if isinstance(flag, bool):
        return flag
    return bool(_PERMANENT_SMS.search(result.error))


def sms_text(notification: Notification) -> str:
    """The subject and the body, cut to what one text may hold (and marked as cut)."""
    text = f"{notification.subject}\n{notification.body}".strip()
    return text if len(text) <= MAX_REPLY_CHARS else text[: MAX_REPLY_CHARS - 1] + "…"


class SmsChannel:
    """Texts through an SMS gateway (Twilio, or the recording gateway in tests and demos)."""

    kind = ChannelKind.SMS

    def __init__(
        self,
        gateway: SmsGateway,
        *,
        from_number: str,
        is_permanent: Callable[[OutboundResult], bool] = _sms_permanent,
    ) -> None:
        self._gateway = gateway
        self._from = from_number
        self._is_permanent = is_permanent

    def send(self, notification: Notification) -> Outcome:
        to = notification.recipient.address
        try:
            result = self._gateway.send(to, self._from, sms_text(notification))
        except Exception as exc:  # a gateway should return failures; be safe if one raises
            return Outcome.retryable(f"SMS gateway error: {type(exc).__name__}: {exc}")
        if result.ok:
            return Outcome.sent(f"accepted by {result.provider}", provider_id=result.message_id)
        detail = f"{result.provider}: {result.error or 'refused'}"
        return (
            Outcome.permanent(detail) if self._is_permanent(result) else Outcome.retryable(detail)
        )
