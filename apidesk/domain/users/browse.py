"""Browsing the users of an instance page by page, as the console's Users page does: a search
over name and e-mail, a state filter, a sort, and keyset paging. Each page is one query that
reads at most one row more than it shows. Where the page stands ("26-50 of 62") is counted up
to `BROWSE_COUNT_LIMIT` (apidesk.query): the rows before the page, unless it is the first, and
the matches, unless it is the last; never the whole table."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select

from apidesk.domain.context import InstanceContext
from apidesk.domain.flows.links import LinkState, Purpose
from apidesk.domain.numbers import is_record_id
from apidesk.query import BROWSE_COUNT_LIMIT
from apidesk.storage.models import OneTimeLink, User
from apidesk.storage.paging import bounded_count

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


class Listed(NamedTuple):
    """A user as the list shows it: the columns it reads, not an ORM entity."""

    id: int
    name: str
    email: str
    email_key: str
    first_name: str
    last_name: str
    state: str
    registration_date: datetime | None


_LISTED = (
    User.id,
    User.name,
    User.email,
    User.email_key,
    User.first_name,
    User.last_name,
    User.state,
    User.registration_date,
)


@dataclass(frozen=True)
class BrowsePage:
    users: list[Listed]
    next: str | None
    previous: str | None
    start: int | None = 0
    """How many matches come before the page; None past `BROWSE_COUNT_LIMIT`."""
    total: int | None = 0
    """How many match; None past `BROWSE_COUNT_LIMIT`."""


def _cursor(user: Listed, sort: str) -> str:
    value = getattr(user, SORTS[sort].key)
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, user.id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _read_cursor(cursor: str | None, sort: str) -> tuple[Any, int] | None:
    """A cursor's position, or None for one that is no position in `sort` (the first page
    then). Anyone can forge a cursor: its pair is checked as the database would take it, the
    id within the id column, the value of the sort column's type and within its range."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        pair = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # not base64, not UTF-8, not JSON
        return None
    if type(pair) is not list or len(pair) != 2 or not is_record_id(pair[1]):
        return None
    value = _moment(pair[0]) if sort == "registered" else _text(pair[0], SORTS[sort].type.length)
    return None if value is None else (value, pair[1])


def _moment(value: object) -> datetime | None:
    """A registration date as `_cursor` writes it: ISO 8601 with its offset, read in UTC."""
    if type(value) is not str or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):  # not a date; or out of datetime's range in UTC
        return None


def _text(value: object, length: int) -> str | None:
    """Text a column of `length` characters can hold: UTF-8 (no lone surrogate), no NUL."""
    if type(value) is not str or len(value) > length or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _beyond(column: Any, value: Any, user_id: Any, *, downward: bool) -> ColumnElement[bool]:
    if downward:
        return or_(column < value, and_(column == value, User.id < user_id))
    return or_(column > value, and_(column == value, User.id > user_id))


_Query = Select[*tuple[Any, ...]]


def _matching(statement: _Query, *, state: bool, search: bool) -> _Query:
    """`statement` narrowed to the instance's users that the state and search ask for."""
    statement = statement.where(User.instance_id == bindparam("instance"))
    if state:
        statement = statement.where(User.state == bindparam("state"))
    if search:
        pattern: BindParameter[str] = bindparam("pattern")
        statement = statement.where(
            or_(
                User.email_key.like(pattern, escape="\\"),
                func.lower(User.first_name + " " + User.last_name).like(pattern, escape="\\"),
            )
        )
    return statement


@lru_cache(maxsize=512)
def _statement(
    sort: str, downward: bool, size: int, *, state: bool, search: bool, position: bool
) -> _Query:
    """The page's query for one shape of request, built once: the values are bound
    parameters, and a statement built once keeps its cache key (each page costs none)."""
    column = SORTS[sort]
    statement = _matching(select(*_LISTED), state=state, search=search)
    if position:
        value: BindParameter[Any] = bindparam("value")
        user_id: BindParameter[int] = bindparam("user")
        statement = statement.where(_beyond(column, value, user_id, downward=downward))
    order = (column.desc(), User.id.desc()) if downward else (column.asc(), User.id.asc())
    return statement.order_by(*order).limit(size + 1)


@lru_cache(maxsize=512)
def _count(sort: str, downward: bool, *, state: bool, search: bool, position: bool) -> _Query:
    """The bounded count of the matches (with `position`, of those beyond the position in
    the order `downward` says), built once per shape as `_statement` is."""
    statement = _matching(select(User.id), state=state, search=search)
    if position:
        value: BindParameter[Any] = bindparam("value")
        user_id: BindParameter[int] = bindparam("user")
        statement = statement.where(_beyond(SORTS[sort], value, user_id, downward=downward))
    return bounded_count(statement, BROWSE_COUNT_LIMIT)


