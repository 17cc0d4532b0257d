"""Developer-portal settings: sign-in, sign-up and delegation, one row each per instance.

Instances that exist already get the settings a new instance starts with.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:10:00.000000
"""

from __future__ import annotations

import base64
import os

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The values a new instance starts with (apidesk.domain.portal.settings.DEFAULTS), copied so
# that this migration keeps doing what it did when the domain's defaults change.
DEFAULTS = {
    "signin": {"enabled": False},
    "signup": {
        "enabled": True,
        "terms_text": "",
        "terms_enabled": False,
        "terms_consent_required": False,
    },
    "delegation": {"url": None, "subscriptions": False, "user_registration": False},
}


def upgrade() -> None:
    table = op.create_table(
        "portal_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("validation_key", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_portal_settings_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_settings")),
        sa.UniqueConstraint(
            "instance_id", "name", name=op.f("uq_portal_settings_instance_id_name")
        ),
    )
    instances = op.get_bind().execute(sa.text("SELECT id FROM instances ORDER BY id")).scalars()
    rows = [
        {
            "instance_id": instance_id,
            "name": name,
            "values": values,
            "validation_key": None,
            "etag": base64.b64encode(os.urandom(8)).decode("ascii"),
        }
        for instance_id in instances
        for name, values in DEFAULTS.items()
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("portal_settings")
