"""The prefix indexes keep their PostgreSQL operator class, given without loading the dialect.

`postgresql_index` (apidesk/storage/models/base.py) records `postgresql_ops` without the import
of SQLAlchemy's PostgreSQL dialect that `Index(..., postgresql_ops=...)` costs every CLI command
(issue 12). The DDL must stay what a plain `Index` gives, from the models and from the
migrations alike.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Index, MetaData, Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import ArgumentError
from sqlalchemy.schema import CreateIndex
from support.databases import fresh_postgres_database

from apidesk.domain.context import Runtime
from apidesk.storage.database import create_database_engine
from apidesk.storage.models import Base, Subscription, User
from apidesk.storage.models.base import postgresql_index

PREFIX_INDEXES = {
    "ix_users_name_prefix": {"name_key": "varchar_pattern_ops"},
    "ix_users_email_prefix": {"email_key": "varchar_pattern_ops"},
    "ix_subscriptions_name_prefix": {"name_key": "varchar_pattern_ops"},
}


def _indexes(table: Table) -> dict[str, Index]:
    return {index.name: index for index in table.indexes if index.name in PREFIX_INDEXES}


def _model_indexes() -> dict[str, Index]:
    tables = (User.__table__, Subscription.__table__)
    return {name: index for table in tables for name, index in _indexes(table).items()}  # type: ignore[arg-type]


def test_the_models_load_without_the_postgresql_dialect() -> None:
    code = (
        "import sys\nfrom apidesk.storage.models import Subscription, User\n"
        "print(sorted(n for n in sys.modules if n.startswith('sqlalchemy.dialects.postgresql')))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert shown.stdout.strip() == "[]"


def test_the_options_are_those_given_and_the_ddl_that_of_a_plain_index() -> None:
    found = _model_indexes()
    assert set(found) == set(PREFIX_INDEXES)
    for name, index in found.items():
        assert dict(index.dialect_kwargs) == {"postgresql_ops": PREFIX_INDEXES[name]}
        # A copy is made with `Index(..., postgresql_ops=...)`, the plain way.
        copy = _indexes(index.table.to_metadata(MetaData()))[name]  # type: ignore[union-attr]
        assert type(copy.dialect_options["postgresql"]).__name__ == "_DialectArgDict"
        # Every PostgreSQL option, the dialect's defaults included, is the plain index's.
        ours_options = index.dialect_options["postgresql"]
        assert dict(ours_options) == dict(copy.dialect_options["postgresql"])
        assert ours_options["ops"] == PREFIX_INDEXES[name] and len(ours_options) > 1
        ours = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
        plain = str(CreateIndex(copy).compile(dialect=postgresql.dialect()))
        assert ours == plain
        assert f"{next(iter(PREFIX_INDEXES[name]))} varchar_pattern_ops)" in ours


def test_an_option_the_dialect_does_not_know_is_refused_when_read() -> None:
    index = postgresql_index("ix_probe", "a", bogus=1)
    with pytest.raises(ArgumentError, match="postgresql_bogus"):
        index.dialect_options["postgresql"]["using"]


def _definitions(url: str) -> dict[str, str]:
    engine = create_database_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_prefix'")
            )
            return {name: definition for name, definition in rows}
    finally:
        engine.dispose()


def test_migrations_and_create_all_build_the_same_prefix_indexes(
    runtime: Runtime, tmp_path: Path
) -> None:
    if runtime.database.engine.dialect.name != "postgresql":
        pytest.skip("the prefix indexes are PostgreSQL's only")
    migrated = _definitions(str(runtime.database.engine.url.render_as_string(False)))
    assert set(migrated) == set(PREFIX_INDEXES)
    for name, ops in PREFIX_INDEXES.items():
        assert f"{next(iter(ops))} varchar_pattern_ops)" in migrated[name]
    with fresh_postgres_database() as url:
        engine = create_database_engine(url, pool_size=1)
        try:
            Base.metadata.create_all(engine)
        finally:
            engine.dispose()
        assert _definitions(url) == migrated
