"""`compile_filter` against real databases: hand-picked cases on SQLite, then the property that
the compiled SQL selects exactly the rows a Python reference evaluator selects, on in-memory
SQLite and on a fresh PostgreSQL database."""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from support.databases import fresh_postgres_database
from support.filters import shared_condition

from apidesk.query import And, Compare, FieldKind, Filter, Not, Or, TextMatch
from apidesk.storage.database import driver_url
from apidesk.storage.filtering import Column, compile_filter
from apidesk.storage.models.base import UTCDateTime

KINDS = {
    "name": FieldKind.TEXT,
    "state": FieldKind.ENUM,
    "created": FieldKind.DATETIME,
    "enabled": FieldKind.BOOLEAN,
}
Row = dict[str, Any]


def make_table(name: str, *, collation: str | None = None, temporary: bool = False) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64, collation=collation)),
        sa.Column("state", sa.String(16, collation=collation)),
        sa.Column("created", UTCDateTime()),
        sa.Column("enabled", sa.Boolean()),
        prefixes=["TEMPORARY"] if temporary else [],
    )


@dataclass
class Database:
    """One open connection and a table of rows; every `load` is undone by `reset`."""

    connection: sa.Connection
    table: sa.Table

    @property
    def columns(self) -> dict[str, Column]:
        # Marked indexed, so that the form without indexes puts each one behind SQLite's `+`.
        return {
            field: Column(self.table.c[field], kind, indexed=True) for field, kind in KINDS.items()
        }

    def load(self, rows: list[Row]) -> None:
        if rows:
            self.connection.execute(
                self.table.insert(), [{"id": i, **row} for i, row in enumerate(rows)]
            )

    def ids(self, node: Filter, *, indexes: bool = True, shared: bool = False) -> set[int]:
        """The rows `node` selects; with `shared`, through a statement built for a filter of
        its shape with other values, given `node`'s values (what a `Listing` does)."""
        if not shared:
            where = compile_filter(node, self.columns, indexes=indexes)
            return set(self.connection.scalars(sa.select(self.table.c.id).where(where)))
        where, values = shared_condition(node, self.columns, indexes=indexes)
        return set(self.connection.scalars(sa.select(self.table.c.id).where(where), values))

    def reset(self) -> None:
        self.connection.rollback()


