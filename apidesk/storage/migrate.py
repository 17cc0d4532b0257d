"""Create or upgrade the schema with the Alembic migrations shipped in this package."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from apidesk.storage.database import WRITE_OPTION

log = logging.getLogger("apidesk.migrate")
MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process of a deployment.
_PG_LOCK_ID = 0x61706964


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> list[str]:
    """Every revision this release ships."""
    return [script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. Safe when several processes start at once."""
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
            connection.commit()
        try:
            found = MigrationContext.configure(connection).get_current_revision()
            if revision == "head" and found is not None and found not in known_revisions():
                # A newer release migrated this database (a rolling upgrade's expand step):
                # this release runs on it as it is and leaves the schema alone.
                log.warning("the schema (%s) is newer than this release; not migrating", found)
                connection.rollback()
                return
            command.upgrade(_config(connection), revision)
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
                connection.commit()


def make_revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a migration from the models (`apidesk db revision`)."""
    with engine.connect() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
