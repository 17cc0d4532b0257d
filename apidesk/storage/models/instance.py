from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from apidesk.storage.models.base import Base, UTCDateTime, new_etag


class Instance(Base):
    """One APIM service instance: everything else belongs to exactly one of these."""

    __tablename__ = "instances"
    __table_args__ = (UniqueConstraint("name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(50))
    subscription_id: Mapped[str] = mapped_column(String(36))
    resource_group: Mapped[str] = mapped_column(String(90))
    location: Mapped[str] = mapped_column(String(100))
    sku_name: Mapped[str] = mapped_column(String(50))
    sku_capacity: Mapped[int] = mapped_column(Integer)
    publisher_email: Mapped[str] = mapped_column(String(254))
    publisher_name: Mapped[str] = mapped_column(String(100))
    notification_sender_email: Mapped[str | None] = mapped_column(String(254))
    portal_url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # ARM's systemData. Who is the actor of the change (`token:<name>`, `sas:<id>`,
    # `cli:<login>`, `system`); rows older than these columns have no creator on record.
    created_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}
