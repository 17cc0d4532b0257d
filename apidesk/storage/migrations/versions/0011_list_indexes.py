"""Indexes for every list page, filter and sort (docs/query-plans.md).

- The users of an instance in id order: the API's lists page by id (no sort of the instance).
- The console's Users page in one state, newest first (its default order).
- A user's subscriptions, newest or oldest first, by (instance, owner, id).
- The console's audit log and outbox, newest first within an instance (and by outbox status),
  replacing the single-column instance indexes they extend.
- On PostgreSQL, `startswith` on user ids, e-mail addresses and subscription ids: a
  `LIKE 'prefix%'` uses a B-tree index only with `varchar_pattern_ops` (unless the database's
  collation is "C"). SQLite answers the same filter from the unique (instance, key) indexes
  by a range (apidesk.storage.filtering), so it gets none of these.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 06:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BROWSE = {
    "ix_users_browse": ("users", ["instance_id", "id"]),
    "ix_users_browse_state_registered": (
        "users",
        ["instance_id", "state", "registration_date", "id"],
    ),
    "ix_subscriptions_browse_owner": ("subscriptions", ["instance_id", "owner_id", "id"]),
    "ix_audit_events_browse": ("audit_events", ["instance_name", "id"]),
    "ix_outbox_messages_browse": ("outbox_messages", ["instance_id", "id"]),
    "ix_outbox_messages_browse_status": ("outbox_messages", ["instance_id", "status", "id"]),
}
REPLACED = {
    "ix_audit_events_instance_name": ("audit_events", ["instance_name"]),
    "ix_outbox_messages_instance_id": ("outbox_messages", ["instance_id"]),
}
PREFIX = {
    "ix_users_name_prefix": ("users", "name_key"),
    "ix_users_email_prefix": ("users", "email_key"),
    "ix_subscriptions_name_prefix": ("subscriptions", "name_key"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for name, (table, columns) in BROWSE.items():
        op.create_index(name, table, columns)
    for name, (table, _) in REPLACED.items():
        op.drop_index(name, table_name=table)
    if _postgresql():
        for name, (table, column) in PREFIX.items():
            op.create_index(
                name,
                table,
                ["instance_id", column],
                postgresql_ops={column: "varchar_pattern_ops"},
            )


def downgrade() -> None:
    if _postgresql():
        for name, (table, _) in PREFIX.items():
            op.drop_index(name, table_name=table)
    for name, (table, columns) in REPLACED.items():
        op.create_index(name, table, columns)
    for name, (table, _) in BROWSE.items():
        op.drop_index(name, table_name=table)
