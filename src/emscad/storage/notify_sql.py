"""The notification outbox in SQL.

The functions taking a `Connection` work inside the caller's transaction: the safety layer
enqueues an alert in the same transaction as the event that caused it, so either both are
stored or neither is, and nothing is lost if the process dies right after the commit.
`SqlOutbox` is the worker's side (`emscad.notify.ports.OutboxStore`) plus the same
operations, each in a transaction of its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from emscad.accounts.audit import AuditEntry
from emscad.errors import NotFound
from emscad.incidents.models import Severity
from emscad.notify import lifecycle
from emscad.notify.models import (
    Attempt,
    ChannelKind,
    Kind,
    Notification,
    Recipient,
    Result,
    Status,
)
from emscad.notify.ports import Claim
from emscad.storage.audit_sql import append_audit
from emscad.storage.db import Database
from emscad.storage.notify_tables import notification_attempts, notifications
from emscad.storage.rows import dialect_insert

N = notifications.c
A = notification_attempts.c
SYSTEM = "system:notify"


# -- rows ------------------------------------------------------------------------------------


def _row(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "dedupe_key": n.dedupe_key,
        "created_at": n.created_at,
        "kind": n.kind.value,
        "severity": n.severity.value,
        "priority": n.priority,
        "channel": n.channel.value,
        "recipient_user": n.recipient.user,
        "recipient_name": n.recipient.name,
        "address": n.recipient.address,
        "subject": n.subject,
        "body": n.body,
        "alarm": n.alarm,
        **_state(n),
    }


def _state(n: Notification) -> dict[str, Any]:
    """The columns that change over a notification's life."""
    return {
        "status": n.status.value,
        "attempts": n.attempts,
        "next_attempt_at": n.due_at,
        "last_error": n.last_error,
        "sent_at": n.sent_at,
        "failed_at": n.failed_at,
        "cancelled_at": n.cancelled_at,
        "cancel_reason": n.cancel_reason,
        "acknowledged_at": n.acknowledged_at,
        "acknowledged_by": n.acknowledged_by,
    }


