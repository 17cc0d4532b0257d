"""Engines and units of work.

One engine per process. SQLite gets WAL, foreign keys and a busy timeout; a unit of work that
writes starts with `BEGIN IMMEDIATE` so two writers queue up instead of failing when the
second one tries to upgrade its read lock, and they take turns on a file lock first
(`apidesk.storage.turns`) so that the queue moves without SQLite's sleeps. PostgreSQL runs at
READ COMMITTED; the writes that must not race use conditional updates or row locks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from apidesk.files import create_private
from apidesk.storage.standbys import Standbys
from apidesk.storage.turns import WriteTurns

WRITE_OPTION = "apidesk_write"


def driver_url(url: str) -> str:
    """Map the URLs users write (`sqlite:///x`, `postgresql://...`) to the drivers we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+pysqlite://" + url[len("sqlite://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(driver_url(url))
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def create_database_engine(url: str, *, pool_size: int = 20) -> Engine:
    real_url = driver_url(url)
    if real_url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            # Made here, owner-only, before SQLite makes it with the process's umask; SQLite
            # gives the -wal and -shm files the mode of the database file.
            create_private(path)
        engine = create_engine(
            real_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # JSON columns (a user's identities) are read on every list row; orjson reads
            # them several times faster than the standard library. Writing is unchanged.
            json_deserializer=orjson.loads,
            pool_size=pool_size,
            max_overflow=20,
            pool_timeout=60,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        real_url,
        json_deserializer=orjson.loads,  # as for SQLite: the identities of every listed user
        pool_size=pool_size,
        max_overflow=20,
        pool_timeout=60,
        pool_pre_ping=True,
    )


@dataclass
class Database:
    engine: Engine
    standbys: Standbys | None = None

    def __post_init__(self) -> None:
        path = sqlite_path(str(self.engine.url)) if self.engine.dialect.name == "sqlite" else None
        self._turns = WriteTurns(path) if path is not None else None
        self._reader = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=True,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def queues_writers(self) -> bool:
        """Whether writers wait for their turn (SQLite: one writer at a time)."""
        return self._turns is not None

    @property
    def writers_at_once(self) -> int:
        """How many writes a process lets into its thread pool at once
        (`api.management.routing`): one where writers take turns, a few on PostgreSQL,
        enough to keep a process busy while its writes wait on the server."""
        return 1 if self.queues_writers else 4

    @property
    def reads_on_loop(self) -> bool:
        """Whether a short read may run on the event loop: SQLite answers it from a local
        file that writers do not block (WAL); PostgreSQL is a network round trip away."""
        return self.is_sqlite

    def session(self, *, write: bool) -> Session:
        if write:
            return self._writer()
        if self.standbys is not None:
            on_standby = self.standbys.reader()
            if on_standby is not None:
                return on_standby()
        return self._reader()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        with self._turns.turn() if write and self._turns is not None else nullcontext():
            session = self.session(write=write)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._turns is not None:
            self._turns.close()
        if self.standbys is not None:
            self.standbys.dispose()


_ADVISORY = text("SELECT pg_advisory_xact_lock(:key)")


def exclusive(session: Session, name: str) -> None:
    """Until `session`'s transaction ends, no other unit that asks for `name` gets past this
    call: for the check-then-insert steps that processes starting together would otherwise
    all take (`STARTUP`). PostgreSQL takes a transaction-level advisory lock, which also
    makes the unit's later reads see what the unit before it committed; on SQLite every
    writing unit holds the write turn already."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
        session.execute(_ADVISORY, {"key": int.from_bytes(digest, "big", signed=True)})


STARTUP = "apidesk.startup"
"""The start-up's first key fingerprint, default instance and operator."""


def open_database(url: str, read_urls: Sequence[str] = ()) -> Database:
    """The database at `url`; reads go to the hot standbys at `read_urls` when they have
    caught up (see `standbys`)."""
    engine = create_database_engine(url)
    if not read_urls:
        return Database(engine)
    if engine.dialect.name != "postgresql":
        raise ValueError("APIDESK_DATABASE_READ_URLS needs a PostgreSQL primary")
    standbys = [create_database_engine(read_url) for read_url in read_urls]
    return Database(engine, Standbys(engine, standbys))
