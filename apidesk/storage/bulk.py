"""Writing many rows at once, at the driver's own speed.

SQLAlchemy's executemany prepares each row's parameters in Python, which costs more than the
database's own work when a batch holds thousands of rows. Here the values are converted once
per column type (with the column types' own bind processors, so they are stored exactly as
the ORM would store them) and handed to the driver: `COPY` on PostgreSQL, a prepared
`executemany` on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def _processors(session: Session, table: Table, columns: Sequence[str]) -> list[Any]:
    dialect = session.get_bind().dialect
    # JSON goes as its text: psycopg's COPY would not know what to make of a dict.
    return [
        json.dumps
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.bind_processor(dialect)
        for name in columns
    ]


def prepare(
    session: Session, table: Table, columns: Sequence[str]
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function turning one row of Python values into what the driver stores."""
    processors = [
        (index, process)
        for index, process in enumerate(_processors(session, table, columns))
        if process is not None
    ]

    # Many rows share a value (the moment of the import): convert it once.
    last: dict[int, tuple[Any, Any]] = {}

    def convert(values: Sequence[Any]) -> tuple[Any, ...]:
        converted = list(values)
        for index, process in processors:
            value = converted[index]
            if value is None:
                continue
            seen = last.get(index)
            if seen is not None and seen[0] is value:
                converted[index] = seen[1]
            else:
                converted[index] = process(value)
                last[index] = (value, converted[index])
        return tuple(converted)

    return convert


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values` as one bound parameter, whatever the number of values: a JSON
    array on SQLite, an array on PostgreSQL. SQLAlchemy would render thousands of
    placeholders, and building that statement costs more than running it."""
    if session.get_bind().dialect.name == "postgresql":
        element_type = column.type if not isinstance(column.type, Integer) else BigInteger()
        return column == any_(bindparam(None, list(values), type_=ARRAY(element_type)))
    listed = select(text("value")).select_from(
        func.json_each(bindparam(None, json.dumps(list(values))))
    )
    return column.in_(listed.scalar_subquery())


def snapshot(session: Session) -> None:
    """Make the session's transaction read from one snapshot. SQLite's read transactions do
    already; PostgreSQL's default isolation takes a new one for each statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows` (values in the order of `columns`) in the session's transaction."""
    if not rows:
        return
    convert = prepare(session, table, columns)
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        assert raw is not None
        copying = f"COPY {table.name} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(copying) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(convert(row))
        return
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})",  # noqa: S608 - names are ours
        [convert(row) for row in rows],
    )
