"""Filters on a key column (`users.name_key` and the like): the value is folded as the domain
folds keys and compared on the key, so the key's index answers `eq`, the comparisons and
`startswith` (on SQLite through the range the prefix spans, without a LIKE). The rows chosen
sit on the edges of that range: LIKE's wildcards, the last code point, the surrogate gap,
letters SQLite does not fold. Checked against Python on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.databases import database_for
from support.filters import shared_condition

from apidesk.query import Compare, FieldKind, Filter, Not, TextMatch
from apidesk.storage.database import driver_url
from apidesk.storage.filtering import Column, compile_filter

TOP = chr(0x10FFFF)
NAMES = [
    "abc", "ABD", "ab%x", "ab_y", "ab/z", "abz" + TOP, "abz" + TOP + "q", "ab" + TOP,
    "Ünïcode", "üx", "a" + chr(0xD7FF), "a" + chr(0xE000), "a" + chr(0xD7FF) + "x", "", "b",
    "ac", None,
]  # fmt: skip
PREFIXES = [
    "ab", "AB", "ab%", "ab_", "ab/", "abz" + TOP, "ab" + TOP, TOP, "Ü", "ü", "",
    "a" + chr(0xD7FF), "a", "abc",
]  # fmt: skip

table = sa.Table(
    "key_rows",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(64)),
    sa.Column("name_key", sa.String(64)),
    sa.Index("ix_key_rows", "name_key"),
)
COLUMNS = {"name": Column(table.c.name, FieldKind.TEXT, key=table.c.name_key)}


@pytest.fixture
def connection(tmp_path: Path, workspace_backend: str) -> Iterator[sa.Connection]:
    with database_for(workspace_backend, tmp_path) as url:
        engine = sa.create_engine(driver_url(url))
        try:
            with engine.begin() as conn:
                table.create(conn)
                conn.execute(
                    table.insert(),
                    [
                        {"id": i, "name": name, "name_key": None if name is None else name.lower()}
                        for i, name in enumerate(NAMES)
                    ],
                )
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


def found(connection: sa.Connection, node: Filter) -> set[int]:
    """The rows `node` chooses; the same with the key kept from its index (the form a dense
    filter's page is read with, storage.paging), and through the statement of a filter of
    its shape with other values (a `Listing`'s), or the test fails here."""
    chosen = set()
    for indexes in (True, False):
        where = compile_filter(node, COLUMNS, indexes=indexes)
        chosen.add(frozenset(connection.scalars(sa.select(table.c.id).where(where))))
        shared, values = shared_condition(node, COLUMNS, indexes=indexes)
        chosen.add(frozenset(connection.scalars(sa.select(table.c.id).where(shared), values)))
    assert len(chosen) == 1, (node, chosen)
    return set(chosen.pop())


def expected(test: object) -> set[int]:
    return {i for i, name in enumerate(NAMES) if test(name)}  # type: ignore[operator]


@pytest.mark.parametrize("prefix", PREFIXES, ids=ascii)
def test_startswith_on_a_key(connection: sa.Connection, prefix: str) -> None:
    starts = TextMatch("startswith", "name", prefix)

    def match(name: str | None) -> bool:
        return name is not None and name.lower().startswith(prefix.lower())

    assert found(connection, starts) == expected(match)
    assert found(connection, Not(starts)) == expected(lambda name: not match(name))


@pytest.mark.parametrize("value", ["ABC", "ünïcode", "ab%x", ""], ids=ascii)
def test_comparisons_on_a_key(connection: sa.Connection, value: str) -> None:
    folded = value.lower()
    assert found(connection, Compare("name", "eq", value)) == expected(
        lambda name: name is not None and name.lower() == folded
    )
    assert found(connection, Compare("name", "ne", value)) == expected(
        lambda name: name is None or name.lower() != folded
    )


@pytest.mark.parametrize("function", ["contains", "endswith"])
def test_other_text_functions_on_a_key(connection: sa.Connection, function: str) -> None:
    test = str.__contains__ if function == "contains" else str.endswith
    for value in ("B", "%", "_", "/z", TOP):
        node = TextMatch(function, "name", value)  # type: ignore[arg-type]
        assert found(connection, node) == expected(
            lambda name, v=value: name is not None and test(name.lower(), v.lower())
        ), value


def sqlite_plan(tmp_path: Path, node: Filter, *, indexes: bool = True) -> str:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    with engine.begin() as conn:
        table.create(conn, checkfirst=True)
        where = compile_filter(node, COLUMNS, indexes=indexes)
        sql = sa.select(table.c.id).where(where).compile(dialect=conn.dialect)
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(sql.params.values()))
        detail = " | ".join(str(row[-1]) for row in plan)
    engine.dispose()
    return detail


def test_sqlite_reads_the_prefix_range_from_the_index(tmp_path: Path) -> None:
    detail = sqlite_plan(tmp_path, TextMatch("startswith", "name", "Ab"))
    assert "ix_key_rows (name_key>? AND name_key<?)" in detail, detail


@pytest.mark.parametrize("prefix", ["Ab", "ab%", "a" + chr(0xD7FF)], ids=ascii)
def test_sqlite_matches_a_prefix_by_its_range_alone(prefix: str) -> None:
    """The range holds exactly the keys that start with the prefix (the cases above), so
    SQLite's statement matches no LIKE pattern on every key it reads; PostgreSQL's is the
    LIKE its pattern index answers. A prefix with no following string stays a LIKE."""
    where = compile_filter(TextMatch("startswith", "name", prefix), COLUMNS)
    sqlite = str(where.compile(dialect=sa.create_engine("sqlite://").dialect))
    assert "LIKE" not in sqlite and "name_key >= ?" in sqlite and "name_key < ?" in sqlite
    postgresql = str(where.compile(dialect=sa.create_engine("postgresql+psycopg://").dialect))
    assert "LIKE" in postgresql and ">=" not in postgresql
    endless = compile_filter(TextMatch("startswith", "name", TOP), COLUMNS)
    assert "LIKE" in str(endless.compile(dialect=sa.create_engine("sqlite://").dialect))


@pytest.mark.parametrize(
    "node",
    [
        TextMatch("startswith", "name", "Ab"),
        Compare("name", "eq", "ab"),
        Compare("name", "ge", "a"),
    ],
    ids=repr,
)
def test_without_indexes_sqlite_reads_no_index(tmp_path: Path, node: Filter) -> None:
    """The key's index is not searched (SQLite may still scan all of it, the smaller copy)."""
    assert "SEARCH key_rows USING COVERING INDEX ix_key_rows" in sqlite_plan(tmp_path, node)
    detail = sqlite_plan(tmp_path, node, indexes=False)
    assert "SEARCH" not in detail and "SCAN key_rows" in detail, detail
