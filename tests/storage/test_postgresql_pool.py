"""How units of work use PostgreSQL's connections: reads run outside a transaction (no BEGIN
or COMMIT round trips), a read that asks for one snapshot still gets it, and a pooled
connection is pinged only after it has been idle a while, a dead one replaced unseen."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import text
from support.databases import fresh_postgres_database

from apidesk.storage import bulk, database
from apidesk.storage.database import Database, open_database


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with fresh_postgres_database() as made:
        yield made


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    opened = open_database(url)
    try:
        yield opened
    finally:
        opened.dispose()


def _status(session: Any) -> TransactionStatus:
    raw = session.connection().connection.dbapi_connection
    return TransactionStatus(raw.info.transaction_status)


def test_a_read_runs_outside_a_transaction_and_a_write_inside_one(db: Database) -> None:
    with db.unit_of_work(write=False) as session:
        assert session.scalar(text("SELECT 1")) == 1
        assert _status(session) == TransactionStatus.IDLE
    with db.unit_of_work(write=True) as session:
        assert session.scalar(text("SELECT 1")) == 1
        assert _status(session) == TransactionStatus.INTRANS


def test_a_read_that_asks_for_one_snapshot_gets_one(db: Database, url: str) -> None:
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS seen (n integer)"))
        session.execute(text("DELETE FROM seen"))
    with db.unit_of_work(write=False) as session:
        bulk.snapshot(session)
        assert session.scalar(text("SELECT count(*) FROM seen")) == 0
        assert _status(session) == TransactionStatus.INTRANS
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("INSERT INTO seen VALUES (1)")
        assert session.scalar(text("SELECT count(*) FROM seen")) == 0
    with db.unit_of_work(write=False) as session:
        # The pool gave the connection back as the engine's reads want it.
        assert session.scalar(text("SELECT count(*) FROM seen")) == 1
        assert _status(session) == TransactionStatus.IDLE


def _pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    dialect = db.engine.dialect
    pinged: list[object] = []
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pinged


def test_a_connection_is_pinged_only_after_it_was_idle(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.3)
    pinged = _pings(db, monkeypatch)
    for _ in range(5):
        with db.unit_of_work(write=False) as session:
            session.scalar(text("SELECT 1"))
    assert pinged == []
    time.sleep(0.4)
    with db.unit_of_work(write=False) as session:
        session.scalar(text("SELECT 1"))
    assert len(pinged) == 1


def test_a_dead_idle_connection_is_replaced_before_a_unit_uses_it(
    db: Database, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.1)
    with db.unit_of_work(write=False) as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    time.sleep(0.2)
    for write in (True, False):
        with db.unit_of_work(write=write) as session:
            assert session.scalar(text("SELECT pg_backend_pid()")) != backend
