"""Notifications for tests: one call with sensible defaults, any field overridable."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from emscad.incidents.models import Severity
from emscad.notify.models import ChannelKind, Kind, Notification, Recipient, new_notification

T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
_ids = itertools.count(1)

ADDRESSES = {
    ChannelKind.CONSOLE: "*",
    ChannelKind.EMAIL: "dana.whitfield@example.org",
    ChannelKind.SMS: "+15015550123",
}


def notification(
    *,
    channel: ChannelKind = ChannelKind.EMAIL,
    address: str | None = None,
    alarm: str = "sos:s-1",
    id: str | None = None,
    created_at: datetime = T0,
    kind: Kind = Kind.SOS,
    severity: Severity = Severity.HIGH,
    subject: str = "Staff SOS: Dana Whitfield",
    body: str = "Staff SOS raised at 22:00:00 UTC by Dana Whitfield near Station One.",
    user: str = "u-sam",
    dedupe_key: str | None = None,
) -> Notification:
    return new_notification(
        id=id or f"n-{next(_ids):05d}",
        created_at=created_at,
        kind=kind,
        severity=severity,
        recipient=Recipient(
            user=user, name=user.removeprefix("u-"), address=address or ADDRESSES[channel]
        ),
        channel=channel,
        subject=subject,
        body=body,
        alarm=alarm,
        dedupe_key=dedupe_key,
    )
