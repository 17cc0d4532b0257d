"""The shipped migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from support.databases import database_for

from apidesk.domain.context import Runtime
from apidesk.storage import migrate
from apidesk.storage.database import create_database_engine
from apidesk.storage.models import Base

_OLD_INSTANCE = text(
    "INSERT INTO instances (id, name, name_key, subscription_id, resource_group, location, "
    "sku_name, sku_capacity, publisher_email, publisher_name, tags, created_at, etag) VALUES "
    "(:id, :name, :name, '00000000-0000-0000-0000-000000000000', 'rg', 'here', 'Developer', 1, "
    "'p@example.com', 'P', '{}', '2026-01-01 00:00:00', 'e')"
)


def insert_old_instance(connection: Connection, number: int = 1, name: str = "old") -> None:
    """An instance row as releases before 0006 wrote it."""
    connection.execute(_OLD_INSTANCE, {"id": number, "name": name})


def test_database_is_at_head(runtime: Runtime) -> None:
    assert migrate.current_revision(runtime.database.engine) == migrate.head_revision()


def test_migrations_match_models(runtime: Runtime) -> None:
    dialect = runtime.database.engine.dialect.name

    def made_here(item: object, name: object, kind: str, reflected: bool, other: object) -> bool:
        """An index the models declare for another database only (`ddl_if`) is not
        expected here."""
        wanted = getattr(item, "_ddl_if", None)
        return kind != "index" or reflected or wanted is None or wanted.dialect in (None, dialect)

    with runtime.database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": made_here}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless(runtime: Runtime) -> None:
    migrate.upgrade(runtime.database.engine)
    migrate.upgrade(runtime.database.engine)
    assert migrate.current_revision(runtime.database.engine) == migrate.head_revision()


def test_each_migration_upgrades_a_database_of_the_one_before(
    tmp_path: Path, workspace_backend: str
) -> None:
    """A deployment that ran an earlier release keeps its data when it upgrades."""
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0001")
            assert migrate.current_revision(engine) == "0001"
            with engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO system_values (key, value) VALUES ('probe', 'kept')")
                )
            migrate.upgrade(engine)
            assert migrate.current_revision(engine) == migrate.head_revision()
            with engine.connect() as connection:
                kept = connection.execute(
                    text("SELECT value FROM system_values WHERE key = 'probe'")
                ).scalar_one()
                assert kept == "kept"
                assert "throttles" in inspect(connection).get_table_names()
        finally:
            engine.dispose()


def test_users_of_an_earlier_release_each_get_a_stamp_of_their_own(
    tmp_path: Path, workspace_backend: str
) -> None:
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0003")
            with engine.begin() as connection:
                insert_old_instance(connection)
                for number in (1, 2):
                    connection.execute(
                        text(
                            "INSERT INTO users (instance_id, name, name_key, email, email_key, "
                            "first_name, last_name, state, identities, registration_date, etag) "
                            "VALUES (1, :name, :name, :email, :email, 'A', 'B', 'active', '[]', "
                            "'2026-01-01 00:00:00', 'e')"
                        ),
                        {"name": f"u{number}", "email": f"u{number}@example.com"},
                    )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                stamps = connection.execute(text("SELECT stamp FROM users")).scalars().all()
            assert len(stamps) == 2 and len(set(stamps)) == 2
            assert all(len(stamp) == 32 for stamp in stamps)
        finally:
            engine.dispose()


def test_an_upgrade_keeps_the_rows_that_refer_to_a_rebuilt_table(
    tmp_path: Path, workspace_backend: str
) -> None:
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old table
    would delete every row that refers to it (here a user's group membership)."""
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0003")
            with engine.begin() as connection:
                insert_old_instance(connection)
                connection.execute(
                    text(
                        "INSERT INTO users (id, instance_id, name, name_key, email, email_key, "
                        "first_name, last_name, state, identities, registration_date, etag) "
                        "VALUES (7, 1, 'ann', 'ann', 'ann@example.com', 'ann@example.com', 'A', "
                        "'B', 'active', '[]', '2026-01-01 00:00:00', 'e')"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO groups (id, instance_id, name, name_key, display_name, type, "
                        "built_in, etag) VALUES (3, 1, 'team', 'team', 'Team', 'custom', false, "
                        "'e')"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO group_members (group_id, user_id, instance_id) "
                        "VALUES (3, 7, 1)"
                    )
                )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                members = connection.execute(
                    text("SELECT group_id, user_id FROM group_members")
                ).all()
                foreign_keys = (
                    connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
                    if engine.dialect.name == "sqlite"
                    else 1
                )
            assert [tuple(row) for row in members] == [(3, 7)]
            assert foreign_keys == 1  # back on for the connection's next user
        finally:
            engine.dispose()


def test_instances_of_an_earlier_release_get_the_default_portal_settings(
    tmp_path: Path, workspace_backend: str
) -> None:
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0005")
            with engine.begin() as connection:
                for number in (1, 2):
                    insert_old_instance(connection, number, f"old{number}")
            migrate.upgrade(engine)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT instance_id, name, etag FROM portal_settings")
                ).all()
            assert sorted((row[0], row[1]) for row in rows) == [
                (i, name) for i in (1, 2) for name in ("delegation", "signin", "signup")
            ]
            assert len({row[2] for row in rows}) == 6
        finally:
            engine.dispose()


