from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance, user  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime


class OutboxMessage(Base):
    """A rendered e-mail waiting to be sent, written in the same transaction as the change that
    caused it. Bodies may hold one-time links, so they are stored encrypted."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # The console's Outbox page: newest first, all or in one status (migration 0011).
        Index("ix_outbox_messages_browse", "instance_id", "id"),
        Index("ix_outbox_messages_browse_status", "instance_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(100))
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    sender: Mapped[str] = mapped_column(String(254))
    sender_name: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(254))
    bcc: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(String(1000))
    html_body: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
