"""Indexes for browsing the subscriptions of an instance page by page in the console: newest
first, all of them or those in one state, or those of one product.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 03:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BROWSE_INDEXES = {
    "ix_subscriptions_browse": ["instance_id", "id"],
    "ix_subscriptions_browse_state": ["instance_id", "state", "id"],
    "ix_subscriptions_browse_product": ["product_id", "id"],
}


def upgrade() -> None:
    for name, indexed in BROWSE_INDEXES.items():
        op.create_index(name, "subscriptions", indexed, unique=False)


def downgrade() -> None:
    for name in BROWSE_INDEXES:
        op.drop_index(name, table_name="subscriptions")
