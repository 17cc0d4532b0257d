"""Backups a deployment can take while it serves, and their restore.

SQLite: the online backup API copies a consistent snapshot page by page while writers go on
(in WAL mode they are not even paused). PostgreSQL: `pg_dump` in its custom format, a
consistent snapshot as well, restored with `pg_restore`. Neither holds the secret key that
encrypts subscription keys at rest: keep the key file (or `APIDESK_SECRET_KEY`) with backups.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from apidesk.errors import Invalid
from apidesk.files import create_private
from apidesk.storage.database import create_database_engine, driver_url, sqlite_path


class BackupFailed(Exception):
    """A backup or restore tool failed; the message says how."""


@dataclass(frozen=True)
class Done:
    path: Path
    size: int
    method: str


def backup(database_url: str, destination: Path) -> Done:
    """Write a consistent copy of the database to `destination` (owner-only; replaced only
    once the copy is complete)."""
    if destination.is_dir():
        raise Invalid.field("destination", f"{destination} is a directory; name a file.")
    source = sqlite_path(database_url)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        if source is not None:
            if not source.exists():
                raise Invalid.field("database", f"There is no database at {source}.")
            _sqlite_copy(source, partial)
            method = "sqlite online backup"
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], database_url)
            method = "pg_dump (custom format)"
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return Done(destination, destination.stat().st_size, method)


def restore(database_url: str, source: Path, *, replace: bool) -> Done:
    """Load a backup into the configured database, which must be empty unless `replace`.
    Stop every `apidesk serve` of the deployment first."""
    if not source.is_file():
        raise Invalid.field("file", f"There is no backup file at {source}.")
    target = sqlite_path(database_url)
    if target is not None:
        if not _is_sqlite_file(source):
            raise Invalid.field("file", f"{source} is not a SQLite backup.")
        if target.exists() and target.stat().st_size > 0 and not replace:
            raise Invalid.field("database", f"{target} exists; pass --replace to overwrite it.")
        create_private(target)
        _sqlite_copy(source, target)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return Done(target, target.stat().st_size, "sqlite online backup")
    if _is_sqlite_file(source):
        raise Invalid.field("file", f"{source} is a SQLite backup; the database is PostgreSQL.")
    if not replace and _has_schema(database_url):
        raise Invalid.field("database", "The database has tables; pass --replace to overwrite it.")
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], database_url, into="--dbname")
    return Done(source, source.stat().st_size, "pg_restore")


def _has_schema(database_url: str) -> bool:
    engine = create_database_engine(database_url, pool_size=1)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _sqlite_copy(source: Path, destination: Path) -> None:
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(destination, timeout=30)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = writer.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupFailed(f"the copy failed its integrity check: {verdict}")
    finally:
        writer.close()
        reader.close()


def _run(command: list[str], database_url: str, *, into: str = "--dbname") -> None:
    """Run a PostgreSQL client tool against the database; the password travels in the
    environment, never on a command line another user could read."""
    if shutil.which(command[0]) is None:
        raise BackupFailed(f"{command[0]} is not installed (Debian: postgresql-client)")
    url = make_url(driver_url(database_url))
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603 (our own fixed tool and arguments)
        [command[0], f"{into}={plain}", *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupFailed(f"{command[0]} failed: {detail[-1] if detail else done.returncode}")
