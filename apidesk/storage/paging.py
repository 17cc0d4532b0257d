"""One way to run a filtered, paged list query."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import Integer, Row, Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from apidesk.query import COUNT_LIMIT, Filter, ListQuery, Page
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
) -> Page[T]:
    """One page of `statement`'s entities; with `rows`, of its rows as they are (tuples of
    entities, or columns read without building an ORM entity per row). A list asked for often
    is cheaper as a `Listing`.

    The page is read with one row more than asked for, which says whether another page
    follows. The total comes free when this is the last page; otherwise it is counted, up to
    `COUNT_LIMIT` matches (None beyond), so no request reads more than that many entries to
    answer it however large the instance."""
    if query.filter is not None:
        statement = statement.where(compile_filter(query.filter, columns))
    paged = statement.order_by(order_by).offset(query.skip).limit(query.top + 1)
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
    total = int(session.scalar(_bounded_count(statement, limit)) or 0)
    return total if total <= limit else None


def _bounded_count(statement: AnySelect, limit: int) -> AnySelect:
    """The count of `count_up_to`: at most `limit` + 1."""
    bounded: AnySelect = (
        statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
        .order_by(None)
        .limit(limit + 1)
    )
    return select(func.count()).select_from(bounded.subquery())


# The page's bounds are parameters of a prebuilt statement (no column makes an anonymous
# parameter of these names: those end in a number).
_SKIP = "paging_skip"
_TOP = "paging_top"
FILTERS_KEPT = 128
"""How many filters a `Listing` keeps the statements of (the least recently used go)."""


class Listing:
    """A list read with statements built once rather than per request (issue 12: building a
    page's SELECT and its count, and SQLAlchemy's cache key of each, cost more than SQLite
    took to run both). `statement` selects the list's columns; its conditions take their
    values (the instance, a group) from bind parameters, given to `page` as `values`. A
    filter adds its condition: the statements of the last `FILTERS_KEPT` filters are kept,
    so a list asked for again runs the same statement objects, whose compiled SQL SQLAlchemy
    finds without building anything. The page and its count are `fetch_page`'s; the rows are
    read through the session's connection, without the ORM's handling of each row (half the
    time for a page of 100 users), so `statement` selects columns, not entities."""

    def __init__(
        self, statement: AnySelect, columns: Mapping[str, Column], *, order_by: Any
    ) -> None:
        self._statement = statement
        self._columns = columns
        self._order_by = order_by
        self._built = lru_cache(maxsize=FILTERS_KEPT)(self._build)

    def page(self, session: Session, query: ListQuery, values: Mapping[str, Any]) -> Page[Row[Any]]:
        # Keyed by the filter's repr as well: equal filters may differ in a value's type
        # (1, 1.0 and True are equal), which decides the SQL.
        paged, counted = self._built(repr(query.filter), query.filter)
        session.flush()  # what the unit changed so far, as the ORM's autoflush would
        connection = session.connection()
        bounds = {**values, _SKIP: query.skip, _TOP: query.top + 1}
        found = cast(list[Row[Any]], connection.execute(paged, bounds).all())
        more = len(found) > query.top
        items = found[: query.top] if more else found
        if not more and (items or query.skip == 0):
            total: int | None = query.skip + len(items)
        else:
            total = int(connection.execute(counted, values).scalar() or 0)
            if total > COUNT_LIMIT:
                total = None
        return Page(items=items, total=total, skip=query.skip, top=query.top, more=more)

    def _build(self, _key: str, node: Filter | None) -> tuple[AnySelect, AnySelect]:
        statement = self._statement
        if node is not None:
            statement = statement.where(compile_filter(node, self._columns))
        paged = (
            statement.order_by(self._order_by)
            .offset(bindparam(_SKIP, type_=Integer))
            .limit(bindparam(_TOP, type_=Integer))
        )
        return paged, _bounded_count(statement, COUNT_LIMIT)
