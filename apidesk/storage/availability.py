"""Tell a database that cannot be used right now from a bug, whichever driver raised it.

Unreachable, shut down, locked past the busy timeout, read-only, out of connections: each
front door answers these with 503 and Retry-After in its own shape. Anything else is a bug and
a 500.
"""

from __future__ import annotations

import sqlite3
import sys

from sqlalchemy import exc

# PostgreSQL error classes that mean "not now" rather than "wrong": connection exceptions,
# read-only transactions (a standby, or default_transaction_read_only), insufficient
# resources, operator intervention (shutdown, cancel, crash recovery).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_READ_ONLY = "25006"


def _pg_unavailable(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None) or ""
    return sqlstate == _READ_ONLY or sqlstate[:2] in _UNAVAILABLE_CLASSES


def is_unavailable(error: BaseException) -> bool:
    """True when `error` says the database cannot serve requests at the moment."""
    # psycopg is looked up, not imported: a process that never loaded it (every SQLite one,
    # and the command line) cannot hold one of its errors, and need not pay for loading it.
    psycopg = sys.modules.get("psycopg")
    psycopg_pool = sys.modules.get("psycopg_pool")
    if isinstance(error, exc.TimeoutError):
        return True
    if psycopg_pool is not None and isinstance(error, psycopg_pool.PoolTimeout):
        return True
    if isinstance(error, exc.DBAPIError):
        if isinstance(error, exc.OperationalError):
            return True
        return error.orig is not None and _pg_unavailable(error.orig)
    if isinstance(error, sqlite3.OperationalError):
        return True
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        return True
    if psycopg is not None and isinstance(error, psycopg.Error):
        return _pg_unavailable(error)
    return False
