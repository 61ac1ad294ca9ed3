"""Alert deliveries as the supervisor's list shows them (pure).

What a notification was about is its alarm's key and kind; its subject and body stay out,
because they may describe a protected person or a respondent (the audit trail leaves them
out for the same reason). The address is shown: those who may read deliveries (supervisors,
administrators) may see staff contact details, and a failed number must be findable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from emscad.notify.models import Attempt, Notification, Status
from emscad.serial import iso_ms


def _at(value: datetime | None) -> str | None:
    return None if value is None else iso_ms(value)


def retrying(n: Notification) -> bool:
    """Still pending after at least one failed try: its channel is in trouble."""
    return n.status is Status.PENDING and n.attempts > 0


def delivery_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "created_at": iso_ms(n.created_at),
        "alarm": n.alarm,
        "kind": n.kind.value,
        "severity": n.severity.value,
        "channel": n.channel.value,
        "recipient": {
            "user": n.recipient.user,
            "name": n.recipient.name,
            "address": n.recipient.address,
        },
        "status": n.status.value,
        "retrying": retrying(n),
        "attempts": n.attempts,
        "next_attempt_at": _at(n.next_attempt_at) if n.status is Status.PENDING else None,
        "last_error": n.last_error,
        "sent_at": _at(n.sent_at),
        "failed_at": _at(n.failed_at),
        "cancelled_at": _at(n.cancelled_at),
        "cancel_reason": n.cancel_reason,
        "acknowledged_at": _at(n.acknowledged_at),
        "acknowledged_by": n.acknowledged_by,
    }


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "at": iso_ms(a.at),
        "result": a.result.value,
        "detail": a.detail,
        "provider_id": a.provider_id,
        "worker": a.worker,
    }


def visible_to(
    notifications: Iterable[Notification], hidden_alarms: frozenset[str]
) -> list[Notification]:
    """Leave out the alerts of alarms the reader must not know of (their own silent SOS)."""
    return [n for n in notifications if n.alarm not in hidden_alarms]
