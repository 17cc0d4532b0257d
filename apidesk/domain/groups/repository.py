"""Group queries, scoped to the instance in the context."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column
from apidesk.storage.models import Group, GroupMember, User
from apidesk.storage.paging import fetch_page

COLUMNS = {
    "name": Column(Group.name, FieldKind.TEXT),
    "displayName": Column(Group.display_name, FieldKind.TEXT),
    "description": Column(Group.description, FieldKind.TEXT),
    "externalId": Column(Group.external_id, FieldKind.TEXT),
}


def find(ctx: InstanceContext, group_id: str, *, lock: bool = False) -> Group | None:
    """The group; with `lock`, its row stays locked to the end of the unit (a change reads
    the latest version and waits for any other change of it)."""
    query = select(Group).where(
        Group.instance_id == ctx.instance.id, Group.name_key == group_id.lower()
    )
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def page(ctx: InstanceContext, query: ListQuery, *, member: User | None = None) -> Page[Group]:
    statement = select(Group).where(Group.instance_id == ctx.instance.id)
    if member is not None:
        statement = statement.where(
            exists().where(GroupMember.group_id == Group.id, GroupMember.user_id == member.id)
        )
    return fetch_page(ctx.session, statement, query, COLUMNS, order_by=Group.id)


def member_count(ctx: InstanceContext, group: Group) -> int:
    statement = select(func.count()).where(GroupMember.group_id == group.id)
    return int(ctx.session.scalar(statement) or 0)


def member_counts(ctx: InstanceContext) -> dict[str, int]:
    """How many members each group of the instance has, by group id, in one grouped query
    (counted on the membership table's primary key); groups without members are absent."""
    rows = ctx.session.execute(
        select(Group.name, func.count(GroupMember.user_id))
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(Group.instance_id == ctx.instance.id)
        .group_by(Group.id, Group.name)
    )
    return {name: count for name, count in rows}
