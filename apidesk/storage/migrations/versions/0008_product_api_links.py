"""Product API links: each API of a product gets the link name and entity tag that APIM's
`products/{p}/apiLinks` shows. Existing memberships get generated link names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:20:00.000000
"""

from __future__ import annotations

import base64
import os
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_apis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_name", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("link_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("etag", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT product_id, api_id FROM product_apis")).all()
    for product_id, api_id in rows:
        name = str(uuid.uuid4()).upper()
        connection.execute(
            sa.text(
                "UPDATE product_apis SET link_name = :name, link_key = :key, etag = :etag "
                "WHERE product_id = :product AND api_id = :api"
            ),
            {
                "name": name,
                "key": name.lower(),
                "etag": base64.b64encode(os.urandom(8)).decode("ascii"),
                "product": product_id,
                "api": api_id,
            },
        )
    with op.batch_alter_table("product_apis", schema=None) as batch_op:
        batch_op.alter_column("link_name", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("link_key", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("etag", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_product_apis_product_id_link_key"), ["product_id", "link_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("product_apis", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_product_apis_product_id_link_key"), type_="unique")
        batch_op.drop_column("etag")
        batch_op.drop_column("link_key")
        batch_op.drop_column("link_name")
