"""Drop two indexes that a longer one already holds.

`ix_throttles_instance_id (instance_id)` leads `ix_throttles_instance_window (instance_id,
window_started_at)` and the unique (instance_id, kind, key); `ix_subscriptions_product_id
(product_id)` leads `ix_subscriptions_browse_product (product_id, id)`. Every lookup, join and
cascading delete either answered is answered by the longer index, and each insert or update
of a counter or a subscription wrote both. `tests/storage/test_schema_indexes.py` keeps any
new one from coming back.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 08:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

REDUNDANT = {
    "ix_throttles_instance_id": ("throttles", ["instance_id"]),
    "ix_subscriptions_product_id": ("subscriptions", ["product_id"]),
}


def upgrade() -> None:
    for name, (table, _) in REDUNDANT.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, columns) in REDUNDANT.items():
        op.create_index(name, table, columns)
