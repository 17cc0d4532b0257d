"""The key check's queries, run without a thread hop.

On the hottest path, handing each check to a worker thread and SQLAlchemy's per-statement
machinery cost several times more than the queries themselves (docs/benchmarks.md). So the
check runs on the event loop: with SQLite on one dedicated connection (a WAL read does not wait
for writers), with PostgreSQL on psycopg's asynchronous pool in autocommit mode (no BEGIN or
ROLLBACK round trips). The SQL is written once with `:name` parameters and rewritten to
`%(name)s` for psycopg.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from apidesk.storage.availability import is_unavailable
from apidesk.storage.database import driver_url, sqlite_path

log = logging.getLogger("apidesk.gateway")
T = TypeVar("T")

MAX_CANDIDATES = 13

# The API by the longest path prefix, and with it, in the same statement, the subscription of
# the key the request most likely carries (the one under the default names; `:digest` is NULL
# when there is none): one round trip for the usual check. The key's columns are NULL when
# no subscription has that key in the API's service.
_FIND_API = """
SELECT a.id, a.name, a.subscription_required, a.header_name, a.query_name, a.instance_id,
       a.open_product,
       s.name, s.state, s.scope, s.api_id, u.name, u.state, u.email, p.name, p.state,
       EXISTS (
           SELECT 1 FROM product_apis pa
           WHERE pa.product_id = s.product_id AND pa.api_id = a.id
       )
FROM (
    SELECT a.id, a.name, a.subscription_required, a.header_name, a.query_name,
           i.id AS instance_id,
           EXISTS (
               SELECT 1 FROM product_apis pa JOIN products p ON p.id = pa.product_id
               WHERE pa.api_id = a.id AND p.state = 'published' AND NOT p.subscription_required
           ) AS open_product
    FROM instances i JOIN apis a ON a.instance_id = i.id
    WHERE i.name_key = :service AND a.path_key IN ({candidates})
    ORDER BY length(a.path_key) DESC
    LIMIT 1
) a
LEFT JOIN subscription_keys k ON k.instance_id = a.instance_id AND k.digest = :digest
LEFT JOIN subscriptions s ON s.id = k.subscription_id
LEFT JOIN users u ON u.id = s.owner_id
LEFT JOIN products p ON p.id = s.product_id
""".format(  # noqa: S608 - only placeholders are formatted in, never values
    candidates=", ".join(f":p{index}" for index in range(MAX_CANDIDATES))
)

_FIND_SERVICE = "SELECT id FROM instances WHERE name_key = :service"

_FIND_KEY = """
SELECT s.name, s.state, s.scope, s.api_id, u.name, u.state, u.email, p.name, p.state,
       EXISTS (
           SELECT 1 FROM product_apis pa
           WHERE pa.product_id = s.product_id AND pa.api_id = :api_id
       )
FROM subscription_keys k
JOIN subscriptions s ON s.id = k.subscription_id
LEFT JOIN users u ON u.id = s.owner_id
LEFT JOIN products p ON p.id = s.product_id
WHERE k.instance_id = :instance_id AND k.digest = :digest
"""

Row = tuple[Any, ...]
# Of a row of _FIND_API, the API's columns; the key's follow (as a row of _FIND_KEY).
API_COLUMNS = 7


def _pyformat(sql: str) -> str:
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def _api_params(service: str, paths: list[str], digest: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"service": service, "digest": digest}
    for index in range(MAX_CANDIDATES):
        # NULL never equals anything, so unused slots match nothing.
        params[f"p{index}"] = paths[index] if index < len(paths) else None
    return params


class Reads(Protocol):
    async def api(self, service: str, paths: list[str], digest: str | None) -> Row | None:
        """The API (with, after its API_COLUMNS, the subscription of the key `digest`)."""
        ...

    async def service_exists(self, service: str) -> bool: ...

    async def key(self, instance_id: int, digest: str, api_id: int) -> Row | None: ...


class GatewayStore(Protocol):
    def reads(self) -> Any:
        """An async context manager yielding `Reads` for one check."""
        ...

    async def run(self, work: Callable[[Reads], Awaitable[T]]) -> T:
        """`work` with the reads of one check."""
        ...

    async def close(self) -> None: ...


class SqliteStore:
    """One connection, used from the event loop only: checks run one after another."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA busy_timeout=5000")
        self._connection.execute("PRAGMA query_only=ON")

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reads]:
        yield _SqliteReads(self._connection)

    async def run(self, work: Callable[[Reads], Awaitable[T]]) -> T:
        return await work(_SqliteReads(self._connection))

    async def close(self) -> None:
        self._connection.close()


