"""Throttles: an index to find lapsed counters, which are now cleared out as new ones come.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_throttles_instance_window", ["instance_id", "window_started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.drop_index("ix_throttles_instance_window")
