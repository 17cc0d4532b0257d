"""One way to run a filtered, paged list query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

from apidesk.query import COUNT_LIMIT, ListQuery, Page
from apidesk.storage.filtering import Column, compile_filter

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]


def fetch_page(
    session: Session,
    statement: AnySelect,
    query: ListQuery,
    columns: Mapping[str, Column],
    *,
    order_by: Any,
    rows: bool = False,
    plain: bool = False,
) -> Page[T]:
    """One page of `statement`'s entities; with `rows`, of its rows as they are (tuples of
    entities, or columns read without building an ORM entity per row); with `plain`, of rows
    of a statement of columns only, read through the session's connection without the ORM's
    handling of each row (half the time for a page of 100 users).

    The page is read with one row more than asked for, which says whether another page
    follows. The total comes free when this is the last page; otherwise it is counted, up to
    `COUNT_LIMIT` matches (None beyond), so no request reads more than that many entries to
    answer it however large the instance."""
    if query.filter is not None:
        statement = statement.where(compile_filter(query.filter, columns))
    paged = statement.order_by(order_by).offset(query.skip).limit(query.top + 1)
    if plain:
        session.flush()  # what the unit changed so far, as the ORM's autoflush would
        found = list(session.connection().execute(paged).all())
    else:
        found = list(session.execute(paged).all() if rows else session.scalars(paged).all())
    more = len(found) > query.top
    items = cast(list[T], found[: query.top])
    if not more and (items or query.skip == 0):
        total: int | None = query.skip + len(items)
    else:
        total = count_up_to(session, statement, COUNT_LIMIT)
    return Page(items=items, total=total, skip=query.skip, top=query.top, more=more)


def count_up_to(session: Session, statement: AnySelect, limit: int) -> int | None:
    """How many rows `statement` matches, or None when more than `limit` do. Only a constant
    is selected, so the count reads the index that answers the filter, never the rows."""
    bounded: AnySelect = (
        statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
        .order_by(None)
        .limit(limit + 1)
    )
    total = int(session.scalar(select(func.count()).select_from(bounded.subquery())) or 0)
    return total if total <= limit else None
