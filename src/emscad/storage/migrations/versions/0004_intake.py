"""intake: texts, device locations, premise cautions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import emscad.storage.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_locations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("caller", sa.String(length=100), nullable=False),
        sa.Column("received_at", emscad.storage.tables.UtcDateTime(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_locations")),
    )
    with op.batch_alter_table("device_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_device_locations_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "inbound_messages",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("thread_id", sa.String(length=140), nullable=False),
        sa.Column("received_at", emscad.storage.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "message_id", name=op.f("pk_inbound_messages")),
    )
    op.create_table(
        "premise_cautions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("address_key", sa.String(length=200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("expires", emscad.storage.tables.UtcDateTime(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premise_cautions")),
    )
    with op.batch_alter_table("premise_cautions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_premise_cautions_address_key"), ["address_key"], unique=False
        )
        batch_op.create_index("ix_premise_cautions_lat_lon", ["lat", "lon"], unique=False)

    op.create_table(
        "text_threads",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("line", sa.String(length=24), nullable=False),
        sa.Column("caller", sa.String(length=100), nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("last_at", emscad.storage.tables.UtcDateTime(), nullable=False),
        sa.Column("awaiting_reply", sa.Boolean(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_threads")),
    )
    with op.batch_alter_table("text_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_text_threads_caller"), ["caller"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_text_threads_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_text_threads_last_at"), ["last_at"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=140), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_subject"), ["subject"], unique=False)

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address_key", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_incidents_address_key"), ["address_key"], unique=False)
        batch_op.create_index("ix_incidents_lat_lon", ["lat", "lon"], unique=False)

    _backfill_incidents()


def _backfill_incidents() -> None:
    """Address keys and E.164 caller numbers for incidents taken before this revision."""
    from emscad.incidents.models import Incident
    from emscad.intake.history import location_key
    from emscad.intake.phone import normalize_number
    from emscad.serial import from_json

    table = emscad.storage.tables.incidents
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c.data)).all()
    for row in rows:
        incident: Incident = from_json(Incident, {**row.data, "version": 0})
        conn.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(
                address_key=location_key(incident.location),
                caller_phone=normalize_number(incident.caller.phone),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_lat_lon")
        batch_op.drop_index(batch_op.f("ix_incidents_address_key"))
        batch_op.drop_column("address_key")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_subject"))
        batch_op.drop_column("subject")

    with op.batch_alter_table("text_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_threads_last_at"))
        batch_op.drop_index(batch_op.f("ix_text_threads_incident_id"))
        batch_op.drop_index(batch_op.f("ix_text_threads_caller"))

    op.drop_table("text_threads")
    with op.batch_alter_table("premise_cautions", schema=None) as batch_op:
        batch_op.drop_index("ix_premise_cautions_lat_lon")
        batch_op.drop_index(batch_op.f("ix_premise_cautions_address_key"))

    op.drop_table("premise_cautions")
    op.drop_table("inbound_messages")
    with op.batch_alter_table("device_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_locations_incident_id"))

    op.drop_table("device_locations")
