"""Browsing the users of an instance page by page, as the console's Users page does: a search
over name and e-mail, a state filter, a sort, and keyset paging. Each page is one query that
reads at most one row more than it shows; nothing ever counts the whole table."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from apidesk.domain.context import InstanceContext
from apidesk.domain.flows.links import LinkState, Purpose
from apidesk.storage.models import OneTimeLink, User

Sort = Literal["registered", "name", "email", "state"]
SORTS: dict[str, Any] = {
    "registered": User.registration_date,
    "name": User.first_name,
    "email": User.email_key,
    "state": User.state,
}
STATES = ("active", "blocked", "pending", "deleted")
PAGE_SIZE = 25
SEARCH_MAX = 200


@dataclass(frozen=True)
class Browse:
    search: str = ""
    state: str | None = None
    sort: str = "registered"
    descending: bool = True
    after: str | None = None
    before: str | None = None
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class BrowsePage:
    users: list[User]
    next: str | None
    previous: str | None


def _cursor(user: User, sort: str) -> str:
    value = getattr(user, SORTS[sort].key)
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, user.id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _read_cursor(cursor: str | None, sort: str) -> tuple[Any, int] | None:
    """A cursor's position, or None for one that cannot be read (the first page then)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        value, user_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(user_id, int):
            return None
        if sort == "registered":
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str):
            return None
        return value, user_id
    except (ValueError, TypeError):
        return None


def _beyond(column: Any, value: Any, user_id: int, *, downward: bool) -> ColumnElement[bool]:
    if downward:
        return or_(column < value, and_(column == value, User.id < user_id))
    return or_(column > value, and_(column == value, User.id > user_id))


@dataclass(frozen=True)
class _Plan:
    sort: str
    size: int
    backward: bool
    position: tuple[Any, int] | None
    statement: Select[Any]


def _plan(ctx: InstanceContext, request: Browse) -> _Plan:
    sort = request.sort if request.sort in SORTS else "registered"
    column = SORTS[sort]
    size = max(1, min(request.size, 200))
    statement = select(User).where(User.instance_id == ctx.instance.id)
    if request.state in STATES:
        statement = statement.where(User.state == request.state)
    words = request.search.strip()[:SEARCH_MAX].lower()
    if words:
        pattern = f"%{escape_like(words)}%"
        statement = statement.where(
            or_(
                User.email_key.like(pattern, escape="\\"),
                func.lower(User.first_name + " " + User.last_name).like(pattern, escape="\\"),
            )
        )
    backward = request.before is not None and request.after is None
    position = _read_cursor(request.before if backward else request.after, sort)
    # Walking back reads the rows before the cursor in the opposite order, then turns them.
    downward = request.descending != backward
    if position is not None:
        statement = statement.where(_beyond(column, *position, downward=downward))
    order = (column.desc(), User.id.desc()) if downward else (column.asc(), User.id.asc())
    statement = statement.order_by(*order).limit(size + 1)
    return _Plan(sort, size, backward, position, statement)


def query(ctx: InstanceContext, request: Browse) -> Select[Any]:
    """The one query a page costs (for a look at its plan)."""
    return _plan(ctx, request).statement


def browse(ctx: InstanceContext, request: Browse) -> BrowsePage:
    plan = _plan(ctx, request)
    rows: list[User] = list(ctx.session.scalars(plan.statement))
    more = len(rows) > plan.size
    rows = rows[: plan.size]
    if plan.backward:
        rows.reverse()
    if not rows:
        return BrowsePage([], None, None)
    backward, position = plan.backward, plan.position
    has_next = (more and not backward) or (backward and position is not None)
    has_previous = (more and backward) or (not backward and position is not None)
    return BrowsePage(
        rows,
        _cursor(rows[-1], plan.sort) if has_next else None,
        _cursor(rows[0], plan.sort) if has_previous else None,
    )


def invitations(ctx: InstanceContext, users: list[User]) -> dict[int, str]:
    """Where the latest invitation of each listed user stands: pending, expired, accepted or
    void (a block or a newer kind of link closed it). Users never invited are left out. One
    query for the page, by the index on (user, purpose)."""
    ids = [user.id for user in users]
    if not ids:
        return {}
    latest: dict[int, OneTimeLink] = {}
    rows = ctx.session.scalars(
        select(OneTimeLink)
        .where(
            OneTimeLink.user_id.in_(ids),
            OneTimeLink.purpose == Purpose.INVITATION.value,
            OneTimeLink.instance_id == ctx.instance.id,
        )
        .order_by(OneTimeLink.id)
    )
    for link in rows:
        latest[link.user_id] = link
    now = ctx.now()
    standing: dict[int, str] = {}
    for user_id, link in latest.items():
        if link.outcome == LinkState.USED.value:
            standing[user_id] = "accepted"
        elif link.closed_at is None:
            standing[user_id] = "pending" if link.expires_at > now else "expired"
        else:
            standing[user_id] = "void"
    return standing


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
