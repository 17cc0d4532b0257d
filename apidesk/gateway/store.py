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
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from apidesk.storage.database import driver_url, sqlite_path

MAX_CANDIDATES = 13

_FIND_API = """
SELECT a.id, a.name, a.subscription_required, a.header_name, a.query_name, i.id,
       EXISTS (
           SELECT 1 FROM product_apis pa JOIN products p ON p.id = pa.product_id
           WHERE pa.api_id = a.id AND p.state = 'published' AND NOT p.subscription_required
       )
FROM instances i JOIN apis a ON a.instance_id = i.id
WHERE i.name_key = :service AND a.path_key IN ({candidates})
ORDER BY length(a.path_key) DESC
LIMIT 1
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


def _pyformat(sql: str) -> str:
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def _api_params(service: str, paths: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {"service": service}
    for index in range(MAX_CANDIDATES):
        # NULL never equals anything, so unused slots match nothing.
        params[f"p{index}"] = paths[index] if index < len(paths) else None
    return params


class Reads(Protocol):
    async def api(self, service: str, paths: list[str]) -> Row | None: ...

    async def service_exists(self, service: str) -> bool: ...

    async def key(self, instance_id: int, digest: str, api_id: int) -> Row | None: ...


class GatewayStore(Protocol):
    def reads(self) -> Any:
        """An async context manager yielding `Reads` for one check."""
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

    async def close(self) -> None:
        self._connection.close()


class _SqliteReads:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def api(self, service: str, paths: list[str]) -> Row | None:
        row = self._connection.execute(_FIND_API, _api_params(service, paths)).fetchone()
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

    def __init__(self, conninfo: str, *, max_size: int = 10) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            open=False,
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

    async def api(self, service: str, paths: list[str]) -> Row | None:
        return await self._one(PostgresStore._FIND_API, _api_params(service, paths))

    async def service_exists(self, service: str) -> bool:
        return await self._one(PostgresStore._FIND_SERVICE, {"service": service}) is not None

    async def key(self, instance_id: int, digest: str, api_id: int) -> Row | None:
        return await self._one(
            PostgresStore._FIND_KEY,
            {"instance_id": instance_id, "digest": digest, "api_id": api_id},
        )


def open_store(database_url: str) -> GatewayStore:
    if database_url.startswith("sqlite"):
        path = sqlite_path(database_url)
        if path is None:
            raise ValueError("the gateway needs a SQLite file; an in-memory database has none")
        return SqliteStore(str(path))
    url = make_url(driver_url(database_url)).set(drivername="postgresql")
    return PostgresStore(url.render_as_string(hide_password=False))
