from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, new_etag


class Api(Base):
    """An API as far as the key check needs it: where it lives and how keys reach it."""

    __tablename__ = "apis"
    __table_args__ = (
        UniqueConstraint("instance_id", "name_key"),
        UniqueConstraint("instance_id", "path_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    name_key: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(400))
    path_key: Mapped[str] = mapped_column(String(400))
    service_url: Mapped[str | None] = mapped_column(String(2000))
    protocols: Mapped[list[Any]] = mapped_column(default=list)
    subscription_required: Mapped[bool] = mapped_column(Boolean)
    header_name: Mapped[str] = mapped_column(String(100))
    query_name: Mapped[str] = mapped_column(String(100))
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}
