from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables its foreign keys name: loaded with it, so that a flush can order the writes.
from apidesk.storage.models import instance  # noqa: F401
from apidesk.storage.models.base import Base, UTCDateTime, new_etag, postgresql_index


def new_stamp() -> str:
    return secrets.token_hex(16)


class User(Base):
    """A developer account. `stamp` is random and made with the account: tokens signed for
    the user include it, so a token of a deleted user never speaks for a later account that
    happens to reuse the id."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("instance_id", "name_key"),
        UniqueConstraint("instance_id", "email_key"),
        # The API's lists walk users in id order (migration 0011); the console's Users page
        # walks the others a page at a time (keyset paging).
        Index("ix_users_browse", "instance_id", "id"),
        Index("ix_users_browse_registered", "instance_id", "registration_date", "id"),
        Index("ix_users_browse_first_name", "instance_id", "first_name", "id"),
        Index("ix_users_browse_state", "instance_id", "state", "id"),
        Index(
            "ix_users_browse_state_registered", "instance_id", "state", "registration_date", "id"
        ),
        # `startswith` on ids and addresses, on PostgreSQL (migration 0011; SQLite answers it
        # from the unique keys above by a range, see apidesk.storage.filtering).
        postgresql_index(
            "ix_users_name_prefix",
            "instance_id",
            "name_key",
            ops={"name_key": "varchar_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
        postgresql_index(
            "ix_users_email_prefix",
            "instance_id",
            "email_key",
            ops={"email_key": "varchar_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    identities: Mapped[list[Any]] = mapped_column(default=list)
    registration_date: Mapped[datetime] = mapped_column(UTCDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    etag: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": etag, "version_id_generator": new_etag}


class UserSummary(Protocol):
    """What a list shows of a user. Lists read these columns as plain rows (a `User` has them
    too): building an ORM entity per row cost more than the query that found it."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def identities(self) -> list[Any]: ...
    @property
    def registration_date(self) -> datetime: ...


SUMMARY_COLUMNS = (
    User.id,
    User.name,
    User.email,
    User.first_name,
    User.last_name,
    User.state,
    User.note,
    User.identities,
    User.registration_date,
)


class UserRecord(UserSummary, Protocol):
    """What a read of one user shows: its summary and entity tag, as a plain row."""

    @property
    def etag(self) -> str: ...


RECORD_COLUMNS = (*SUMMARY_COLUMNS, User.etag)
