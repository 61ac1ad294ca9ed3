"""The database schema (SQLAlchemy Core). Change it only together with a migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: Any,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        when = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(when, datetime)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The append-only event log. `seq` is assigned in commit order (see counters).
events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("type", sa.String(60), nullable=False, index=True),
    sa.Column("incident_id", sa.String(40), index=True),
    sa.Column("unit_id", sa.String(40), index=True),
    sa.Column("payload", Json, nullable=False),
    # What else the event is about, e.g. "thread:main:+15015550123": a text thread's
    # messages join the timeline of the incident the thread is attached to.
    sa.Column("subject", sa.String(140), index=True),
)

# Named counters: the event sequence and incident numbers per year. Updating a counter row
# locks it until commit, which serialises event writers so sequence numbers are visible in
# order (a reader that saw event n never later finds a smaller one appear).
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("number", sa.String(20), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("priority", sa.SmallInteger, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False, index=True),
    sa.Column("caller_phone", sa.String(200), nullable=False, server_default="", index=True),
    sa.Column("location_text", sa.String(200), nullable=False, server_default=""),
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The location's normalised address (intake.history.location_key): earlier calls there.
    sa.Column("address_key", sa.String(200), nullable=False, server_default="", index=True),
    sa.Index("ix_incidents_lat_lon", "lat", "lon"),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("call_sign", sa.String(40), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("incident_id", sa.String(40), index=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The latest AVL fix lives outside `data` and `version`: a position report must never
    # make a dispatcher's assignment fail as a concurrent change.
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("position_at", UtcDateTime),
    sa.Column("accuracy_m", sa.Float),
    sa.Column("speed_mps", sa.Float),
    sa.Column("heading_deg", sa.Float),
)

# Every fix received, for replay and analysis (prunable).
positions = sa.Table(
    "positions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("unit_id", sa.String(40), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("accuracy_m", sa.Float),
    sa.Column("speed_mps", sa.Float),
    sa.Column("heading_deg", sa.Float),
    sa.Index("ix_positions_unit_at", "unit_id", "at"),
)

stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

hospitals = sa.Table(
    "hospitals",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# A retried request with the same Idempotency-Key returns the first request's result.
idempotency = sa.Table(
    "idempotency",
    metadata,
    sa.Column("actor", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("result", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("user_id", sa.String(40), nullable=False, index=True),
    sa.Column("revoked_at", UtcDateTime),
    sa.Column("data", Json, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("user_id", sa.String(40), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("revoked_at", UtcDateTime),
    sa.Column("data", Json, nullable=False),
)

# The audit trail: append-only, each row's hash covering its content and the previous hash.
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(60), nullable=False, index=True),
    sa.Column("subject", sa.String(100), nullable=False, index=True),
    sa.Column("detail", Json, nullable=False),
    sa.Column("ip", sa.String(60), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Text conversations (intake.threads), projected from their events.
text_threads = sa.Table(
    "text_threads",
    metadata,
    sa.Column("id", sa.String(140), primary_key=True),
    sa.Column("line", sa.String(24), nullable=False),
    sa.Column("caller", sa.String(100), nullable=False, index=True),
    sa.Column("incident_id", sa.String(40), index=True),
    sa.Column("last_at", UtcDateTime, nullable=False, index=True),
    sa.Column("awaiting_reply", sa.Boolean, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Each provider message id once: a webhook delivered twice (or twice at once) stores one text.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("provider", sa.String(20), primary_key=True),
    sa.Column("message_id", sa.String(100), primary_key=True),
    sa.Column("thread_id", sa.String(140), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

# Device locations received for incidents: supplemental until a dispatcher confirms one.
device_locations = sa.Table(
    "device_locations",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("incident_id", sa.String(40), nullable=False, index=True),
    sa.Column("caller", sa.String(100), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("data", Json, nullable=False),
)

# Standing warnings for places (intake.history.PremiseCaution).
premise_cautions = sa.Table(
    "premise_cautions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("address_key", sa.String(200), nullable=False, index=True),
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("expires", UtcDateTime),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_premise_cautions_lat_lon", "lat", "lon"),
)

from emscad.storage import notify_tables as _notify_tables  # noqa: E402,F401
from emscad.storage import safety_tables as _safety_tables  # noqa: E402,F401
