from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance, user  # noqa: F401
from apidesk.storage.models.base import Base, new_etag


class EmailTemplate(Base):
    """A customized e-mail template. A template without a row is the built-in default."""

    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("instance_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    parameters: Mapped[list[Any]] = mapped_column(default=list)
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}


class NotificationRecipientUser(Base):
    __tablename__ = "notification_recipient_users"
    __table_args__ = (UniqueConstraint("instance_id", "notification_key", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    notification_key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class NotificationRecipientEmail(Base):
    __tablename__ = "notification_recipient_emails"
    __table_args__ = (UniqueConstraint("instance_id", "notification_key", "email_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    notification_key: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
