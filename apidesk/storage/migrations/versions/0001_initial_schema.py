"""The initial schema: instances, users, groups, products, APIs, subscriptions and keys,
tenant access, e-mail templates, notifications, the outbox, one-time links, portal sessions,
admin tokens and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 09:49:54.202164
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import apidesk.storage.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_name", sa.String(length=50), nullable=True),
        sa.Column("at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=600), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_instance_name"), ["instance_name"], unique=False
        )

    op.create_table(
        "instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_key", sa.String(length=50), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("resource_group", sa.String(length=90), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=False),
        sa.Column("sku_name", sa.String(length=50), nullable=False),
        sa.Column("sku_capacity", sa.Integer(), nullable=False),
        sa.Column("publisher_email", sa.String(length=254), nullable=False),
        sa.Column("publisher_name", sa.String(length=100), nullable=False),
        sa.Column("notification_sender_email", sa.String(length=254), nullable=True),
        sa.Column("portal_url", sa.String(length=2000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instances")),
        sa.UniqueConstraint("name_key", name=op.f("uq_instances_name_key")),
    )
    op.create_table(
        "system_values",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_values")),
    )
    op.create_table(
        "admin_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_admin_tokens_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_admin_tokens_digest")),
        sa.UniqueConstraint("name", name=op.f("uq_admin_tokens_name")),
    )
    with op.batch_alter_table("admin_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_tokens_instance_id"), ["instance_id"], unique=False
        )

    op.create_table(
        "apis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("name_key", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("path_key", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=2000), nullable=True),
        sa.Column("protocols", sa.JSON(), nullable=False),
        sa.Column("subscription_required", sa.Boolean(), nullable=False),
        sa.Column("header_name", sa.String(length=100), nullable=False),
        sa.Column("query_name", sa.String(length=100), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_apis_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apis")),
        sa.UniqueConstraint("instance_id", "name_key", name=op.f("uq_apis_instance_id_name_key")),
        sa.UniqueConstraint("instance_id", "path_key", name=op.f("uq_apis_instance_id_path_key")),
    )
    op.create_table(
        "email_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_email_templates_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
        sa.UniqueConstraint(
            "instance_id", "name_key", name=op.f("uq_email_templates_instance_id_name_key")
        ),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("name_key", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=2000), nullable=True),
        sa.Column("built_in", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_groups_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("instance_id", "name_key", name=op.f("uq_groups_instance_id_name_key")),
    )
    op.create_table(
        "notification_recipient_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("notification_key", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_notification_recipient_emails_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_recipient_emails")),
        sa.UniqueConstraint(
            "instance_id",
            "notification_key",
            "email_key",
            name=op.f("uq_notification_recipient_emails_instance_id_notification_key_email_key"),
        ),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("name_key", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("subscription_required", sa.Boolean(), nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("subscriptions_limit", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_products_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint(
            "instance_id", "name_key", name=op.f("uq_products_instance_id_name_key")
        ),
    )
    op.create_table(
        "tenant_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("name_key", sa.String(length=32), nullable=False),
        sa.Column("principal_id", sa.String(length=100), nullable=False),
        sa.Column("primary_key", sa.Text(), nullable=False),
        sa.Column("secondary_key", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_tenant_access_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_access")),
        sa.UniqueConstraint(
            "instance_id", "name_key", name=op.f("uq_tenant_access_instance_id_name_key")
        ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("registration_date", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_users_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "instance_id", "email_key", name=op.f("uq_users_instance_id_email_key")
        ),
        sa.UniqueConstraint("instance_id", "name_key", name=op.f("uq_users_instance_id_name_key")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_members_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_group_members_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_members_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_recipient_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("notification_key", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_notification_recipient_users_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_recipient_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_recipient_users")),
        sa.UniqueConstraint(
            "instance_id",
            "notification_key",
            "user_id",
            name=op.f("uq_notification_recipient_users_instance_id_notification_key_user_id"),
        ),
    )
    with op.batch_alter_table("notification_recipient_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_recipient_users_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "one_time_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_one_time_links_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_links")),
        sa.UniqueConstraint("digest", name=op.f("uq_one_time_links_digest")),
    )
    with op.batch_alter_table("one_time_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_one_time_links_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index(
            "ix_one_time_links_user_purpose", ["user_id", "purpose"], unique=False
        )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("recipient_user_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("bcc", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("lease_until", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("sent_at", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_outbox_messages_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["users.id"],
            name=op.f("fk_outbox_messages_recipient_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_recipient_user_id"), ["recipient_user_id"], unique=False
        )

    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_portal_sessions_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_portal_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_portal_sessions_digest")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_portal_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "product_apis",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("api_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_id"], ["apis.id"], name=op.f("fk_product_apis_api_id_apis"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_product_apis_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_apis_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "api_id", name=op.f("pk_product_apis")),
    )
    with op.batch_alter_table("product_apis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_apis_api_id"), ["api_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_apis_instance_id"), ["instance_id"], unique=False
        )

    op.create_table(
        "product_groups",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("link_name", sa.String(length=80), nullable=False),
        sa.Column("link_key", sa.String(length=80), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_product_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_product_groups_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_groups_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "group_id", name=op.f("pk_product_groups")),
        sa.UniqueConstraint(
            "product_id", "link_key", name=op.f("uq_product_groups_product_id_link_key")
        ),
    )
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_groups_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_groups_instance_id"), ["instance_id"], unique=False
        )

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("name_key", sa.String(length=256), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=600), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("api_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_comment", sa.Text(), nullable=True),
        sa.Column("allow_tracing", sa.Boolean(), nullable=False),
        sa.Column("created_at", apidesk.storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("start_date", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("expiration_date", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("end_date", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("notification_date", apidesk.storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("primary_key", sa.Text(), nullable=False),
        sa.Column("secondary_key", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_id"], ["apis.id"], name=op.f("fk_subscriptions_api_id_apis"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_subscriptions_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_subscriptions_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_subscriptions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "instance_id", "name_key", name=op.f("uq_subscriptions_instance_id_name_key")
        ),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_api_id"), ["api_id"], unique=False)
        batch_op.create_index(
            "ix_subscriptions_owner_product", ["owner_id", "product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscriptions_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "subscription_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_subscription_keys_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_keys_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_keys")),
        sa.UniqueConstraint(
            "instance_id", "digest", name=op.f("uq_subscription_keys_instance_id_digest")
        ),
        sa.UniqueConstraint(
            "subscription_id", "slot", name=op.f("uq_subscription_keys_subscription_id_slot")
        ),
    )


def downgrade() -> None:
    op.drop_table("subscription_keys")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_product_id"))
        batch_op.drop_index("ix_subscriptions_owner_product")
        batch_op.drop_index(batch_op.f("ix_subscriptions_api_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_groups_instance_id"))
        batch_op.drop_index(batch_op.f("ix_product_groups_group_id"))

    op.drop_table("product_groups")
    with op.batch_alter_table("product_apis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_apis_instance_id"))
        batch_op.drop_index(batch_op.f("ix_product_apis_api_id"))

    op.drop_table("product_apis")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_portal_sessions_instance_id"))

    op.drop_table("portal_sessions")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient_user_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_instance_id"))
        batch_op.drop_index("ix_outbox_messages_due")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("one_time_links", schema=None) as batch_op:
        batch_op.drop_index("ix_one_time_links_user_purpose")
        batch_op.drop_index(batch_op.f("ix_one_time_links_instance_id"))

    op.drop_table("one_time_links")
    with op.batch_alter_table("notification_recipient_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_recipient_users_user_id"))

    op.drop_table("notification_recipient_users")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_members_instance_id"))

    op.drop_table("group_members")
    op.drop_table("users")
    op.drop_table("tenant_access")
    op.drop_table("products")
    op.drop_table("notification_recipient_emails")
    op.drop_table("groups")
    op.drop_table("email_templates")
    op.drop_table("apis")
    with op.batch_alter_table("admin_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_tokens_instance_id"))

    op.drop_table("admin_tokens")
    op.drop_table("system_values")
    op.drop_table("instances")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_instance_name"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
