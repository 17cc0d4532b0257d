"""A filter that an index answers and that matches more than the count's limit: on SQLite the
page is read in its own order rather than through the filter's index (storage.paging), and
the pages, totals and `more` are those the filter gives, on SQLite and PostgreSQL, through
`Listing` and `fetch_page` alike. On SQLite the plans show which way each page was read."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import product
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from support.databases import database_for

from apidesk.query import (
    COUNT_LIMIT,
    And,
    Compare,
    FieldKind,
    Filter,
    ListQuery,
    Not,
    Or,
    TextMatch,
)
from apidesk.storage.database import create_database_engine
from apidesk.storage.filtering import Column
from apidesk.storage.paging import Listing, fetch_page

ITEMS = sa.Table(
    "dense_items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.Integer, nullable=False),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("name_key", sa.String(40), nullable=False),
    sa.Index("ix_dense_browse", "owner", "id"),
    sa.Index("ix_dense_name", "owner", "name_key", unique=True),
)
COLUMNS = {"name": Column(ITEMS.c.name, FieldKind.TEXT, key=ITEMS.c.name_key, unique=True)}
SIZE = COUNT_LIMIT + 2_000
# Nine in ten names start with 'x' (more than the count's limit), the tenth with 'y'.
NAMES = {n: (f"Y{n:05d}" if n % 10 == 0 else f"X{n:05d}") for n in range(1, SIZE + 1)}
LISTING = Listing(
    sa.select(ITEMS.c.id, ITEMS.c.name).where(ITEMS.c.owner == sa.bindparam("owner")),
    COLUMNS,
    order_by=ITEMS.c.id,
)
DENSE: list[Filter] = [
    TextMatch("startswith", "name", "x"),
    Not(TextMatch("startswith", "name", "y")),
    Compare("name", "ge", "x0"),
    Or((TextMatch("startswith", "name", "y"), Compare("name", "ge", "x01"))),
]
SPARSE: list[Filter] = [
    TextMatch("startswith", "name", "y"),
    TextMatch("startswith", "name", "x1"),
    Compare("name", "eq", "x00007"),
    Compare("name", "gt", "y11"),
]


@contextmanager
def seeded(url: str) -> Iterator[Any]:
    made = create_database_engine(url)
    with made.begin() as connection:
        ITEMS.create(connection)
        rows = [
            {"id": n, "owner": 1, "name": name, "name_key": name.lower()}
            for n, name in NAMES.items()
        ]
        connection.execute(sa.insert(ITEMS), rows)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture(scope="module")
def engine(workspace: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("dense")
    with database_for(workspace.backend, directory) as url, seeded(url) as made:
        yield made


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """For the plans: which index a page is read through is SQLite's choice only
    (PostgreSQL plans with its statistics)."""
    with seeded(f"sqlite:///{tmp_path_factory.mktemp('dense-plans') / 'plans.db'}") as made:
        yield made


COMPARE = {"eq": operator.eq, "ge": operator.ge, "gt": operator.gt, "lt": operator.lt}


def matching(node: Filter) -> list[int]:
    """The ids `node` chooses, by Python."""

    def test(node: Filter, key: str) -> bool:
        if isinstance(node, TextMatch):
            return key.startswith(node.value)
        if isinstance(node, Not):
            return not test(node.item, key)
        if isinstance(node, Or):
            return any(test(item, key) for item in node.items)
        if isinstance(node, And):
            return all(test(item, key) for item in node.items)
        assert isinstance(node, Compare)
        return COMPARE[node.op](key, node.value)

    return [n for n, name in NAMES.items() if test(node, name.lower())]


def pages(session: Session, query: ListQuery) -> tuple[Any, Any]:
    statement = sa.select(ITEMS.c.id, ITEMS.c.name).where(ITEMS.c.owner == 1)
    built: Any = fetch_page(session, statement, query, COLUMNS, order_by=ITEMS.c.id, rows=True)
    prebuilt: Any = LISTING.page(session, query, {"owner": 1})
    return built, prebuilt


@pytest.mark.parametrize("node", DENSE + SPARSE, ids=repr)
def test_pages_are_those_the_filter_gives(engine: Any, node: Filter) -> None:
    expected = matching(node)
    assert (len(expected) > COUNT_LIMIT) == (node in DENSE), len(expected)
    with Session(engine) as session:
        for skip, top in product({0, 7, max(0, len(expected) - 3)}, [1, 100]):
            for page in pages(session, ListQuery(filter=node, skip=skip, top=top)):
                assert [row.id for row in page.items] == expected[skip : skip + top]
                assert page.more == (skip + top < len(expected))
                if not page.more:  # the last page knows its total, however large
                    assert page.total == len(expected)
                else:
                    assert page.total == (len(expected) if len(expected) <= COUNT_LIMIT else None)


@contextmanager
def selects(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on `engine` inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def plans_of(engine: Any, node: Filter) -> list[str]:
    """SQLite's plan of each statement a `Listing` page and a `fetch_page` run for `node`."""
    with selects(engine) as seen, Session(engine) as session:
        pages(session, ListQuery(filter=node, top=100))
    with engine.connect() as connection:
        return [
            " | ".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args)
            )
            for sql, args in seen
        ]


