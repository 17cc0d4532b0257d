"""Every row of the database, to show that a refused request changed nothing."""

from __future__ import annotations

from sqlalchemy import MetaData, select
from support.inprocess import InProcessServer

# Rows that any request may change: sign-in sessions (their last use) and throttle counters.
VOLATILE = frozenset({"portal_sessions", "operator_sessions", "throttles", "operator_throttles"})


def snapshot(app: InProcessServer) -> dict[str, list[str]]:
    engine = app.runtime.database.engine
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in tables.sorted_tables
            if table.name not in VOLATILE
        }
