"""A notification's life (a pure state machine): pending → sent | failed | cancelled.

Every decision here is a function of the notification, what happened and the time, with
the randomness for jitter passed in, so the outbox behaves the same on a virtual clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np

from emscad.notify.models import MAX_DETAIL, Attempt, Notification, Outcome, Result, Status
from emscad.notify.policy import RetryPolicy, backoff


def is_due(notification: Notification, now: datetime) -> bool:
    return notification.status is Status.PENDING and notification.due_at <= now


def after_attempt(
    notification: Notification,
    outcome: Outcome,
    *,
    now: datetime,
    policy: RetryPolicy,
    rng: np.random.Generator,
    worker: str = "",
) -> tuple[Notification, Attempt]:
    """The notification after one delivery attempt, and the attempt's record.

    - sent: done;
    - a permanent error (a mailbox that does not exist, a number that is no phone): failed
      at once, since trying again cannot help;
    - a retryable error: pending again after a backoff, unless that was the last attempt
      allowed or the next one would come later than the maximum age after it was created.

    A notification that is no longer pending (cancelled while it was being sent) keeps its
    state; the attempt is still recorded, since it happened.
    """
    number = notification.attempts + 1
    attempt = Attempt(
        notification=notification.id,
        number=number,
        at=now,
        result=outcome.result,
        detail=outcome.detail,
        provider_id=outcome.provider_id,
        worker=worker,
    )
    counted = replace(notification, attempts=number)
    if notification.status is not Status.PENDING:
        return counted, attempt
    if outcome.result is Result.SENT:
        return replace(counted, status=Status.SENT, sent_at=now, next_attempt_at=None), attempt
    if outcome.result is Result.PERMANENT:
        return _failed(counted, now, outcome.detail), attempt
    if number >= policy.max_attempts:
        return _failed(counted, now, f"gave up after {number} attempts: {outcome.detail}"), attempt
    retry_at = now + backoff(policy, number, rng)
    if retry_at > notification.created_at + policy.max_age:
        age = int(policy.max_age.total_seconds())
        reason = f"gave up after {number} attempts, at the maximum age ({age} s): {outcome.detail}"
        return _failed(counted, now, reason), attempt
    return replace(counted, next_attempt_at=retry_at, last_error=outcome.detail), attempt


def lapsed(
    notification: Notification, *, claimed_by: str, now: datetime
) -> tuple[Notification, Attempt]:
    """A claim whose worker never reported: record the unknown attempt and make it due now.

    A crashed worker is not the channel's fault, so this neither backs off nor gives up.
    """
    number = notification.attempts + 1
    attempt = Attempt(
        notification=notification.id,
        number=number,
        at=now,
        result=Result.UNKNOWN,
        detail=f"{claimed_by or 'a worker'} took it and never reported back; "
        "it may have been delivered",
        worker=claimed_by,
    )
    return replace(notification, attempts=number, next_attempt_at=now), attempt


def _failed(notification: Notification, now: datetime, reason: str) -> Notification:
    error = reason if len(reason) <= MAX_DETAIL else reason[: MAX_DETAIL - 1] + "…"
    return replace(
        notification, status=Status.FAILED, failed_at=now, next_attempt_at=None, last_error=error
    )


def cancel(notification: Notification, *, at: datetime, reason: str) -> Notification:
    """Cancel a notification not sent yet; one already sent, failed or cancelled is unchanged."""
    if notification.status is not Status.PENDING:
        return notification
    return replace(
        notification,
        status=Status.CANCELLED,
        cancelled_at=at,
        cancel_reason=reason[:200],
        next_attempt_at=None,
    )


def acknowledge(notification: Notification, *, by: str, at: datetime) -> Notification:
    """Record the person who acknowledged the alarm this notification carries.

    The first acknowledgement is kept: it answers "who took it, and when". Later ones change
    nothing here (the alarm's own record keeps every acknowledgement).
    """
    if notification.acknowledged_at is not None:
        return notification
    return replace(notification, acknowledged_at=at, acknowledged_by=by[:100])
