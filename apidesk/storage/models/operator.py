"""Operators: the people who run the deployment and sign in to the admin console. They are
deployment-level accounts, kept apart from the developer accounts of the instances."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime


class Operator(Base):
    """An operator of every instance (`instance_id` empty) or of one instance."""

    __tablename__ = "operators"
    __table_args__ = (UniqueConstraint("email_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The address as compared: two spellings of one address are one operator.
    email_key: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(400))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OperatorLink(Base):
    """A one-time link where an operator sets a password (only its digest is kept)."""

    __tablename__ = "operator_links"
    __table_args__ = (UniqueConstraint("digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OperatorSession(Base):
    """A signed-in console session; the cookie holds the token, the table its digest."""

    __tablename__ = "operator_sessions"
    __table_args__ = (UniqueConstraint("digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OperatorThrottle(Base):
    """Failed console sign-ins per address, and how long the address is held back. Apart
    from `throttles`, whose counters each belong to an instance."""

    __tablename__ = "operator_throttles"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(254))
    count: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
