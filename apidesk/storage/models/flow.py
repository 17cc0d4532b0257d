from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance, user  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime


class OneTimeLink(Base):
    """A link e-mailed to a user (invitation, password reset, e-mail confirmation).

    Only the SHA-256 digest of its 256-bit token is stored. It works once, until it expires;
    `closed_at` records when it was used or replaced by a newer link, and `outcome` which.
    """

    __tablename__ = "one_time_links"
    __table_args__ = (
        UniqueConstraint("digest"),
        Index("ix_one_time_links_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PortalSession(Base):
    """A signed-in developer-portal session; the cookie holds the token, the table its digest."""

    __tablename__ = "portal_sessions"
    __table_args__ = (UniqueConstraint("digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Throttle(Base):
    """Counts attempts at something that must not be tried too often (failed sign-ins,
    password-reset requests) per instance and key, and how long the key is held back."""

    __tablename__ = "throttles"
    __table_args__ = (
        UniqueConstraint("instance_id", "kind", "key"),
        # Finds the counters that have lapsed, to clear them out.
        Index("ix_throttles_instance_window", "instance_id", "window_started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up and cascaded through the indexes above, which lead with it (migration 0012).
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(254))
    count: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
