"""Operators of the deployment: accounts, set-password links, console sessions and sign-in
counters; indexes for browsing users page by page in the console.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import apidesk.storage.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = apidesk.storage.models.base.UTCDateTime


BROWSE_INDEXES = {
    "ix_users_browse_registered": ["instance_id", "registration_date", "id"],
    "ix_users_browse_first_name": ["instance_id", "first_name", "id"],
    "ix_users_browse_state": ["instance_id", "state", "id"],
}


def upgrade() -> None:
    for name, indexed in BROWSE_INDEXES.items():
        op.create_index(name, "users", indexed, unique=False)
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=400), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("password_changed_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_operators_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email_key", name=op.f("uq_operators_email_key")),
    )
    op.create_index(op.f("ix_operators_instance_id"), "operators", ["instance_id"], unique=False)
    for table in ("operator_links", "operator_sessions"):
        columns: list[sa.schema.SchemaItem] = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("operator_id", sa.Integer(), nullable=False),
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("created_at", UTC(), nullable=False),
            sa.Column("expires_at", UTC(), nullable=False),
        ]
        if table == "operator_links":
            columns.append(sa.Column("used_at", UTC(), nullable=True))
        op.create_table(
            table,
            *columns,
            sa.ForeignKeyConstraint(
                ["operator_id"],
                ["operators.id"],
                name=op.f(f"fk_{table}_operator_id_operators"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("digest", name=op.f(f"uq_{table}_digest")),
        )
        op.create_index(op.f(f"ix_{table}_operator_id"), table, ["operator_id"], unique=False)
    op.create_table(
        "operator_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC(), nullable=False),
        sa.Column("blocked_until", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_throttles")),
        sa.UniqueConstraint("key", name=op.f("uq_operator_throttles_key")),
    )


def downgrade() -> None:
    op.drop_table("operator_throttles")
    for table in ("operator_sessions", "operator_links"):
        op.drop_index(op.f(f"ix_{table}_operator_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_operators_instance_id"), table_name="operators")
    op.drop_table("operators")
    for name in BROWSE_INDEXES:
        op.drop_index(name, table_name="users")
