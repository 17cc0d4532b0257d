from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime


class UserImport(Base):
    """How far the import of one file has come. It is updated in the transaction of each
    batch it records, so after a crash it names exactly the last line whose batch is in the
    database, and the import goes on from the line after it."""

    __tablename__ = "user_imports"
    __table_args__ = (UniqueConstraint("instance_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    # SHA-256 of the file's bytes: the same file is the same import, whatever its name.
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    # What was asked (match, invite, rate): a resumed import must ask the same.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    last_line: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    # When the next invitation of this import may go out: invitations are spread at the
    # chosen rate across batches and across a resume.
    invite_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
