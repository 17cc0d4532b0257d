"""User queries. Every one of them is scoped to the instance in the context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Integer, bindparam, exists, insert, or_, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.dialects import insert_for
from apidesk.storage.filtering import Column, spelled
from apidesk.storage.models import (
    RECORD_COLUMNS,
    SUMMARY_COLUMNS,
    Group,
    GroupMember,
    User,
    UserRecord,
    UserSummary,
    new_etag,
)
from apidesk.storage.models.user import new_stamp
from apidesk.storage.paging import Listing

_STATE = spelled("active", "blocked", "pending", "deleted")

COLUMNS = {
    # Ids and addresses compare on their keys, which the unique indexes hold.
    "name": Column(User.name, FieldKind.TEXT, key=User.name_key, unique=True),
    "firstName": Column(User.first_name, FieldKind.TEXT),
    "lastName": Column(User.last_name, FieldKind.TEXT),
    "email": Column(
        User.email, FieldKind.TEXT, key=User.email_key, fold=validation.email_key, unique=True
    ),
    "state": Column(User.state, FieldKind.ENUM, key=User.state, fold=_STATE),
    "registrationDate": Column(
        User.registration_date,
        FieldKind.DATETIME,
        indexed=True,  # ix_users_browse_registered
    ),
    "note": Column(User.note, FieldKind.TEXT),
}


# Built once (the hottest lookups of the management path; see admin_tokens._BY_DIGEST).
_BY_ID = select(User).where(
    User.instance_id == bindparam("instance"), User.name_key == bindparam("key")
)
_BY_ID_LOCKED = _BY_ID.with_for_update()


_RECORD_BY_ID = select(*RECORD_COLUMNS).where(
    User.instance_id == bindparam("instance"), User.name_key == bindparam("key")
)


_RECORD_BY_ID_LOCKED = _RECORD_BY_ID.with_for_update()


def record(ctx: InstanceContext, user_id: str, *, lock: bool = False) -> UserRecord | None:
    """The user as a row to show or change, without building an entity for it: a GET's read,
    and (with `lock`, as `find`) the read of a change that needs no more than the row."""
    values = {"instance": ctx.instance.id, "key": user_id.lower()}
    statement = _RECORD_BY_ID_LOCKED if lock else _RECORD_BY_ID
    found = ctx.session.connection().execute(statement, values).first()
    return cast("UserRecord | None", found)


def find(ctx: InstanceContext, user_id: str, *, lock: bool = False) -> User | None:
    """The user, if there is one; with `lock`, its row stays locked to the end of the unit."""
    values = {"instance": ctx.instance.id, "key": user_id.lower()}
    return ctx.session.scalars(_BY_ID_LOCKED if lock else _BY_ID, values).first()


# The hot writes go through the connection: the ORM's flush of one changed row costs several
# times what the database takes to run its UPDATE (issue 12, the management path).
_UPDATE_LOCKED = update(User).where(User.id == bindparam("b_id"), User.etag == bindparam("b_etag"))
# What a create writes, every column but the id, as parameters of that name.
_NEW_ROW = {
    column.key: bindparam(column.key, type_=column.type)
    for column in User.__table__.columns
    if column.key != "id"
}
_INSERT = insert(User).values(_NEW_ROW).returning(User.id, User.name)
# A new user joins a group named by its key in one statement (the group's id read with it).
_JOIN_BY_KEY = (
    insert(GroupMember)
    .from_select(
        ["group_id", "user_id", "instance_id"],
        select(
            Group.id,
            bindparam("user", type_=Integer),
            bindparam("instance", type_=Integer),
        ).where(Group.instance_id == bindparam("instance"), Group.name_key == bindparam("key")),
    )
    .returning(GroupMember.group_id)
)


@cache
def _insert_if_new(dialect: str) -> Any:
    """For a create that does not know yet whether the user exists: an insert that does
    nothing when the id or the e-mail address is taken (each has a unique index), telling by
    its RETURNING."""
    statement = insert_for(dialect)(User).values(_NEW_ROW).on_conflict_do_nothing()
    return statement.returning(User.id, User.name)


def add(ctx: InstanceContext, values: Mapping[str, Any], event: audit.Event) -> User:
    """A new user of the instance from `values` (every column but the id, stamp and ETag),
    inserted at once with `event` recorded (as `changed` records it); the entity returned
    belongs to the unit of work as if it had been read."""
    return cast(User, _add(ctx, _INSERT, values, event))


def add_if_new(ctx: InstanceContext, values: Mapping[str, Any], event: audit.Event) -> User | None:
    """`add`, unless the instance has a user with that id or e-mail address already: then
    None, and nothing is written or recorded."""
    dialect = ctx.session.connection().dialect.name
    return _add(ctx, _insert_if_new(dialect), values, event)


def _add(
    ctx: InstanceContext, statement: Any, values: Mapping[str, Any], event: audit.Event
) -> User | None:
    row = {**values, "instance_id": ctx.instance.id, "stamp": new_stamp(), "etag": new_etag()}
    written = _write_recording(ctx, statement, row, event)
    return None if written is None else _held(ctx, written.id, row)


def _write_recording(
    ctx: InstanceContext, statement: Any, params: Mapping[str, Any], event: audit.Event
) -> Any:
    """The first row `statement` (a write returning `id` and `name`) returns, with `event`
    recorded for it: in the same statement on PostgreSQL (`audit.riding`: one round trip
    fewer, which on a hot row is one fewer inside its lock), by a statement after it on
    SQLite, whose statements cost no round trip. None, with nothing recorded, when the
    statement writes nothing."""
    connection = ctx.session.connection()
    if connection.dialect.name == "postgresql":
        return connection.execute(audit.riding(statement), {**params, **event.params(ctx)}).first()
    written = connection.execute(statement, params).first()
    if written is not None:
        event.record(ctx, written.name)
    return written


def _held(ctx: InstanceContext, user_id: int, row: Mapping[str, Any]) -> User:
    user = User(id=user_id, **row)
    make_transient_to_detached(user)
    ctx.session.add(user)
    return user


def write_fields(
    ctx: InstanceContext, user: UserRecord, values: Mapping[str, Any]
) -> UserRecord | None:
    """Store `values` (attribute names that are column names) and a new ETag on the user read
    as `user` (a row of RECORD_COLUMNS), whose row this unit of work holds locked, in one
    UPDATE; an entity of the user this unit holds shows the change too. The user as it is
    now, or None, and nothing stored, if its ETag is no longer the one read."""
    etag = new_etag()
    params = {**values, "etag": etag, "b_id": user.id, "b_etag": user.etag}
    if ctx.session.connection().execute(_UPDATE_LOCKED, params).rowcount != 1:
        return None
    _keep_in_step(ctx, user.id, {**values, "etag": etag})
    now = {column.key: getattr(user, column.key) for column in RECORD_COLUMNS}
    return cast(UserRecord, SimpleNamespace(**{**now, **values, "etag": etag}))


# Columns that SQL compares as Python does, so that an UPDATE can tell by itself whether it
# changes anything (JSON, as identities are stored, has no such comparison on PostgreSQL).
COMPARED_IN_SQL = frozenset({"first_name", "last_name", "note"})


@cache
def _update_if_changed(names: tuple[str, ...], any_etag: bool) -> Any:
    """The UPDATE of `changed`: the columns `names` and a new ETag, when one of them differs
    and the ETag is the one given (or any), returning the row as it is after."""
    differs = or_(*(getattr(User, name).is_distinct_from(bindparam(f"v_{name}")) for name in names))
    conditions = [User.instance_id == bindparam("instance"), User.name_key == bindparam("key")]
    if not any_etag:
        conditions.append(User.etag == bindparam("b_etag"))
    values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in names}
    return (
        update(User)
        .where(*conditions, differs)
        .values(**values, etag=bindparam("v_etag"))
        .returning(*RECORD_COLUMNS)
    )


def changed(
    ctx: InstanceContext,
    user_id: str,
    values: Mapping[str, Any],
    expected_etag: str,
    event: audit.Event,
) -> UserRecord | None:
    """Store `values` (of COMPARED_IN_SQL) and a new ETag on the user, in one UPDATE that
    also checks the ETag (`*`: any) and that something changes, locking the row to the end of
    the unit, and record `event` for it (`_write_recording`). The user as it is now; None,
    with nothing stored or recorded, when there is no such user, the ETag differs or nothing
    would change (a locked `record` tells which)."""
    names = tuple(sorted(values))
    params = {f"v_{name}": value for name, value in values.items()}
    params.update(
        instance=ctx.instance.id, key=user_id.lower(), b_etag=expected_etag, v_etag=new_etag()
    )
    statement = _update_if_changed(names, expected_etag == "*")
    user = cast("UserRecord | None", _write_recording(ctx, statement, params, event))
    if user is not None:
        _keep_in_step(ctx, user.id, {name: getattr(user, name) for name in (*names, "etag")})
    return user


def _keep_in_step(ctx: InstanceContext, user_id: int, stored: Mapping[str, Any]) -> None:
    """An entity of the user that this unit holds shows what was just stored through the row."""
    held = ctx.session.identity_map.get(identity_key(User, user_id))
    if held is not None:
        for name, value in stored.items():
            set_committed_value(held, name, value)


def join_group(ctx: InstanceContext, group_key: str, user_id: int) -> bool:
    """`user_id` joins the instance's group keyed `group_key`, written at once (a new user's
    first group); False when there is no such group."""
    values = {"key": group_key, "user": user_id, "instance": ctx.instance.id}
    return ctx.session.connection().execute(_JOIN_BY_KEY, values).first() is not None


_BY_EMAIL = select(User).where(
    User.instance_id == bindparam("instance"), User.email_key == bindparam("key")
)


class Credentials(UserRecord, Protocol):
    """A user's row as a sign-in judges it: the record, and the password it has."""

    @property
    def password_hash(self) -> str | None: ...

    @property
    def password_changed_at(self) -> datetime | None: ...


