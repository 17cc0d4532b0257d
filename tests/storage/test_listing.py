"""`Listing` (the lists' prebuilt statements) against `fetch_page` (built per request): the
same pages, totals and `more` for the same queries, on SQLite; filters that are equal but for
a value's type keep statements of their own."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from apidesk.query import COUNT_LIMIT, Compare, FieldKind, Filter, ListQuery, Not, TextMatch
from apidesk.storage.filtering import Column
from apidesk.storage.paging import Listing, fetch_page

ITEMS = sa.Table(
    "items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner", sa.Integer, nullable=False),
    sa.Column("name", sa.String(40)),
)
COLUMNS = {"name": Column(ITEMS.c.name, FieldKind.TEXT)}
CROWDED = 3  # the owner with more items than a list counts


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    engine = sa.create_engine("sqlite://")
    ITEMS.create(engine)
    names = ["1", "1.0", "Ab", "ab", None, "b", "abc", "c%", "c_d"] + [f"n{n}" for n in range(30)]
    rows: list[dict[str, Any]] = [{"owner": 1, "name": name} for name in names]
    rows += [{"owner": 2, "name": "ab"}, {"owner": 2, "name": None}]
    rows += [{"owner": CROWDED, "name": f"x{n}"} for n in range(COUNT_LIMIT + 1)]
    with engine.begin() as connection:
        connection.execute(sa.insert(ITEMS), rows)
    with Session(engine) as opened:
        yield opened
    engine.dispose()


LISTING = Listing(
    sa.select(ITEMS.c.id, ITEMS.c.name).where(ITEMS.c.owner == sa.bindparam("owner")),
    COLUMNS,
    order_by=ITEMS.c.id,
)


def both(session: Session, owner: int, query: ListQuery) -> tuple[Any, Any]:
    statement = sa.select(ITEMS.c.id, ITEMS.c.name).where(ITEMS.c.owner == owner)
    built: Any = fetch_page(session, statement, query, COLUMNS, order_by=ITEMS.c.id, rows=True)
    prebuilt: Any = LISTING.page(session, query, {"owner": owner})
    return built, prebuilt


def shown(page: Any) -> tuple[Any, ...]:
    return ([tuple(row) for row in page.items], page.total, page.more, page.has_more)


FILTERS: list[Filter | None] = [
    None,
    TextMatch("startswith", "name", "a"),
    TextMatch("contains", "name", "_"),
    Not(Compare("name", "eq", "ab")),
    Compare("name", "eq", None),
]


@pytest.mark.parametrize("owner", [1, 2, 4])
def test_the_pages_are_those_fetch_page_reads(session: Session, owner: int) -> None:
    for node, skip, top in product(FILTERS, [0, 1, 5, 38, 39, 60], [1, 2, 10, 100]):
        built, prebuilt = both(session, owner, ListQuery(filter=node, skip=skip, top=top))
        assert shown(prebuilt) == shown(built), (node, skip, top)


def test_past_the_count_limit_the_total_is_unknown(session: Session) -> None:
    first = LISTING.page(session, ListQuery(top=10), {"owner": CROWDED})
    assert first.total is None and first.more and len(first.items) == 10
    last = LISTING.page(session, ListQuery(skip=COUNT_LIMIT, top=10), {"owner": CROWDED})
    assert last.total == COUNT_LIMIT + 1 and not last.more and len(last.items) == 1
    past = LISTING.page(session, ListQuery(skip=COUNT_LIMIT + 5), {"owner": CROWDED})
    assert past.total is None and past.items == []
    for query in (ListQuery(top=10), ListQuery(skip=COUNT_LIMIT + 5)):
        built, prebuilt = both(session, CROWDED, query)
        assert shown(prebuilt) == shown(built)


def test_equal_filters_of_other_types_are_not_mixed_up(session: Session) -> None:
    # 1 == 1.0, and they hash alike; the text compared is "1" and "1.0".
    assert Compare("name", "eq", 1) == Compare("name", "eq", 1.0)
    for value, name in ((1, "1"), (1.0, "1.0"), (1, "1")):
        query = ListQuery(filter=Compare("name", "eq", value))
        page = LISTING.page(session, query, {"owner": 1})
        assert [row.name for row in page.items] == [name]


def test_filters_of_one_shape_share_their_statements(session: Session) -> None:
    """`name eq 'n1'`, `name eq 'n2'`, ...: one set of statements, built for the first, run
    with each one's value, gives each one's page (the same as `fetch_page` built for it)."""
    listing = Listing(LISTING._statement, COLUMNS, order_by=ITEMS.c.id)
    shapes = [
        lambda n: Compare("name", "eq", f"N{n}"),
        lambda n: TextMatch("startswith", "name", f"n{n}"),
        lambda n: Not(TextMatch("contains", "name", f"{n}")),
    ]
    for number, shape in enumerate(shapes, start=1):
        for n in range(30):
            query = ListQuery(filter=shape(n), top=5)
            page = listing.page(session, query, {"owner": 1})
            built: Any = fetch_page(
                session,
                sa.select(ITEMS.c.id, ITEMS.c.name).where(ITEMS.c.owner == 1),
                query,
                COLUMNS,
                order_by=ITEMS.c.id,
                rows=True,
            )
            assert shown(page) == shown(built), (n, query)
            assert page.items, query
        assert listing._built.cache_info().currsize == number
