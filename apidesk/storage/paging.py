"""One way to run a filtered, paged list query.

A filter that an index answers is a choice on SQLite, whose planner keeps no statistics: it
reads every match through the filter's index and sorts them all to give the first page. At a
million users that is 111,111 entries for `startswith(name,'u1')` (28 ms), where walking the
ids in order meets the page's 100 in about 900 rows (0.3 ms). So on SQLite such a filter is
counted first (the count is bounded by `COUNT_LIMIT` and needed anyway unless the page is the
last), and when more than the limit match, the page is read in its own order with the
filter's columns kept from their indexes (`compile_filter(..., indexes=False)`). Past the
limit, one row in every size/limit matches, so the walk reads at most about top x size /
limit rows; at or below it, the index gives at most the limit's matches to sort. The price:
where an index range is broad but another condition keeps few of its rows (a small group's
members filtered by `startswith(name,'u')`), the count reads that range once more
(docs/query-plans.md). PostgreSQL plans each statement with its parameters and its
statistics and chooses the same way itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Connection, Integer, Row, Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from apidesk.query import COUNT_LIMIT, Filter, ListQuery, Page
from apidesk.storage.filtering import (
    Column,
    compile_filter,
    filter_values,
    names_one,
    uses_index,
)

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
    answer it however large the instance. On SQLite a filter that an index answers is
    counted first, and the page read in its own order when more than `COUNT_LIMIT` match
    (see the module)."""
    walked: AnySelect | None = None
    if query.filter is not None:
        if _may_be_dense(query.filter, columns) and _without_statistics(session):
            walked = statement.where(compile_filter(query.filter, columns, indexes=False))
        statement = statement.where(compile_filter(query.filter, columns))
    first: int | None = None
    if walked is not None:
        first = count_up_to(session, statement, COUNT_LIMIT)
        if first is None:
            statement = walked
    paged = statement.order_by(order_by).offset(query.skip).limit(query.top + 1)
    found = list(session.execute(paged).all() if rows else session.scalars(paged).all())
    more = len(found) > query.top
    items = cast(list[T], found[: query.top])
    if walked is not None:
        total = _total(query, items, more, lambda: first)
    else:
        total = _total(query, items, more, lambda: count_up_to(session, statement, COUNT_LIMIT))
    return Page(items=items, total=total, skip=query.skip, top=query.top, more=more)


def _may_be_dense(node: Filter, columns: Mapping[str, Column]) -> bool:
    """Whether an index answers `node` and it may match more than the count's limit: one that
    names a row by a unique key does not, and is read through that key's index at once."""
    return uses_index(node, columns) and not names_one(node, columns)


def _without_statistics(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _total(
    query: ListQuery, items: list[Any], more: bool, count: Callable[[], int | None]
) -> int | None:
    """The number of matches: free on the last page, else counted up to the limit."""
    if not more and (items or query.skip == 0):
        return query.skip + len(items)
    return count()


def count_up_to(session: Session, statement: AnySelect, limit: int) -> int | None:
    """How many rows `statement` matches, or None when more than `limit` do. Only a constant
    is selected, so the count reads the index that answers the filter, never the rows."""
    total = int(session.scalar(bounded_count(statement, limit)) or 0)
    return total if total <= limit else None


def bounded_count(statement: AnySelect, limit: int) -> AnySelect:
    """The count of `count_up_to`: at most `limit` + 1 (a statement to build once and run
    with its parameters, as the console's keyset lists do)."""
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
"""How many shapes of filter a `Listing` keeps the statements of (the least recently used go)."""


class Listing:
    """A list read with statements built once rather than per request (issue 12: building a
    page's SELECT and its count, and SQLAlchemy's cache key of each, cost more than SQLite
    took to run both). `statement` selects the list's columns; its conditions take their
    values (the instance, a group) from bind parameters, given to `page` as `values`. A
    filter adds its condition with its values as parameters: the statements of the last
    `FILTERS_KEPT` shapes of filter are kept (`filter_values`: `name eq 'u1'` and `name eq
    'u2'` are one shape), so a list asked for again, with any values, runs the same statement
    objects, whose compiled SQL SQLAlchemy finds without building anything. The page and its
    count are `fetch_page`'s; the rows are read through the session's connection, without the
    ORM's handling of each row (half the time for a page of 100 users), so `statement` selects
    columns, not entities."""

    def __init__(
        self, statement: AnySelect, columns: Mapping[str, Column], *, order_by: Any
    ) -> None:
        self._statement = statement
        self._columns = columns
        self._order_by = order_by
        self._built = lru_cache(maxsize=FILTERS_KEPT)(self._build)

    def page(self, session: Session, query: ListQuery, values: Mapping[str, Any]) -> Page[Row[Any]]:
        if query.filter is None:
            plan = self._built(_Shaped(None, None))
        else:
            shape, given = filter_values(query.filter, self._columns)
            plan = self._built(_Shaped(shape, query.filter))
            values = {**values, **given}
        session.flush()  # what the unit changed so far, as the ORM's autoflush would
        connection = session.connection()
        paged, first = plan.paged, None
        counts_first = plan.walked is not None and _without_statistics(session)
        if counts_first:
            first = self._count(connection, plan, values)
            if first is None:
                paged = cast(AnySelect, plan.walked)
        bounds = {**values, _SKIP: query.skip, _TOP: query.top + 1}
        found = cast(list[Row[Any]], connection.execute(paged, bounds).all())
        more = len(found) > query.top
        items = found[: query.top] if more else found
        if counts_first:
            total = _total(query, items, more, lambda: first)
        else:
            total = _total(query, items, more, lambda: self._count(connection, plan, values))
        return Page(items=items, total=total, skip=query.skip, top=query.top, more=more)

    @staticmethod
    def _count(connection: Connection, plan: _Plan, values: Mapping[str, Any]) -> int | None:
        total = int(connection.execute(plan.counted, values).scalar() or 0)
        return total if total <= COUNT_LIMIT else None

    def _build(self, shaped: _Shaped) -> _Plan:
        statement, walked, node = self._statement, None, shaped.node
        if node is not None:
            statement = statement.where(compile_filter(node, self._columns, named=True))
            if _may_be_dense(node, self._columns):
                unindexed = compile_filter(node, self._columns, indexes=False, named=True)
                walked = self._paged(self._statement.where(unindexed))
        counted = bounded_count(statement, COUNT_LIMIT)
        return _Plan(paged=self._paged(statement), counted=counted, walked=walked)

    def _paged(self, statement: AnySelect) -> AnySelect:
        return (
            statement.order_by(self._order_by)
            .offset(bindparam(_SKIP, type_=Integer))
            .limit(bindparam(_TOP, type_=Integer))
        )


class _Shaped:
    """A filter, equal to (and hashed as) any filter of its shape (`filter_values`): the key
    of a `Listing`'s statements, which are built from the first filter of each shape."""

    __slots__ = ("node", "shape")

    def __init__(self, shape: Hashable, node: Filter | None) -> None:
        self.shape, self.node = shape, node

    def __hash__(self) -> int:
        return hash(self.shape)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shaped) and other.shape == self.shape


class _Plan(NamedTuple):
    """A `Listing`'s statements for one filter: the page, its count, and the page read in its
    own order when an index answers the filter (see the module)."""

    paged: AnySelect
    counted: AnySelect
    walked: AnySelect | None