def test_apis_in_products_of_an_earlier_release_get_link_names(
    tmp_path: Path, workspace_backend: str
) -> None:
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0007")
            with engine.begin() as connection:
                insert_old_instance(connection)
                connection.execute(
                    text(
                        "INSERT INTO products (id, instance_id, name, name_key, display_name, "
                        "subscription_required, approval_required, state, etag) VALUES "
                        "(1, 1, 'p', 'p', 'P', true, false, 'published', 'e')"
                    )
                )
                for number in (1, 2):
                    connection.execute(
                        text(
                            "INSERT INTO apis (id, instance_id, name, name_key, display_name, "
                            "path, path_key, protocols, subscription_required, header_name, "
                            "query_name, etag) VALUES (:id, 1, :name, :name, 'A', :name, "
                            ":name, '[\"https\"]', true, 'h', 'q', 'e')"
                        ),
                        {"id": number, "name": f"a{number}"},
                    )
                    connection.execute(
                        text(
                            "INSERT INTO product_apis (product_id, api_id, instance_id) "
                            "VALUES (1, :id, 1)"
                        ),
                        {"id": number},
                    )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT api_id, link_name, link_key, etag FROM product_apis")
                ).all()
                kept = connection.execute(text("SELECT count(*) FROM apis")).scalar_one()
            assert sorted(row[0] for row in rows) == [1, 2] and kept == 2
            assert len({row[1] for row in rows}) == 2
            assert all(row[2] == row[1].lower() and row[3] for row in rows)
        finally:
            engine.dispose()


_PENDING_USER = text(
    "INSERT INTO users (id, instance_id, name, name_key, email, email_key, first_name, "
    "last_name, state, identities, registration_date, password_hash, stamp, etag) VALUES "
    "(:id, 1, :name, :name, :email, :email, 'Sam', 'Signup', :state, '[]', "
    "'2026-01-01 00:00:00', :hash, :name, 'e')"
)
_LINK = text(
    "INSERT INTO one_time_links (id, instance_id, user_id, purpose, digest, created_at, "
    "expires_at, closed_at, payload) VALUES (:id, 1, :user, :purpose, :digest, "
    "'2026-01-01 00:00:00', '2026-01-03 00:00:00', :closed, :payload)"
)


def test_a_self_registered_accounts_password_moves_into_its_open_sign_up_links(
    tmp_path: Path, workspace_backend: str
) -> None:
    """Releases before 0013 kept a sign-up's password on the pending account, where an
    administrator's activation or a sign-in's answer would hand it to whoever typed it."""
    with database_for(workspace_backend, tmp_path) as url:
        engine = create_database_engine(url, pool_size=2)
        try:
            migrate.upgrade(engine, "0012")
            with engine.begin() as connection:
                insert_old_instance(connection)
                accounts = [(1, "signed", "pending"), (2, "invited", "pending")]
                for number, name, state in [*accounts, (3, "active", "active")]:
                    connection.execute(
                        _PENDING_USER,
                        {"id": number, "name": name, "email": f"{name}@example.com"}
                        | {"state": state, "hash": f"hash-{name}"},
                    )
                links = [
                    (1, 1, "signup", None),
                    (2, 1, "signup", "2026-01-02 00:00:00"),  # replaced before the upgrade
                    (3, 2, "invitation", None),
                    (4, 3, "signup", "2026-01-02 00:00:00"),
                ]
                for number, user, purpose, closed in links:
                    connection.execute(
                        _LINK,
                        {"id": number, "user": user, "purpose": purpose}
                        | {"digest": f"d{number}", "closed": closed, "payload": "{}"},
                    )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                hashes = dict(
                    connection.execute(text("SELECT name, password_hash FROM users")).all()
                )
                payloads = dict(
                    connection.execute(text("SELECT id, payload FROM one_time_links")).all()
                )
            assert hashes == {"signed": None, "invited": "hash-invited", "active": "hash-active"}
            applicant = {"password_hash": "hash-signed", "first_name": "Sam", "last_name": "Signup"}
            loaded = {
                key: value if isinstance(value, dict) else json.loads(value)
                for key, value in payloads.items()
            }
            assert loaded == {1: {"applicant": applicant}, 2: {}, 3: {}, 4: {}}
        finally:
            engine.dispose()
