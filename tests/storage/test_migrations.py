"""The shipped migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from apidesk.domain.context import Runtime
from apidesk.storage import migrate
from apidesk.storage.models import Base


def test_database_is_at_head(runtime: Runtime) -> None:
    assert migrate.current_revision(runtime.database.engine) == migrate.head_revision()


def test_migrations_match_models(runtime: Runtime) -> None:
    with runtime.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless(runtime: Runtime) -> None:
    migrate.upgrade(runtime.database.engine)
    migrate.upgrade(runtime.database.engine)
    assert migrate.current_revision(runtime.database.engine) == migrate.head_revision()
