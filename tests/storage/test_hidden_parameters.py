"""A failed statement's error names the statement, never its values: the error of an
unexpected database failure is logged with the 500 it becomes, and a statement's values can
be password hashes, link digests or subscription keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.databases import database_for

from apidesk.storage.database import create_database_engine

SECRET = "argon2-hash-that-must-not-be-logged"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_failed_statement_does_not_show_its_values(tmp_path: Path, backend: str) -> None:
    with database_for(backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=1)
        try:
            # A failure whose own message does not quote the value (PostgreSQL's details of
            # a constraint's violation do; the unit of work answers those as conflicts).
            with pytest.raises(DBAPIError) as failed, engine.begin() as connection:
                connection.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": SECRET})
            shown = str(failed.value)
            assert "INSERT INTO no_such_table" in shown
            assert SECRET not in shown and SECRET not in repr(failed.value)
        finally:
            engine.dispose()
