"""Create or upgrade the schema with the Alembic migrations shipped in this package."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from apidesk.storage.database import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when there is something to migrate or to inspect: every command and
# every start checks the schema, and loading Alembic costs more than the rest of a CLI command.

log = logging.getLogger("apidesk.migrate")
MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process of a deployment.
_PG_LOCK_ID = 0x61706964


_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def shipped_head() -> str | None:
    """The newest shipped revision, read from the migration files without Alembic; None when
    they are not one plain chain (a merge, or anything unusual): then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text("utf-8")
        found = {m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(source)}
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not isinstance(parent, str | None):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revisions(engine: Engine) -> list[str]:
    """What the database says its schema is, read with plain SQL; [] when it has no schema."""
    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except DBAPIError:
            return []
    return [row[0] for row in rows]


def is_current(engine: Engine) -> bool:
    head = shipped_head()
    return head is not None and _stored_revisions(engine) == [head]


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> list[str]:
    """Every revision this release ships."""
    from alembic.script import ScriptDirectory

    return [script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. Safe when several processes start at once."""
    if revision == "head" and is_current(engine):
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
            connection.commit()
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys
            # enforced, that drop would delete every row referring to the table. The pragma
            # only takes effect outside a transaction, so it goes to the driver before any.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            found = MigrationContext.configure(connection).get_current_revision()
            if revision == "head" and found is not None and found not in known_revisions():
                # A newer release migrated this database (a rolling upgrade's expand step):
                # this release runs on it as it is and leaves the schema alone.
                log.warning("the schema (%s) is newer than this release; not migrating", found)
                connection.rollback()
                return
            command.upgrade(_config(connection), revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the upgrade left rows without their parents: {broken}")
            connection.commit()
        finally:
            if sqlite:
                if connection.in_transaction():
                    connection.rollback()  # a failed upgrade: the pragma needs no transaction
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
                connection.commit()


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(pragma)


def make_revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a migration from the models (`apidesk db revision`)."""
    from alembic import command

    with engine.connect() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
