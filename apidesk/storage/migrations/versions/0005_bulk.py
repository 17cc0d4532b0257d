"""Bulk import: a record per imported file, so an interrupted import resumes where it stopped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import apidesk.storage.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("invite_next_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("started_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_user_imports_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_imports")),
        sa.UniqueConstraint(
            "instance_id", "digest", name=op.f("uq_user_imports_instance_id_digest")
        ),
    )


def downgrade() -> None:
    op.drop_table("user_imports")
