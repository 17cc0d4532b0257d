"""The databases the suite runs on: a SQLite file per run, and a fresh PostgreSQL database
per run on the server at 127.0.0.1:5432."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

POSTGRES_ADMIN = os.environ.get(
    "APIDESK_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


def require_postgres() -> bool:
    """Under CI the PostgreSQL half must run; on a laptop it may skip."""
    return os.environ.get("CI", "").lower() == "true"


def postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _with_database(url: str, database: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{database}"


def need_postgres() -> None:
    """Go on only when the PostgreSQL server answers: fail under CI, skip elsewhere."""
    problem = postgres_reachable()
    if problem is None:
        return
    message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN}: {problem}"
    if require_postgres():
        pytest.fail(message + " (CI=true requires the PostgreSQL half of the suite)")
    pytest.skip(message + "; the PostgreSQL half of the suite is skipped")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    need_postgres()
    name = f"apidesk_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(POSTGRES_ADMIN, name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Isolated:
    """A database of a test module's own, with the directory that holds its secret key."""

    database_url: str
    directory: Path


@contextmanager
def database_for(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'apidesk.db'}"
        return
    with fresh_postgres_database() as url:
        yield url
