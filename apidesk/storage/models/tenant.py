from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, new_etag


class TenantAccess(Base):
    """The `access` and `gitAccess` key pairs of an instance; keys are encrypted at rest."""

    __tablename__ = "tenant_access"
    __table_args__ = (UniqueConstraint("instance_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    name_key: Mapped[str] = mapped_column(String(32))
    principal_id: Mapped[str] = mapped_column(String(100))
    primary_key: Mapped[str] = mapped_column(Text)
    secondary_key: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}
