"""What one batch of an import needs to know about the users it touches, loaded with a few
set-wise queries instead of one per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from apidesk.domain.context import InstanceContext
from apidesk.storage import bulk
from apidesk.storage.models import Group, GroupMember, User

_USERS = User.__table__.c


@dataclass(slots=True)
class Current:
    """A user as the batch sees it, changed in place as rows apply; `pk` is None until a
    new user is inserted."""

    pk: int | None
    name: str
    name_key: str
    email: str
    email_key: str
    first_name: str
    last_name: str
    state: str
    note: str | None
    identities: list[Any]
    password_hash: str | None
    password_changed_at: datetime | None
    registration_date: datetime
    groups: set[int] = field(default_factory=set)
    new_groups: set[int] = field(default_factory=set)
    changed: bool = False
    loaded_email_key: str = ""
    # The state and password hash as loaded: what tells a block or a new password, whose
    # consequences (sessions ended, links voided) the write applies.
    loaded: tuple[str, str | None] | None = None

    def __post_init__(self) -> None:
        self.loaded_email_key = self.loaded_email_key or self.email_key
        if self.loaded is None:
            self.loaded = (self.state, self.password_hash)

    @property
    def proofs_lapsed(self) -> bool:
        """Whether this change ends the user's sessions and voids their open links: a new
        password, a new mailbox, a block (`apidesk.domain.users.credentials`)."""
        state, password_hash = self.loaded or (self.state, self.password_hash)
        return (
            self.password_hash != password_hash
            or self.email_key != self.loaded_email_key
            or (self.state == "blocked" and state != "blocked")
        )


@dataclass
class Known:
    """Users by lowercased id, and who holds each e-mail key."""

    users: dict[str, Current] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def add(self, user: Current) -> None:
        self.users[user.name_key] = user
        self.owners[user.email_key] = user.name_key

    def holder(self, email_key: str) -> Current | None:
        key = self.owners.get(email_key)
        return self.users.get(key) if key is not None else None


@dataclass
class Overlay:
    """A dry run writes nothing, so later batches see the earlier ones' would-be changes
    here instead of in the database. `owners` maps a released address to None."""

    users: dict[str, Current] = field(default_factory=dict)
    owners: dict[str, str | None] = field(default_factory=dict)

    def remember(self, known: Known, released: Iterable[str]) -> None:
        for key in released:
            self.owners[key] = known.owners.get(key)
        for user in known.users.values():
            if user.changed or user.pk is None:
                self.users[user.name_key] = user
                self.owners[user.email_key] = user.name_key


@dataclass(frozen=True)
class GroupInfo:
    pk: int
    name: str
    built_in: bool


def groups(ctx: InstanceContext) -> dict[str, GroupInfo]:
    rows = ctx.session.execute(
        select(Group.id, Group.name, Group.name_key, Group.built_in).where(
            Group.instance_id == ctx.instance.id
        )
    )
    return {key: GroupInfo(pk, name, bool(built)) for pk, name, key, built in rows}


def ids_of(ctx: InstanceContext, name_keys: list[str]) -> dict[str, int]:
    """The primary keys of users just inserted, by lowercased id."""
    found: dict[str, int] = {}
    rows = ctx.session.execute(
        select(_USERS.name_key, _USERS.id).where(
            _USERS.instance_id == ctx.instance.id,
            bulk.one_of(ctx.session, _USERS.name_key, name_keys),
        )
    )
    found.update({key: pk for key, pk in rows})
    return found


def load(
    ctx: InstanceContext, id_keys: set[str], email_keys: set[str], overlay: Overlay | None
) -> Known:
    known = Known()
    columns = (
        _USERS.id,
        _USERS.name,
        _USERS.name_key,
        _USERS.email,
        _USERS.email_key,
        _USERS.first_name,
        _USERS.last_name,
        _USERS.state,
        _USERS.note,
        _USERS.identities,
        _USERS.password_hash,
        _USERS.password_changed_at,
        _USERS.registration_date,
    )
    scoped = select(*columns).where(_USERS.instance_id == ctx.instance.id)
    for column, keys in ((_USERS.name_key, id_keys), (_USERS.email_key, email_keys)):
        if not keys:
            continue
        for row in ctx.session.execute(scoped.where(bulk.one_of(ctx.session, column, list(keys)))):
            if row.name_key not in known.users:
                known.add(Current(*row))  # type: ignore[call-arg]
    by_pk = {user.pk: user for user in known.users.values()}
    if by_pk:
        memberships = select(GroupMember.user_id, GroupMember.group_id).where(
            bulk.one_of(ctx.session, GroupMember.user_id, list(by_pk))
        )
        for user_pk, group_pk in ctx.session.execute(memberships):
            by_pk[user_pk].groups.add(group_pk)
    if overlay is not None:
        _lay_over(known, overlay, id_keys, email_keys)
    return known


def _lay_over(known: Known, overlay: Overlay, id_keys: set[str], email_keys: set[str]) -> None:
    for key in id_keys | set(known.users):
        if key in overlay.users:
            known.users[key] = overlay.users[key]
    for key in email_keys:
        if key in overlay.owners:
            holder = overlay.owners[key]
            if holder is None:
                known.owners.pop(key, None)
            else:
                known.owners[key] = holder
                known.users.setdefault(holder, overlay.users[holder])
    # An address the database gives to a user whose simulated self moved on is free.
    known.owners = {
        key: holder
        for key, holder in known.owners.items()
        if holder in known.users and known.users[holder].email_key == key
    }
    for user in known.users.values():
        known.owners.setdefault(user.email_key, user.name_key)
