"""Engines and units of work.

One engine per process. SQLite gets WAL, foreign keys and a busy timeout; a unit of work that
writes starts with `BEGIN IMMEDIATE` so two writers queue up instead of failing when the
second one tries to upgrade its read lock, and they take turns on a file lock first
(`apidesk.storage.turns`) so that the queue moves without SQLite's sleeps. PostgreSQL runs at
READ COMMITTED; the writes that must not race use conditional updates or row locks.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from apidesk.files import create_private
from apidesk.storage.checkpoints import BACKSTOP_PAGES, Checkpoints
from apidesk.storage.integrity import translated
from apidesk.storage.standbys import Standbys
from apidesk.storage.turns import WriteTurns

WRITE_OPTION = "apidesk_write"
BUSY_TIMEOUT_SECONDS = 30
"""How long a SQLite statement waits for a lock another connection holds before it fails."""
PING_AFTER_IDLE_SECONDS = 0.5
"""A PostgreSQL connection idle in the pool longer than this is pinged before it is used."""


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
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL, which it then keeps. The switch needs the file to itself, and
    when the first connections of processes starting together on a new file race for it,
    SQLite refuses the losers at once (waiting would deadlock them) rather than after its busy
    timeout. A loser tries again until the busy timeout has passed; by then the winner's
    switch is done and the loser finds the file in WAL."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def create_database_engine(url: str, *, pool_size: int = 20) -> Engine:
    """The engine for `url`. A failed statement's error, which a 500 logs, shows the statement
    but never its values (`hide_parameters`): they can be password hashes, link digests,
    subscription keys or a sign-up's pending password."""
    real_url = driver_url(url)
    if real_url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            # Made here, owner-only, before SQLite makes it with the process's umask; SQLite
            # gives the -wal and -shm files the mode of the database file.
            create_private(path)
        engine = create_engine(
            real_url,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
            # JSON columns (a user's identities) are read on every list row; orjson reads
            # them several times faster than the standard library. Writing is unchanged.
            json_deserializer=orjson.loads,
            pool_size=pool_size,
            max_overflow=20,
            pool_timeout=60,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        real_url,
        hide_parameters=True,
        json_deserializer=orjson.loads,  # as for SQLite: the identities of every listed user
        pool_size=pool_size,
        max_overflow=20,
        pool_timeout=60,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Before a pooled connection is used, a ping (a round trip) proves it alive, but only when
    it has been idle for `PING_AFTER_IDLE_SECONDS`: one just given back by a unit that used it
    is alive, and pinging every unit's connection (SQLAlchemy's `pool_pre_ping`) was one
    round trip in five of a GET. A dead one is dropped and another taken, as with
    `pool_pre_ping`."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out another (a new one: no ping).
            raise exc.DisconnectionError(str(error)) from error


def reading(engine: Engine) -> Engine:
    """What reads use. On PostgreSQL each statement of a read takes its own snapshot at
    the default isolation, in a transaction or out of one, so reads run without one: no
    BEGIN and COMMIT round trips (a GET of one user sent four, now two). A read that needs
    one snapshot asks for it (`storage.bulk.snapshot`). SQLite's read transaction is
    its snapshot, and costs no round trip."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@dataclass
class Database:
    engine: Engine
    standbys: Standbys | None = None

    def __post_init__(self) -> None:
        path = sqlite_path(str(self.engine.url)) if self.engine.dialect.name == "sqlite" else None
        self._turns: WriteTurns | None = None
        self._checkpoints: Checkpoints | None = None
        if path is not None:
            self._turns = WriteTurns(path)
            self._checkpoints = Checkpoints(path, self._turns.turn)
            event.listen(self.engine, "connect", self._leave_checkpoints)
        self._reader = sessionmaker(reading(self.engine), expire_on_commit=False, autoflush=True)
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

    def at_once(self, *, write: bool) -> int:
        """How many requests' reads, or writes, a process lets into threads at once
        (`apidesk.threads.run_in_turn`): one on SQLite, where a write waits for the write
        turn and a read is all CPU, so that threads do not hand the interpreter lock back
        and forth on every row; a few on PostgreSQL, enough to keep a process busy while its
        threads wait on the server."""
        return 1 if self.is_sqlite else 4

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
        """A session that commits when the block ends normally and rolls back otherwise. A
        unique or primary-key violation, at a flush or at the commit (another writer took the
        id, the name or the link first), leaves as the domain's `Collided` conflict, and a
        foreign-key violation (another writer deleted what this one refers to) as `Vanished`,
        a not-found, for every front door to show as it shows any other."""
        with self._turns.turn() if write and self._turns is not None else nullcontext():
            session = self.session(write=write)
            try:
                yield session
                session.commit()
            except exc.IntegrityError as error:
                session.rollback()
                domain_error = translated(error)
                if domain_error is not None:
                    raise domain_error from error
                raise
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def checkpoint_in_background(self) -> None:
        """From now on a thread of this process checkpoints SQLite's log, and this process's
        connections leave it to that thread (`storage.checkpoints`), until
        `stop_checkpoints`. Nothing for PostgreSQL or a database in memory."""
        if self._checkpoints is None or self._checkpoints.running:
            return
        self._checkpoints.start()
        # Connections opened before now still checkpoint at SQLite's default mark.
        self.engine.dispose()

    @property
    def checkpointing(self) -> bool:
        """Whether a thread of this process checkpoints SQLite's log."""
        return self._checkpoints is not None and self._checkpoints.running

    def stop_checkpoints(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()

    def _leave_checkpoints(self, dbapi_connection: Any, _record: Any) -> None:
        if self.checkpointing:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
            cursor.close()

    def dispose(self) -> None:
        self.stop_checkpoints()
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
    # Finding a caught-up standby and reading from it run outside transactions, as reads do.
    return Database(engine, Standbys(reading(engine), [reading(each) for each in standbys]))
