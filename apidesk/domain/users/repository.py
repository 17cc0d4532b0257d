"""User queries. Every one of them is scoped to the instance in the context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, exists, select

from apidesk.domain import validation
from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column, spelled
from apidesk.storage.models import SUMMARY_COLUMNS, Group, GroupMember, User, UserSummary
from apidesk.storage.paging import fetch_page

_STATE = spelled("active", "blocked", "pending", "deleted")

COLUMNS = {
    # Ids and addresses compare on their keys, which the unique indexes hold.
    "name": Column(User.name, FieldKind.TEXT, key=User.name_key),
    "firstName": Column(User.first_name, FieldKind.TEXT),
    "lastName": Column(User.last_name, FieldKind.TEXT),
    "email": Column(User.email, FieldKind.TEXT, key=User.email_key, fold=validation.email_key),
    "state": Column(User.state, FieldKind.ENUM, key=User.state, fold=_STATE),
    "registrationDate": Column(User.registration_date, FieldKind.DATETIME),
    "note": Column(User.note, FieldKind.TEXT),
}


# Built once (the hottest lookups of the management path; see admin_tokens._BY_DIGEST).
_BY_ID = select(User).where(
    User.instance_id == bindparam("instance"), User.name_key == bindparam("key")
)
_BY_ID_LOCKED = _BY_ID.with_for_update()


def find(ctx: InstanceContext, user_id: str, *, lock: bool = False) -> User | None:
    """The user, if there is one; with `lock`, its row stays locked to the end of the unit."""
    values = {"instance": ctx.instance.id, "key": user_id.lower()}
    return ctx.session.scalars(_BY_ID_LOCKED if lock else _BY_ID, values).first()


def find_by_email(ctx: InstanceContext, email_key: str) -> User | None:
    return ctx.session.scalars(
        select(User).where(User.instance_id == ctx.instance.id, User.email_key == email_key)
    ).first()


def email_taken(ctx: InstanceContext, email_key: str, *, except_id: int | None = None) -> bool:
    condition = (User.instance_id == ctx.instance.id) & (User.email_key == email_key)
    if except_id is not None:
        condition = condition & (User.id != except_id)
    return bool(ctx.session.scalar(select(exists().where(condition))))


def page(
    ctx: InstanceContext, query: ListQuery, *, group: Group | None = None
) -> Page[UserSummary]:
    statement = select(*SUMMARY_COLUMNS).where(User.instance_id == ctx.instance.id)
    if group is None:
        return fetch_page(ctx.session, statement, query, COLUMNS, order_by=User.id, plain=True)
    # Walk the group's members in the primary key of group_members, (group, user): in user
    # order, so a page reads only its own rows however large the instance.
    statement = statement.join(
        GroupMember, (GroupMember.user_id == User.id) & (GroupMember.group_id == group.id)
    )
    return fetch_page(
        ctx.session, statement, query, COLUMNS, order_by=GroupMember.user_id, plain=True
    )


def groups_of(ctx: InstanceContext, users: Iterable[UserSummary]) -> dict[int, list[Group]]:
    ids = [user.id for user in users]
    result: dict[int, list[Group]] = defaultdict(list)
    if not ids:
        return result
    rows = ctx.session.execute(
        select(GroupMember.user_id, Group)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.instance_id == ctx.instance.id, GroupMember.user_id.in_(ids))
        .order_by(Group.id)
    ).all()
    for user_id, group in rows:
        result[user_id].append(group)
    return result
