from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime


class AdminToken(Base):
    """A management API credential. Only the SHA-256 digest of the token is kept."""

    __tablename__ = "admin_tokens"
    __table_args__ = (UniqueConstraint("name"), UniqueConstraint("digest"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
