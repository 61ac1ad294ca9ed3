"""safety: orders, alarms, watch log, staff records

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import emscad.storage.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_alarms",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("staff_user", sa.String(length=40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("silent", sa.Boolean(), nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("started_at", emscad.storage.tables.UtcDateTime(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_safety_alarms")),
    )
    with op.batch_alter_table("safety_alarms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_alarms_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_safety_alarms_open"), ["open"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_safety_alarms_staff_user"), ["staff_user"], unique=False
        )

    op.create_table(
        "safety_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("expires", emscad.storage.tables.UtcDateTime(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_orders")),
    )
    with op.batch_alter_table("safety_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_orders_number"), ["number"], unique=False)

    op.create_table(
        "safety_watch",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("at", emscad.storage.tables.UtcDateTime(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_safety_watch")),
    )
    op.create_table(
        "staff_records",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("mobile_phone", sa.String(length=40), nullable=False),
        sa.Column("duress_pin_hash", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_staff_records")),
    )
    with op.batch_alter_table("staff_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_records_mobile_phone"), ["mobile_phone"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_records_mobile_phone"))

    op.drop_table("staff_records")
    op.drop_table("safety_watch")
    with op.batch_alter_table("safety_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_orders_number"))

    op.drop_table("safety_orders")
    with op.batch_alter_table("safety_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_alarms_staff_user"))
        batch_op.drop_index(batch_op.f("ix_safety_alarms_open"))
        batch_op.drop_index(batch_op.f("ix_safety_alarms_incident_id"))

    op.drop_table("safety_alarms")
