"""What the outbox worker needs from storage (emscad.storage.notify_sql implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from emscad.notify.models import Attempt, Notification


@dataclass(frozen=True, slots=True)
class Claim:
    """A notification one worker has taken to send, until `lease_until`.

    While the lease runs no other worker takes it. A worker that dies mid-send never
    reports; once its lease ends the notification is due again (so it may go out twice).
    """

    notification: Notification
    token: str  # proves, when the outcome is recorded, that the claim is still this worker's
    worker: str
    lease_until: datetime


class OutboxStore(Protocol):
    def claim_due(
        self, *, now: datetime, limit: int, lease: timedelta, worker: str
    ) -> Sequence[Claim]:
        """Take up to `limit` due notifications, most urgent first, in a short transaction."""
        ...

    def record(self, claim: Claim, updated: Notification, attempt: Attempt) -> Notification:
        """Record the attempt, and the notification's new state if the claim still holds and
        it is still pending (it may have been cancelled meanwhile). Returns the stored state."""
        ...
