from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import api, instance, product, user  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime, new_etag, postgresql_index


class Subscription(Base):
    """A subscription and its two keys, encrypted; `SubscriptionKey` indexes their digests."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("instance_id", "name_key"),
        Index("ix_subscriptions_owner_product", "owner_id", "product_id"),
        # The console's pages (migration 0010) and a user's subscriptions (0011).
        Index("ix_subscriptions_browse", "instance_id", "id"),
        Index("ix_subscriptions_browse_state", "instance_id", "state", "id"),
        Index("ix_subscriptions_browse_product", "product_id", "id"),
        Index("ix_subscriptions_browse_owner", "instance_id", "owner_id", "id"),
        # `startswith` on ids, on PostgreSQL (0011; see apidesk.storage.filtering).
        postgresql_index(
            "ix_subscriptions_name_prefix",
            "instance_id",
            "name_key",
            ops={"name_key": "varchar_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    name_key: Mapped[str] = mapped_column(String(256))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The scope as a short path: /products/{p}, /apis, /apis/{a}, or / for all-access.
    scope: Mapped[str] = mapped_column(String(600))
    # Looked up and cascaded through ix_subscriptions_browse_product (migration 0012).
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    api_id: Mapped[int | None] = mapped_column(
        ForeignKey("apis.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    state_comment: Mapped[str | None] = mapped_column(Text)
    allow_tracing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiration_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notification_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    primary_key: Mapped[str] = mapped_column(Text)
    secondary_key: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}


class SubscriptionKey(Base):
    """The keyed digest of one subscription key: what the gateway check looks up."""

    __tablename__ = "subscription_keys"
    __table_args__ = (
        UniqueConstraint("instance_id", "digest"),
        UniqueConstraint("subscription_id", "slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))


class SubscriptionSummary(Protocol):
    """What the API shows of a subscription besides its owner's name. Lists read these
    columns as plain rows (a `Subscription` has them too), and only the owners' names: an ORM
    entity per row, and one per owner, cost more than the queries that found them."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def owner_id(self) -> int | None: ...
    @property
    def scope(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def state_comment(self) -> str | None: ...
    @property
    def allow_tracing(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def start_date(self) -> datetime | None: ...
    @property
    def expiration_date(self) -> datetime | None: ...
    @property
    def end_date(self) -> datetime | None: ...
    @property
    def notification_date(self) -> datetime | None: ...


SUMMARY_COLUMNS = (
    Subscription.id,
    Subscription.name,
    Subscription.owner_id,
    Subscription.scope,
    Subscription.display_name,
    Subscription.state,
    Subscription.state_comment,
    Subscription.allow_tracing,
    Subscription.created_at,
    Subscription.start_date,
    Subscription.expiration_date,
    Subscription.end_date,
    Subscription.notification_date,
)