def _notification(row: Any) -> Notification:
    status = Status(row["status"])
    return Notification(
        id=row["id"],
        created_at=row["created_at"],
        kind=Kind(row["kind"]),
        severity=Severity(row["severity"]),
        recipient=Recipient(
            user=row["recipient_user"], name=row["recipient_name"], address=row["address"]
        ),
        channel=ChannelKind(row["channel"]),
        subject=row["subject"],
        body=row["body"],
        alarm=row["alarm"],
        dedupe_key=row["dedupe_key"],
        status=status,
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if status is Status.PENDING else None,
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        failed_at=row["failed_at"],
        cancelled_at=row["cancelled_at"],
        cancel_reason=row["cancel_reason"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
    )


def _attempt(row: Any) -> Attempt:
    return Attempt(
        notification=row["notification_id"],
        number=row["number"],
        at=row["at"],
        result=Result(row["result"]),
        detail=row["detail"],
        provider_id=row["provider_id"],
        worker=row["worker"],
    )


def _insert_attempt(conn: Connection, attempt: Attempt) -> None:
    conn.execute(
        notification_attempts.insert().values(
            notification_id=attempt.notification,
            number=attempt.number,
            at=attempt.at,
            result=attempt.result.value,
            detail=attempt.detail[:500],
            provider_id=attempt.provider_id[:200],
            worker=attempt.worker[:100],
        )
    )


def _audit(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    append_audit(conn, conn.dialect.name, entries)


def _summary(n: Notification) -> dict[str, Any]:
    # Never the subject or body: they may describe a protected person or a respondent.
    return {
        "notification": n.id,
        "alarm": n.alarm,
        "kind": n.kind.value,
        "channel": n.channel.value,
        "recipient": n.recipient.user or n.recipient.address,
        "status": n.status.value,
        "attempts": n.attempts,
    }


# -- in the caller's transaction ---------------------------------------------------------------


def enqueue(conn: Connection, notification: Notification) -> tuple[Notification, bool]:
    """Store a notification to send, in the caller's transaction. Idempotent on its dedupe
    key: if one with that key exists, nothing changes and that one is returned.

    Returns the stored notification and whether it was added now. Wake the worker after the
    commit (`OutboxRunner.notify()`) to send it at once.
    """
    insert: Any = dialect_insert(conn.dialect.name)
    statement = insert(notifications).values(**_row(notification))
    added = conn.execute(
        statement.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(N.id)
    ).first()
    row = (
        conn.execute(notifications.select().where(N.dedupe_key == notification.dedupe_key))
        .mappings()
        .one()
    )
    return _notification(row), added is not None


def find(conn: Connection, notification_id: str) -> Notification | None:
    row = conn.execute(notifications.select().where(N.id == notification_id)).mappings().first()
    return None if row is None else _notification(row)


def for_alarm(conn: Connection, alarm: str) -> list[Notification]:
    """Every notification of an alarm, oldest first: who was told, how, and how it went."""
    rows = conn.execute(
        notifications.select().where(N.alarm == alarm).order_by(N.created_at, N.id)
    ).mappings()
    return [_notification(r) for r in rows]


def recent(
    conn: Connection,
    *,
    status: Status | Collection[Status] | None = None,
    alarm: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[Notification]:
    """The newest notifications first, optionally only those in the given states, of one
    alarm, or created at or after `since`."""
    query = notifications.select().order_by(N.created_at.desc(), N.id.desc()).limit(limit)
    if status is not None:
        wanted = [status] if isinstance(status, Status) else list(status)
        query = query.where(N.status.in_([s.value for s in wanted]))
    if alarm is not None:
        query = query.where(N.alarm == alarm)
    if since is not None:
        query = query.where(N.created_at >= since)
    return [_notification(r) for r in conn.execute(query).mappings()]


def attempts_of(conn: Connection, notification_id: str) -> list[Attempt]:
    rows = conn.execute(
        notification_attempts.select()
        .where(A.notification_id == notification_id)
        .order_by(A.number, A.id)
    ).mappings()
    return [_attempt(r) for r in rows]


def _locked(conn: Connection, query: sa.Select[Any]) -> sa.Select[Any]:
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


def cancel_alarm(conn: Connection, alarm: str, *, at: datetime, reason: str) -> list[Notification]:
    """Cancel every notification of an alarm not sent yet (it was acknowledged or cleared).

    One being sent right now may still go out; its attempt is recorded, and it stays
    cancelled. Returns the notifications cancelled now.
    """
    rows = conn.execute(
        _locked(
            conn,
            notifications.select()
            .where(N.alarm == alarm, N.status == Status.PENDING.value)
            .order_by(N.id),
        )
    ).mappings()
    cancelled = [lifecycle.cancel(_notification(r), at=at, reason=reason) for r in rows]
    for n in cancelled:
        conn.execute(notifications.update().where(N.id == n.id).values(**_state(n)))
    if cancelled:
        _audit(
            conn,
            [
                AuditEntry(
                    at=at,
                    actor=SYSTEM,
                    action="notification.cancelled",
                    subject=f"alarm:{alarm}"[:100],
                    detail={"reason": reason, "notifications": [n.id for n in cancelled]},
                )
            ],
        )
    return cancelled


def acknowledge(conn: Connection, notification_id: str, *, by: str, at: datetime) -> Notification:
    """Record a person's acknowledgement of the alarm a notification carried (the first one
    counts; every one is on the audit trail). Only a person's: a delivery receipt is not."""
    row = (
        conn.execute(_locked(conn, notifications.select().where(N.id == notification_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no notification {notification_id!r}")
    before = _notification(row)
    after = lifecycle.acknowledge(before, by=by, at=at)
    if after != before:
        conn.execute(notifications.update().where(N.id == after.id).values(**_state(after)))
    _audit(
        conn,
        [
            AuditEntry(
                at=at,
                actor=by,
                action="notification.acknowledged",
                subject=f"notification:{after.id}",
                detail={**_summary(after), "first": after != before},
            )
        ],
    )
    return after


@dataclass(frozen=True, slots=True)
class AlarmAcknowledged:
    acknowledged: tuple[Notification, ...]  # those that had no acknowledgement yet
    cancelled: tuple[Notification, ...]  # those not sent yet, now cancelled


def acknowledge_alarm(
    conn: Connection, alarm: str, *, by: str, at: datetime, cancel_pending: bool = True
) -> AlarmAcknowledged:
    """A person acknowledged an alarm: mark its notifications and cancel those not sent yet
    (everyone else need not be woken for an alarm someone has taken)."""
    rows = conn.execute(
        _locked(conn, notifications.select().where(N.alarm == alarm).order_by(N.id))
    ).mappings()
    acknowledged = []
    for row in rows:
        before = _notification(row)
        after = lifecycle.acknowledge(before, by=by, at=at)
        if after != before:
            conn.execute(notifications.update().where(N.id == after.id).values(**_state(after)))
            acknowledged.append(after)
    if acknowledged:
        _audit(
            conn,
            [
                AuditEntry(
                    at=at,
                    actor=by,
                    action="notification.acknowledged",
                    subject=f"alarm:{alarm}"[:100],
                    detail={"notifications": [n.id for n in acknowledged]},
                )
            ],
        )
    cancelled = (
        cancel_alarm(conn, alarm, at=at, reason=f"acknowledged by {by}") if cancel_pending else []
    )
    return AlarmAcknowledged(tuple(acknowledged), tuple(cancelled))


# -- the worker's side -------------------------------------------------------------------------


def claim_due(
    conn: Connection, *, now: datetime, limit: int, lease: timedelta, worker: str
) -> list[Claim]:
    """Take up to `limit` due notifications for `worker` until `now + lease`.

    On PostgreSQL the rows are locked with SKIP LOCKED, so workers claiming at the same time
    take different notifications instead of waiting for each other; on SQLite the write
    transaction holds the database's single write lock, which does the same.
    A claim whose lease lapsed (its worker died or hung) is taken over, and the unknown
    outcome of that worker's attempt is recorded.
    """
    query = (
        notifications.select()
        .where(
            N.status == Status.PENDING.value,
            N.next_attempt_at <= now,
            sa.or_(N.lease_until.is_(None), N.lease_until <= now),
        )
        .order_by(N.priority, N.next_attempt_at, N.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claims = []
    until = now + lease
    for row in conn.execute(query).mappings().all():
        notification = _notification(row)
        if row["claim_token"] is not None:
            notification, attempt = lifecycle.lapsed(
                notification, claimed_by=row["claimed_by"] or "", now=now
            )
            _insert_attempt(conn, attempt)
        token = secrets.token_hex(16)
        conn.execute(
            notifications.update()
            .where(N.id == notification.id)
            .values(
                **_state(notification),
                claimed_by=worker[:100],
                claim_token=token,
                lease_until=until,
            )
        )
        claims.append(Claim(notification, token=token, worker=worker, lease_until=until))
    return claims


def record(conn: Connection, claim: Claim, updated: Notification, attempt: Attempt) -> Notification:
    """Record one attempt and, if the claim still holds, the notification's new state."""
    row = (
        conn.execute(_locked(conn, notifications.select().where(N.id == claim.notification.id)))
        .mappings()
        .one()
    )
    _insert_attempt(conn, attempt)
    current = _notification(row)
    if row["claim_token"] != claim.token:
        # The lease lapsed and another worker took it over: that worker owns its state now.
        return current
    release = {"claimed_by": None, "claim_token": None, "lease_until": None}
    if current.status is not Status.PENDING:
        # Cancelled while it was being sent: it stays cancelled; the attempt is on record.
        stored = replace(current, attempts=max(current.attempts, attempt.number))
        conn.execute(
            notifications.update()
            .where(N.id == current.id)
            .values(attempts=stored.attempts, **release)
        )
        return stored
    # Keep an acknowledgement recorded while it was being sent.
    stored = replace(
        updated, acknowledged_at=current.acknowledged_at, acknowledged_by=current.acknowledged_by
    )
    conn.execute(
        notifications.update().where(N.id == current.id).values(**_state(stored), **release)
    )
    if stored.status is not Status.PENDING:
        _audit(
            conn,
            [
                AuditEntry(
                    at=attempt.at,
                    actor=SYSTEM,
                    action=f"notification.{stored.status.value}",
                    subject=f"notification:{stored.id}",
                    detail={**_summary(stored), "detail": attempt.detail},
                )
            ],
        )
    return stored


class SqlOutbox:
    """The outbox on a Database: the worker's store, and each operation in its own
    transaction for callers that have none open."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        try:
            with self.database.transaction(write=write) as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            # Imported here: emscad.storage.sql imports the safety store, which imports this.
            from emscad.storage.sql import transient

            raise transient(exc) from exc

    def claim_due(self, *, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Claim]:
        with self._transaction(write=True) as conn:
            return claim_due(conn, now=now, limit=limit, lease=lease, worker=worker)

    def record(self, claim: Claim, updated: Notification, attempt: Attempt) -> Notification:
        with self._transaction(write=True) as conn:
            return record(conn, claim, updated, attempt)

    def enqueue(self, notification: Notification) -> tuple[Notification, bool]:
        with self._transaction(write=True) as conn:
            return enqueue(conn, notification)

    def cancel_alarm(self, alarm: str, *, at: datetime, reason: str) -> list[Notification]:
        with self._transaction(write=True) as conn:
            return cancel_alarm(conn, alarm, at=at, reason=reason)

    def acknowledge(self, notification_id: str, *, by: str, at: datetime) -> Notification:
        with self._transaction(write=True) as conn:
            return acknowledge(conn, notification_id, by=by, at=at)

    def acknowledge_alarm(self, alarm: str, *, by: str, at: datetime) -> AlarmAcknowledged:
        with self._transaction(write=True) as conn:
            return acknowledge_alarm(conn, alarm, by=by, at=at)

    def find(self, notification_id: str) -> Notification | None:
        with self._transaction(write=False) as conn:
            return find(conn, notification_id)

    def for_alarm(self, alarm: str) -> list[Notification]:
        with self._transaction(write=False) as conn:
            return for_alarm(conn, alarm)

    def attempts(self, notification_id: str) -> list[Attempt]:
        with self._transaction(write=False) as conn:
            return attempts_of(conn, notification_id)

    def recent(
        self,
        *,
        status: Status | Collection[Status] | None = None,
        alarm: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Notification]:
        with self._transaction(write=False) as conn:
            return recent(conn, status=status, alarm=alarm, since=since, limit=limit)