_CREDENTIALS = (*RECORD_COLUMNS, User.password_hash, User.password_changed_at)
_CREDENTIALS_BY_EMAIL = select(*_CREDENTIALS).where(
    User.instance_id == bindparam("instance"), User.email_key == bindparam("key")
)
_CREDENTIALS_BY_ID_LOCKED = (
    select(*_CREDENTIALS)
    .where(User.instance_id == bindparam("instance"), User.name_key == bindparam("key"))
    .with_for_update()
)


def credentials_by_email(ctx: InstanceContext, email_key: str) -> Credentials | None:
    """The user with that address key, as a row to check a password against (every portal
    sign-in looks one up)."""
    values = {"instance": ctx.instance.id, "key": email_key}
    found = ctx.session.connection().execute(_CREDENTIALS_BY_EMAIL, values).first()
    return cast("Credentials | None", found)


def credentials(ctx: InstanceContext, user_id: str) -> Credentials | None:
    """The user as a row to judge a sign-in by, its row locked to the end of the unit; a
    change goes through `write_fields`."""
    values = {"instance": ctx.instance.id, "key": user_id.lower()}
    found = ctx.session.connection().execute(_CREDENTIALS_BY_ID_LOCKED, values).first()
    return cast("Credentials | None", found)


def find_by_email(ctx: InstanceContext, email_key: str) -> User | None:
    """The user with that address key (every portal sign-in looks one up)."""
    return ctx.session.scalars(_BY_EMAIL, {"instance": ctx.instance.id, "key": email_key}).first()


