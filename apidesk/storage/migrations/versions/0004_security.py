"""Security: every user gets a random stamp that the tokens signed for them include.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:30:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stamp", sa.String(length=32), nullable=True))
    # A stamp of its own for every existing user, drawn here rather than by the database, so
    # that both databases get the same kind of value.
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("stamp", sa.String()))
    ids = [row[0] for row in connection.execute(sa.select(users.c.id))]
    for user_id in ids:
        connection.execute(
            users.update().where(users.c.id == user_id).values(stamp=secrets.token_hex(16))
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("stamp", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("stamp")
