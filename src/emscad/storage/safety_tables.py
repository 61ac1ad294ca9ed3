"""The safety layer's tables (on the shared schema metadata). Change them only with a migration."""

from __future__ import annotations

import sqlalchemy as sa

from emscad.storage.tables import Json, UtcDateTime, metadata

# Protective orders (safety.orders.ProtectiveOrder), projected from their events.
safety_orders = sa.Table(
    "safety_orders",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("number", sa.String(200), nullable=False, index=True),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("expires", UtcDateTime),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Alarms: staff SOS, check-in timers and escort requests, keyed "sos:<id>", "checkin:<id>",
# "escort:<id>". `open` rows are the ticker's work.
safety_alarms = sa.Table(
    "safety_alarms",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("staff_user", sa.String(40), nullable=False, index=True),
    sa.Column("open", sa.Boolean, nullable=False, index=True),
    sa.Column("silent", sa.Boolean, nullable=False),
    sa.Column("incident_id", sa.String(40), index=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# The watch log (safety.watch.WatchLog): "alert:<dedupe key>" and "high:<order>" hold the
# time of the last alert; "degraded:<order>" holds the ProtectionDegraded event as JSON.
safety_watch = sa.Table(
    "safety_watch",
    metadata,
    sa.Column("key", sa.String(240), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("data", Json),
)

# Staff records (safety.staff.StaffRecord): contact details, schedule, confidentiality. The
# duress PIN is an argon2 hash beside the record, never part of what a view can show.
staff_records = sa.Table(
    "staff_records",
    metadata,
    sa.Column("user_id", sa.String(40), primary_key=True),
    sa.Column("confidential", sa.Boolean, nullable=False),
    sa.Column("mobile_phone", sa.String(40), nullable=False, index=True),
    sa.Column("duress_pin_hash", sa.String(200), nullable=False, server_default=""),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
