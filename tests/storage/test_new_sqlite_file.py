"""A new SQLite file switches to WAL on its first connection. Processes that start together
on one (the workers of `apidesk serve`, replicas sharing a volume) race for that switch, and
SQLite refuses the losers at once instead of making them wait: every one of them must still
get in. Engines of their own, each opened in a thread of its own, stand in for the processes,
as in tests/ops/test_startup_race.py."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from apidesk.storage import database
from apidesk.storage.database import create_database_engine

STARTERS = 8
ROUNDS = 30  # before the fix, about one round in five lost a connection to the race


def _connect_together(engines: list[Engine]) -> list[BaseException]:
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def connect(engine: Engine) -> None:
        start.wait()
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except BaseException as error:  # any of them: the test shows it
            errors.append(error)

    threads = [threading.Thread(target=connect, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_first_connections_racing_on_a_new_file_all_get_in(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        path = tmp_path / f"new-{round_}.db"
        engines = [create_database_engine(f"sqlite:///{path}") for _ in range(STARTERS)]
        try:
            errors = _connect_together(engines)
        finally:
            for engine in engines:
                engine.dispose()
        assert errors == [], f"round {round_}: {errors}"
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_held_past_the_busy_timeout_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The switch tries again only until the busy timeout: a file another connection keeps
    to itself fails the connection, as any statement would, instead of hanging it."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.5)
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_database_engine(f"sqlite:///{path}")
    began = time.monotonic()
    try:
        with pytest.raises(Exception, match="database is locked"), engine.connect():
            pass
        assert time.monotonic() - began < 10
    finally:
        engine.dispose()
        holder.rollback()
        holder.close()
