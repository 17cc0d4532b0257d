"""The quick schema check every start makes, without loading Alembic."""

from __future__ import annotations

from pathlib import Path

from support.databases import database_for

from apidesk.storage import migrate
from apidesk.storage.database import create_database_engine


def test_the_quick_schema_check_agrees_with_alembic(tmp_path: Path, workspace_backend: str) -> None:
    """Every start reads the schema's revision without Alembic; it must see what Alembic sees."""
    assert migrate.shipped_head() == migrate.head_revision()
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            assert not migrate.is_current(engine)  # no schema at all
            migrate.upgrade(engine, "0001")
            assert not migrate.is_current(engine)
            migrate.upgrade(engine)
            assert migrate.is_current(engine)
            assert migrate.current_revision(engine) == migrate.head_revision()
        finally:
            engine.dispose()