class _SqliteReads:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def api(self, service: str, paths: list[str], digest: str | None) -> Row | None:
        params = _api_params(service, paths, digest)
        row = self._connection.execute(_FIND_API, params).fetchone()
        return tuple(row) if row else None

    async def service_exists(self, service: str) -> bool:
        return self._connection.execute(_FIND_SERVICE, {"service": service}).fetchone() is not None

    async def key(self, instance_id: int, digest: str, api_id: int) -> Row | None:
        row = self._connection.execute(
            _FIND_KEY, {"instance_id": instance_id, "digest": digest, "api_id": api_id}
        ).fetchone()
        return tuple(row) if row else None


class PostgresStore:
    """psycopg's asynchronous pool, opened on first use (it needs the running event loop)."""

    _FIND_API = _pyformat(_FIND_API)
    _FIND_SERVICE = _pyformat(_FIND_SERVICE)
    _FIND_KEY = _pyformat(_FIND_KEY)

    def __init__(self, conninfo: str, *, max_size: int = 10, timeout: float = 30) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=timeout,
        )
        self._opened = False
        self._lock = asyncio.Lock()

    async def _open(self) -> None:
        async with self._lock:
            if not self._opened:
                await self._pool.open()
                self._opened = True

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reads]:
        if not self._opened:
            await self._open()
        async with self._pool.connection() as connection:
            yield _PostgresReads(connection)

    async def run(self, work: Callable[[Reads], Awaitable[T]]) -> T:
        async with self.reads() as reads:
            return await work(reads)

    async def close(self) -> None:
        if self._opened:
            await self._pool.close()


class _PostgresReads:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def _one(self, sql: str, params: dict[str, Any]) -> Row | None:
        cursor = await self._connection.execute(sql, params)
        row = await cursor.fetchone()
        return tuple(row) if row else None

    async def api(self, service: str, paths: list[str], digest: str | None) -> Row | None:
        return await self._one(PostgresStore._FIND_API, _api_params(service, paths, digest))

    async def service_exists(self, service: str) -> bool:
        return await self._one(PostgresStore._FIND_SERVICE, {"service": service}) is not None

    async def key(self, instance_id: int, digest: str, api_id: int) -> Row | None:
        return await self._one(
            PostgresStore._FIND_KEY,
            {"instance_id": instance_id, "digest": digest, "api_id": api_id},
        )


class FailoverStore:
    """Checks read from a standby, and from the primary while the standby cannot answer."""

    def __init__(self, standby: PostgresStore, primary: PostgresStore, rest_seconds: float = 5):
        self.standby = standby
        self.primary = primary
        self.rest_seconds = rest_seconds
        self._resting_until = 0.0

    def reads(self) -> Any:
        return self.primary.reads()

    async def run(self, work: Callable[[Reads], Awaitable[T]]) -> T:
        if time.monotonic() >= self._resting_until:
            try:
                return await self.standby.run(work)
            except Exception as error:
                if not is_unavailable(error):
                    raise
                self._resting_until = time.monotonic() + self.rest_seconds
                log.warning("the standby cannot answer key checks; the primary does for a while")
        return await self.primary.run(work)

    async def close(self) -> None:
        await self.standby.close()
        await self.primary.close()


def _conninfo(database_url: str) -> str:
    url = make_url(driver_url(database_url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def open_store(database_url: str, standby_url: str | None = None) -> GatewayStore:
    """The key check's store; with `standby_url`, checks read from that standby (only safe
    when the primary applies every commit there before it returns: see `standby_is_current`)."""
    if database_url.startswith("sqlite"):
        path = sqlite_path(database_url)
        if path is None:
            raise ValueError("the gateway needs a SQLite file; an in-memory database has none")
        return SqliteStore(str(path))
    primary = PostgresStore(_conninfo(database_url))
    if standby_url is None:
        return primary
    return FailoverStore(PostgresStore(_conninfo(standby_url), timeout=2), primary)


def standby_is_current(database_url: str) -> bool:
    """True when the primary makes a commit visible on its synchronous standbys before the
    commit returns (`synchronous_commit = remote_apply` with `synchronous_standby_names` set):
    then a block is refused by a check on a standby as soon as the block's answer is out."""
    with psycopg.connect(_conninfo(database_url), autocommit=True, connect_timeout=10) as conn:
        commit = conn.execute("SHOW synchronous_commit").fetchone()
        names = conn.execute("SHOW synchronous_standby_names").fetchone()
    return bool(commit and commit[0] == "remote_apply" and names and names[0].strip())