_EMAIL_TAKEN = select(
    exists().where(User.instance_id == bindparam("instance"), User.email_key == bindparam("key"))
)
_EMAIL_TAKEN_BY_OTHER = select(
    exists().where(
        User.instance_id == bindparam("instance"),
        User.email_key == bindparam("key"),
        User.id != bindparam("other"),
    )
)


def email_taken(ctx: InstanceContext, email_key: str, *, except_id: int | None = None) -> bool:
    values: dict[str, object] = {"instance": ctx.instance.id, "key": email_key}
    if except_id is None:
        return bool(ctx.session.scalar(_EMAIL_TAKEN, values))
    return bool(ctx.session.scalar(_EMAIL_TAKEN_BY_OTHER, {**values, "other": except_id}))


# The lists, built once (see Listing): the instance and the group are parameters.
_LIST = Listing(
    select(*SUMMARY_COLUMNS).where(User.instance_id == bindparam("instance")),
    COLUMNS,
    order_by=User.id,
)
# A group's members walk the primary key of group_members, (group, user): in user order, so
# a page reads only its own rows however large the instance.
_MEMBERS = Listing(
    select(*SUMMARY_COLUMNS)
    .where(User.instance_id == bindparam("instance"))
    .join(
        GroupMember,
        (GroupMember.user_id == User.id) & (GroupMember.group_id == bindparam("group")),
    ),
    COLUMNS,
    order_by=GroupMember.user_id,
)


def page(
    ctx: InstanceContext, query: ListQuery, *, group: Group | None = None
) -> Page[UserSummary]:
    """A page of users as rows of `SUMMARY_COLUMNS`, in that order."""
    if group is None:
        found = _LIST.page(ctx.session, query, {"instance": ctx.instance.id})
    else:
        values = {"instance": ctx.instance.id, "group": group.id}
        found = _MEMBERS.page(ctx.session, query, values)
    return cast(Page[UserSummary], found)


# Built once, as the lists: the users' ids are one expanding parameter.
_GROUPS_OF = (
    select(GroupMember.user_id, Group)
    .join(Group, Group.id == GroupMember.group_id)
    .where(
        GroupMember.instance_id == bindparam("instance"),
        GroupMember.user_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Group.id)
)


def groups_of(ctx: InstanceContext, users: Iterable[UserSummary]) -> dict[int, list[Group]]:
    ids = [user.id for user in users]
    result: dict[int, list[Group]] = defaultdict(list)
    if not ids:
        return result
    rows = ctx.session.execute(_GROUPS_OF, {"instance": ctx.instance.id, "ids": ids}).all()
    for user_id, group in rows:
        result[user_id].append(group)
    return result
