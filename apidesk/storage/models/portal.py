from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, new_etag


class PortalSetting(Base):
    """One of an instance's developer-portal settings (`signin`, `signup`, `delegation`).

    `values` holds the setting's wire-neutral fields; the delegation's validation key is kept
    apart, encrypted at rest, because it is a secret that is never shown except on request.
    """

    __tablename__ = "portal_settings"
    __table_args__ = (UniqueConstraint("instance_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    validation_key: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}
