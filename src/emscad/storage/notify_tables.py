"""The outbox's tables (on the shared schema metadata). Change them only with a migration."""

from __future__ import annotations

import sqlalchemy as sa

from emscad.storage.tables import UtcDateTime, metadata

# One row per notification: what, to whom, over which channel, and where it stands.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("priority", sa.SmallInteger, nullable=False),  # 0 most urgent
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recipient_user", sa.String(40), nullable=False, index=True),
    sa.Column("recipient_name", sa.String(100), nullable=False),
    sa.Column("address", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("alarm", sa.String(200), nullable=False, index=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(500), nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("failed_at", UtcDateTime),
    sa.Column("cancelled_at", UtcDateTime),
    sa.Column("cancel_reason", sa.String(200), nullable=False),
    sa.Column("acknowledged_at", UtcDateTime),
    sa.Column("acknowledged_by", sa.String(100)),
    # The worker holding it, until when, and the token that proves it when recording.
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claim_token", sa.String(40)),
    sa.Column("lease_until", UtcDateTime),
    # What the claim query reads: pending rows by due time.
    sa.Index("ix_notifications_due", "status", "next_attempt_at"),
    # What the deliveries list reads: the newest first.
    sa.Index("ix_notifications_created", "created_at"),
)

# Every delivery attempt, append-only: the record of who was told what, when, and how.
notification_attempts = sa.Table(
    "notification_attempts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "notification_id",
        sa.String(40),
        sa.ForeignKey("notifications.id"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("result", sa.String(20), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False),
    sa.Column("provider_id", sa.String(200), nullable=False),
    sa.Column("worker", sa.String(100), nullable=False),
    sa.Index("ix_notification_attempts_notification", "notification_id", "number"),
)
