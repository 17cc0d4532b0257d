from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import api, group, instance  # noqa: F401
from apidesk.storage.models.base import Base, new_etag


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("instance_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    name_key: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(Text)
    subscription_required: Mapped[bool] = mapped_column(Boolean)
    approval_required: Mapped[bool] = mapped_column(Boolean)
    subscriptions_limit: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}


class ProductGroup(Base):
    """A group that may see a product. The `groups` and `groupLinks` routes both show it."""

    __tablename__ = "product_groups"
    __table_args__ = (UniqueConstraint("product_id", "link_key"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    link_name: Mapped[str] = mapped_column(String(80))
    link_key: Mapped[str] = mapped_column(String(80))
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}


class ProductApi(Base):
    """An API that is part of a product. The `apis` and `apiLinks` routes both show it."""

    __tablename__ = "product_apis"
    __table_args__ = (UniqueConstraint("product_id", "link_key"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    api_id: Mapped[int] = mapped_column(
        ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    link_name: Mapped[str] = mapped_column(String(80))
    link_key: Mapped[str] = mapped_column(String(80))
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}
