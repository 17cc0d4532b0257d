"""Service instances remember who created them and who changed them last, and when (ARM's
`systemData`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import apidesk.storage.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLEs, never a batch rebuild: on SQLite a rebuild drops the old table, and
    # with foreign keys on that deletes everything the instances own. Hence nullable columns.
    op.add_column("instances", sa.Column("created_by", sa.String(length=200), nullable=True))
    op.add_column(
        "instances",
        sa.Column("updated_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
    )
    op.add_column("instances", sa.Column("updated_by", sa.String(length=200), nullable=True))
    # The last change known for an existing instance is its creation.
    op.execute(sa.text("UPDATE instances SET updated_at = created_at"))


def downgrade() -> None:
    for column in ("updated_by", "updated_at", "created_by"):
        op.drop_column("instances", column)
