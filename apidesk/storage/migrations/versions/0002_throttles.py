"""Throttles: counters that slow down repeated failed sign-ins and password-reset requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 13:49:34.808499
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import apidesk.storage.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_throttles_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttles")),
        sa.UniqueConstraint(
            "instance_id", "kind", "key", name=op.f("uq_throttles_instance_id_kind_key")
        ),
    )
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttles_instance_id"), ["instance_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttles_instance_id"))

    op.drop_table("throttles")