@contextmanager
def open_database(url: str, table: sa.Table) -> Iterator[Database]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            table.create(connection)
            connection.commit()
            yield Database(connection, table)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sqlite_db() -> Iterator[Database]:
    with open_database("sqlite://", make_table("filter_rows")) as database:
        yield database


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database; skipped on a laptop without one, required under CI."""
    with fresh_postgres_database() as url:
        yield driver_url(url)


@pytest.fixture(scope="module")
def postgres_db(pg_url: str) -> Iterator[Database]:
    # "C" ordering is by code point, as in Python, whatever the server's default collation.
    with open_database(
        pg_url, make_table("filter_rows", collation="C", temporary=True)
    ) as database:
        yield database


@pytest.fixture
def db(sqlite_db: Database) -> Iterator[Database]:
    yield sqlite_db
    sqlite_db.reset()


# The reference evaluator: OData semantics over Python dictionaries --------------------------

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda actual, value: value in actual,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def fold(field: str, value: Any) -> Any:
    return value.lower() if KINDS[field] in (FieldKind.TEXT, FieldKind.ENUM) else value


def evaluate(node: Filter, row: Row) -> bool:
    if isinstance(node, And):
        return all(evaluate(item, row) for item in node.items)
    if isinstance(node, Or):
        return any(evaluate(item, row) for item in node.items)
    if isinstance(node, Not):
        return not evaluate(node.item, row)
    actual = row[node.field]
    if isinstance(node, TextMatch):
        return actual is not None and TEXT_TESTS[node.function](actual.lower(), node.value.lower())
    if node.value is None:
        return (actual is None) == (node.op == "eq")
    if actual is None:
        return node.op == "ne"
    return OPERATORS[node.op](fold(node.field, actual), fold(node.field, node.value))


# Hand-picked cases ---------------------------------------------------------------------------

JUNE = datetime(2017, 6, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
ROWS: list[Row] = [
    {"name": "abc", "state": "active", "created": JUNE, "enabled": True},  # 0
    {"name": "ABC", "state": "Active", "created": JUNE + MICRO, "enabled": False},  # 1
    {"name": None, "state": None, "created": None, "enabled": None},  # 2
    {"name": "a%c", "state": "BLOCKED", "created": JUNE - timedelta(days=1), "enabled": True},
    {"name": "a_c", "state": "pending", "created": JUNE + timedelta(days=1), "enabled": False},
    {"name": "a/c", "state": "active", "created": JUNE, "enabled": None},  # 5
    {"name": "it's", "state": "deleted", "created": JUNE, "enabled": True},  # 6
    {"name": "", "state": "", "created": JUNE, "enabled": True},  # 7
]  # fmt: skip
ALL = set(range(len(ROWS)))


def n(op: str, value: Any) -> Compare:
    return Compare("name", op, value)  # type: ignore[arg-type]


CASES: list[tuple[Filter, set[int]]] = [
    # case-insensitive text and enums
    (n("eq", "ABC"), {0, 1}),
    (n("eq", "aBc"), {0, 1}),
    (n("gt", "a_c"), {0, 1, 6}),
    (Compare("state", "eq", "ACTIVE"), {0, 1, 5}),
    # NULL: eq/gt/functions never match it, ne and not always do
    (n("eq", None), {2}),
    (n("ne", None), ALL - {2}),
    (n("ne", "abc"), ALL - {0, 1}),
    (Not(n("eq", "abc")), ALL - {0, 1}),
    (n("lt", "zzz"), ALL - {2}),
    (Not(n("lt", "zzz")), {2}),
    (Not(n("ne", "abc")), {0, 1}),
    (TextMatch("contains", "name", ""), ALL - {2}),
    (Not(TextMatch("contains", "name", "")), {2}),
    (Not(And((n("ne", "abc"), n("ne", "x")))), {0, 1}),
    (Not(Or((n("eq", "abc"), Not(n("eq", None))))), {2}),
    # LIKE wildcards and the escape character are matched literally
    (TextMatch("contains", "name", "%"), {3}),
    (TextMatch("contains", "name", "_"), {4}),
    (TextMatch("contains", "name", "/"), {5}),
    (TextMatch("contains", "name", "a/"), {5}),
    (TextMatch("startswith", "name", "a_"), {4}),
    (TextMatch("endswith", "name", "%c"), {3}),
    (TextMatch("contains", "name", "'"), {6}),
    (TextMatch("contains", "name", "B"), {0, 1}),
    (TextMatch("startswith", "name", "AB"), {0, 1}),
    (TextMatch("endswith", "name", "C"), {0, 1, 3, 4, 5}),
    # datetimes: microsecond precision; any aware value is compared as the instant it is
    (Compare("created", "eq", JUNE), {0, 5, 6, 7}),
    (Compare("created", "gt", JUNE), {1, 4}),
    (Compare("created", "le", JUNE), {0, 3, 5, 6, 7}),
    (Compare("created", "ne", JUNE), {1, 2, 3, 4}),
    (Compare("created", "eq", JUNE.astimezone(timezone(timedelta(hours=2)))), {0, 5, 6, 7}),
    (Not(Compare("created", "ge", JUNE)), {2, 3}),
    # booleans
    (Compare("enabled", "eq", True), {0, 3, 6, 7}),
    (Compare("enabled", "ne", True), {1, 2, 4, 5}),
    (Compare("enabled", "eq", False), {1, 4}),
    (Compare("enabled", "eq", None), {2, 5}),
    # empty combinations are neutral elements
    (And(()), ALL),
    (Or(()), set()),
]


@pytest.mark.parametrize(("node", "expected"), CASES, ids=[repr(node) for node, _ in CASES])
def test_cases(db: Database, node: Filter, expected: set[int]) -> None:
    db.load(ROWS)
    assert db.ids(node) == expected
    assert {i for i, row in enumerate(ROWS) if evaluate(node, row)} == expected


def test_unknown_field_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        compile_filter(Compare("nope", "eq", "x"), {})


def test_null_is_only_compared_for_equality(db: Database) -> None:
    with pytest.raises(ValueError, match="null"):
        compile_filter(n("gt", None), db.columns)


def test_non_ascii_on_sqlite(db: Database) -> None:
    """Documented behaviour: SQLite's lower() folds ASCII only, so on SQLite non-ASCII letters
    compare case-sensitively, while a stored value always matches itself."""
    db.load([{"name": "Émile"}, {"name": "émile"}])
    assert db.ids(n("eq", "Émile")) == {0}
    assert db.ids(n("eq", "ÉMILE")) == {0}
    assert db.ids(n("eq", "émile")) == {1}
    assert db.ids(TextMatch("startswith", "name", "É")) == {0}
    assert db.ids(TextMatch("contains", "name", "MIL")) == {0, 1}


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(100))


def test_mapped_attributes_work_as_columns() -> None:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    columns = {"email": Column(Person.email, FieldKind.TEXT)}
    with engine.connect() as connection:
        connection.execute(sa.insert(Person), [{"email": "A@x.org"}, {"email": None}])
        found = connection.scalars(
            sa.select(Person.id).where(
                compile_filter(Not(Compare("email", "eq", "a@X.org")), columns)
            )
        )
        assert list(found) == [2]
    engine.dispose()


# Equivalence property ------------------------------------------------------------------------

# SQLite's lower() folds ASCII only, so the property sticks to ASCII (non-ASCII is tested above).
ASCII = string.ascii_letters + string.digits + string.punctuation + " "
TRICKY = ["", "a", "A", "ab", "AB", "Ab", "abc", "%", "a%", "_", "a_b", "axb", "A_B", "/", "//",
          "a/b", "a/%", "'", "x'y", "\\", "\\%", "z", "Z", "~", " "]  # fmt: skip
TEXTS = st.one_of(st.sampled_from(TRICKY), st.text(alphabet=ASCII, max_size=5))
STATES = st.sampled_from(["active", "Active", "ACTIVE", "blocked", "Blocked", "pending", ""])
STATE_PARTS = st.one_of(STATES, st.sampled_from(["act", "ACT", "ive", "ed", "%", "_"]))
MOMENTS = st.one_of(
    st.sampled_from([JUNE, JUNE + MICRO, JUNE - MICRO,
                     JUNE + timedelta(days=365), datetime(1970, 1, 1, tzinfo=UTC)]),
    st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
)  # fmt: skip
ALL_OPS = ["eq", "ne", "gt", "ge", "lt", "le"]


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


ROW_STRATEGY = st.fixed_dictionaries(
    {
        "name": maybe(TEXTS),
        "state": maybe(STATES),
        "created": maybe(MOMENTS),
        "enabled": maybe(st.booleans()),
    }
)


def comparisons(
    field: str, ops: list[str], values: st.SearchStrategy[Any]
) -> st.SearchStrategy[Filter]:
    return st.one_of(
        st.builds(Compare, st.just(field), st.sampled_from(ops), values),
        st.builds(Compare, st.just(field), st.sampled_from(["eq", "ne"]), st.none()),
    )


def text_matches(field: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[Filter]:
    functions = st.sampled_from(["contains", "startswith", "endswith"])
    return st.builds(TextMatch, functions, st.just(field), values)


LEAVES = st.one_of(
    comparisons("name", ALL_OPS, TEXTS),
    comparisons("state", ALL_OPS, STATE_PARTS),
    comparisons("created", ALL_OPS, MOMENTS),
    comparisons("enabled", ["eq", "ne"], st.booleans()),
    text_matches("name", TEXTS),
    text_matches("state", STATE_PARTS),
)


def branches(inner: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    items = st.lists(inner, min_size=2, max_size=3).map(tuple)
    return st.one_of(st.builds(And, items), st.builds(Or, items), st.builds(Not, inner))


TREES = st.recursive(LEAVES, branches, max_leaves=8)
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_equivalent(db: Database, rows: list[Row], trees: list[Filter]) -> None:
    try:
        db.load(rows)
        everything = set(range(len(rows)))
        for tree in trees:
            expected = {i for i, row in enumerate(rows) if evaluate(tree, row)}
            assert db.ids(tree) == expected, tree
            assert db.ids(Not(tree)) == everything - expected, Not(tree)
            # The form a dense filter's page is read with (storage.paging) chooses the same.
            assert db.ids(tree, indexes=False) == expected, ("without indexes", tree)
            for indexes in (True, False):
                assert db.ids(tree, indexes=indexes, shared=True) == expected, ("shared", tree)
    finally:
        db.reset()


ROW_LISTS = st.lists(ROW_STRATEGY, max_size=10)
TREE_LISTS = st.lists(TREES, min_size=1, max_size=4)


@PROPERTY
@given(rows=ROW_LISTS, trees=TREE_LISTS)
def test_sqlite_matches_reference(
    sqlite_db: Database, rows: list[Row], trees: list[Filter]
) -> None:
    assert_equivalent(sqlite_db, rows, trees)


@PROPERTY
@given(rows=ROW_LISTS, trees=TREE_LISTS)
def test_postgres_matches_reference(
    postgres_db: Database, rows: list[Row], trees: list[Filter]
) -> None:
    assert_equivalent(postgres_db, rows, trees)


def ascii_lower(value: str) -> str:
    return "".join(char.lower() if char.isascii() else char for char in value)


def test_non_ascii_on_postgres(pg_url: str) -> None:
    """With the database's default collation a stored value always matches itself, and letters
    compare case-insensitively as far as the server's lower() folds them (all of them under a
    UTF-8 locale, ASCII only under the C locale)."""
    names = ["Émile", "émile", "ÉMILE"]
    with open_database(pg_url, make_table("filter_unicode", temporary=True)) as database:
        database.load([{"name": value} for value in names])
        folds = database.connection.scalar(sa.text("select lower('É') = 'é'"))
        lower = str.lower if folds else ascii_lower
        for value in names:
            expected = {i for i, stored in enumerate(names) if lower(stored) == lower(value)}
            assert database.ids(n("eq", value)) == expected
            assert database.ids(TextMatch("startswith", "name", value[:2])) == expected
