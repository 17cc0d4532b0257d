from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from apidesk.storage.models.base import Base, UTCDateTime


class AuditEvent(Base):
    """An append-only record of one change.

    It names its instance rather than pointing at it, so the record outlives the instance.
    """

    __tablename__ = "audit_events"
    # The console's audit log: an instance's events, newest first (migration 0011).
    __table_args__ = (Index("ix_audit_events_browse", "instance_name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_name: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(600))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
