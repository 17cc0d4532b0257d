"""Exporting users: every user a filter selects, in id order, page by page.

Pages are read by keyset (`id > last`), not by offset, so each page costs the same however
deep the export is, and memory holds one page whatever the number of users. The fields are
those an import reads, so an export imports again as the same users.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.users.repository import COLUMNS
from apidesk.query import Filter
from apidesk.storage import bulk
from apidesk.storage.filtering import compile_filter
from apidesk.storage.models import Group, GroupMember, User

PAGE = 1000
_USERS = User.__table__.c


@dataclass(frozen=True)
class Exported:
    id: str
    email: str
    first_name: str
    last_name: str
    state: str
    note: str | None
    registration_date: datetime
    groups: list[str]
    password_hash: str | None


def _condition(ctx: InstanceContext, node: Filter | None) -> ColumnElement[bool]:
    condition = _USERS.instance_id == ctx.instance.id
    if node is not None:
        condition = condition & compile_filter(node, COLUMNS)
    return condition


def snapshot(ctx: Context) -> None:
    """Read the whole export from one snapshot of the database. Call first in the unit."""
    bulk.snapshot(ctx.session)


def count(ctx: InstanceContext, node: Filter | None) -> int:
    statement = select(func.count()).select_from(User).where(_condition(ctx, node))
    return int(ctx.session.scalar(statement) or 0)


def stream(
    ctx: InstanceContext,
    node: Filter | None,
    *,
    with_password_hashes: bool = False,
    page: int = PAGE,
) -> Iterator[Exported]:
    """The users `node` selects (all of them without one), with their groups."""
    columns = [
        _USERS.id,
        _USERS.name,
        _USERS.email,
        _USERS.first_name,
        _USERS.last_name,
        _USERS.state,
        _USERS.note,
        _USERS.registration_date,
        _USERS.password_hash,
    ]
    condition = _condition(ctx, node)
    last = 0
    while True:
        rows = ctx.session.execute(
            select(*columns).where(condition, _USERS.id > last).order_by(_USERS.id).limit(page)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        groups = _groups(ctx, [row.id for row in rows])
        for row in rows:
            yield Exported(
                id=row.name,
                email=row.email,
                first_name=row.first_name,
                last_name=row.last_name,
                state=row.state,
                note=row.note,
                registration_date=row.registration_date,
                groups=groups.get(row.id, []),
                password_hash=row.password_hash if with_password_hashes else None,
            )
        if len(rows) < page:
            return


def _groups(ctx: InstanceContext, user_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    rows = ctx.session.execute(
        select(GroupMember.user_id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.instance_id == ctx.instance.id, GroupMember.user_id.in_(user_ids))
        .order_by(GroupMember.user_id, Group.id)
    )
    for user_id, name in rows:
        result[user_id].append(name)
    return result