def test_sqlite_reads_a_dense_page_in_order_and_a_sparse_one_by_its_index(sqlite: Any) -> None:
    for node in DENSE:
        plans = plans_of(sqlite, node)
        # Each of the two lists: its bounded count, then its page.
        assert len(plans) == 4, plans
        pages_read = [plan for plan in plans if "CO-ROUTINE" not in plan]
        assert pages_read and all(
            "USING INDEX ix_dense_browse (owner=?)" in plan and "TEMP B-TREE" not in plan
            for plan in pages_read
        ), (node, plans)
    for node in SPARSE[:2]:
        plans = plans_of(sqlite, node)
        pages_read = [plan for plan in plans if "CO-ROUTINE" not in plan]
        assert pages_read and all(
            "ix_dense_name (owner=? AND name_key>? AND" in plan for plan in pages_read
        ), (node, plans)


def test_unindexed_filters_are_not_counted_first(sqlite: Any) -> None:
    """A filter no index answers is read in the page's order anyway: one statement, as before,
    when the page is the last."""
    node = TextMatch("contains", "name", "99999")  # none match, and it is not indexed
    columns = {"name": Column(ITEMS.c.name, FieldKind.TEXT)}
    statement = sa.select(ITEMS.c.id).where(ITEMS.c.owner == 1)
    with selects(sqlite) as seen, Session(sqlite) as session:
        page: Any = fetch_page(
            session, statement, ListQuery(filter=node, top=10), columns, order_by=ITEMS.c.id
        )
    assert page.items == [] and page.total == 0
    assert len(seen) == 1, seen


@pytest.mark.parametrize(
    "node",
    [
        Compare("name", "eq", "x00007"),
        Compare("name", "eq", "nobody"),
        And((Compare("name", "eq", "x00007"), TextMatch("startswith", "name", "x"))),
    ],
    ids=repr,
)
def test_a_filter_naming_one_row_by_a_unique_key_is_not_counted_first(
    sqlite: Any, node: Filter
) -> None:
    """At most one row matches: the page alone answers, through the key's index, and its
    total comes free."""
    expected = matching(node)
    with selects(sqlite) as seen, Session(sqlite) as session:
        built, prebuilt = pages(session, ListQuery(filter=node, top=100))
    for page in (built, prebuilt):
        assert [row.id for row in page.items] == expected
        assert (page.total, page.more) == (len(expected), False)
    assert len(seen) == 2, seen
    assert all("count(" not in sql for sql, _ in seen), seen
    plans = plans_of(sqlite, node)
    assert all("ix_dense_name (owner=? AND name_key=?)" in plan for plan in plans), plans
