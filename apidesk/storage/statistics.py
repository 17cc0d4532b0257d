"""The planner's statistics after a bulk change.

PostgreSQL plans from statistics that autovacuum refreshes on its own schedule. Right after a
bulk import of a million users they still describe the table as it was (a few hundred rows),
and plans chosen from them can read every row: measured at 300,000 users, a list's bounded
count took 24 ms with the old statistics and 2.7 ms after `ANALYZE`. Nor are the new rows'
pages marked all-visible until a VACUUM has run, so a count answered from an index alone
still visits the table for every entry, and the planner prefers reading the table itself: at
a million users, counting 10,001 matches of `startswith(name,'u3')` read about 35,000 rows
(11 ms) before `VACUUM` and 10,001 index entries (4-6 ms) after. SQLite keeps no statistics
unless asked, and Apidesk's plans there are made without them (docs/query-plans.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

_NAME = frozenset({"users", "group_members"})


def settle(engine: Engine, tables: Sequence[str]) -> None:
    """After a bulk change, on PostgreSQL: `VACUUM (ANALYZE)` of `tables`, which refreshes
    the statistics and marks the pages all-visible. It runs outside any transaction (VACUUM
    cannot run in one), reads only the pages changed since the last one, and takes no lock
    that holds up reads or writes; nothing on SQLite."""
    if engine.dialect.name != "postgresql":
        return
    unknown = set(tables) - _NAME
    if unknown:
        raise ValueError(f"no statistics are refreshed for {sorted(unknown)}")
    names = ", ".join(tables)  # from the fixed set above
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {names}")