@dataclass(frozen=True)
class _Plan:
    sort: str
    size: int
    descending: bool
    backward: bool
    position: tuple[Any, int] | None
    statement: _Query
    values: dict[str, Any]


def _plan(ctx: InstanceContext, request: Browse) -> _Plan:
    sort = request.sort if request.sort in SORTS else "registered"
    size = max(1, min(request.size, 200))
    values: dict[str, Any] = {"instance": ctx.instance.id}
    state = request.state in STATES
    if state:
        values["state"] = request.state
    words = request.search.strip()[:SEARCH_MAX].lower()
    if words:
        values["pattern"] = f"%{escape_like(words)}%"
    backward = request.before is not None and request.after is None
    position = _read_cursor(request.before if backward else request.after, sort)
    if position is not None:
        values["value"], values["user"] = position
    # Walking back reads the rows before the cursor in the opposite order, then turns them.
    downward = request.descending != backward
    statement = _statement(
        sort, downward, size, state=state, search=bool(words), position=position is not None
    )
    return _Plan(sort, size, request.descending, backward, position, statement, values)


def query(ctx: InstanceContext, request: Browse) -> _Query:
    """The one query a page costs (for a look at its plan), its values bound."""
    plan = _plan(ctx, request)
    return plan.statement.params(plan.values)


def browse(ctx: InstanceContext, request: Browse) -> BrowsePage:
    plan = _plan(ctx, request)
    # Columns through the unit's connection: no ORM entity, nor the ORM's work per row.
    ctx.session.flush()
    rows = list(map(Listed._make, ctx.session.connection().execute(plan.statement, plan.values)))
    more = len(rows) > plan.size
    rows = rows[: plan.size]
    if plan.backward:
        rows.reverse()
    if not rows:
        return BrowsePage([], None, None)
    backward, position = plan.backward, plan.position
    has_next = (more and not backward) or (backward and position is not None)
    has_previous = (more and backward) or (not backward and position is not None)
    start = _before(ctx, plan, rows[0]) if has_previous else 0
    if has_next:
        total = _up_to_limit(ctx, _count(plan.sort, True, **_shape(plan), position=False), plan)
    else:
        total = None if start is None else start + len(rows)
    return BrowsePage(
        rows,
        _cursor(rows[-1], plan.sort) if has_next else None,
        _cursor(rows[0], plan.sort) if has_previous else None,
        start,
        total,
    )


def _shape(plan: _Plan) -> dict[str, bool]:
    return {"state": "state" in plan.values, "search": "pattern" in plan.values}


def _before(ctx: InstanceContext, plan: _Plan, first: Listed) -> int | None:
    """How many matches the list shows before `first`, up to `BROWSE_COUNT_LIMIT`."""
    statement = _count(plan.sort, not plan.descending, **_shape(plan), position=True)
    where = {"value": getattr(first, SORTS[plan.sort].key), "user": first.id}
    return _up_to_limit(ctx, statement, plan, where)


def _up_to_limit(
    ctx: InstanceContext, statement: _Query, plan: _Plan, where: dict[str, Any] | None = None
) -> int | None:
    values: dict[str, Any] = {
        key: plan.values[key] for key in ("instance", "state", "pattern") if key in plan.values
    }
    values.update(where or {})
    counted = int(ctx.session.connection().scalar(statement, values) or 0)
    return counted if counted <= BROWSE_COUNT_LIMIT else None


_INVITATIONS = (
    select(OneTimeLink.user_id, OneTimeLink.outcome, OneTimeLink.closed_at, OneTimeLink.expires_at)
    .where(
        OneTimeLink.user_id.in_(bindparam("users", expanding=True)),
        OneTimeLink.purpose == Purpose.INVITATION.value,
        OneTimeLink.instance_id == bindparam("instance"),
    )
    .order_by(OneTimeLink.id)
)


def invitations(ctx: InstanceContext, users: Sequence[Listed | User]) -> dict[int, str]:
    """Where the latest invitation of each listed user stands: pending, expired, accepted or
    void (a block or a newer kind of link closed it). Users never invited are left out. One
    query for the page, by the index on (user, purpose)."""
    ids = [user.id for user in users]
    if not ids:
        return {}
    ctx.session.flush()
    rows = ctx.session.connection().execute(
        _INVITATIONS, {"users": ids, "instance": ctx.instance.id}
    )
    latest = {row.user_id: row for row in rows}  # in id order: the last one stays
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
