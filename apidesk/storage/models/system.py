from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from apidesk.storage.models.base import Base


class SystemValue(Base):
    """Deployment-wide facts, such as the fingerprint of the secret key in use."""

    __tablename__ = "system_values"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
