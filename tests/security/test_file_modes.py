"""The SQLite database, its -wal and -shm files and the secret key file are readable by their
owner only, however permissive the umask of the process that creates them."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.server import live_server

from apidesk.security.secretbox import load_or_create_key
from apidesk.storage.database import create_database_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_running_server_keeps_its_files_to_its_owner(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "apidesk.db"
    with live_server(f"sqlite:///{database}", tmp_path):
        files = [
            database,
            Path(f"{database}-wal"),
            Path(f"{database}-shm"),
            tmp_path / "secret.key",
        ]
        assert all(path.exists() for path in files), [p for p in files if not p.exists()]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_the_database_is_created_private_whatever_the_umask(
    tmp_path: Path, permissive_umask: None
) -> None:
    database = tmp_path / "apidesk.db"
    engine = create_database_engine(f"sqlite:///{database}", pool_size=1)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (id INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            journal = [Path(f"{database}-wal"), Path(f"{database}-shm")]
            assert all(path.exists() for path in journal)
            assert [mode(path) for path in (database, *journal)] == [0o600, 0o600, 0o600]
    finally:
        engine.dispose()


def test_the_key_file_is_created_private_whatever_the_umask(
    tmp_path: Path, permissive_umask: None
) -> None:
    key_file = tmp_path / "keys" / "apidesk.key"
    load_or_create_key(None, key_file)
    assert mode(key_file) == 0o600


def test_a_database_file_others_can_read_is_named_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "shared.db"
    database.touch()
    database.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="apidesk.files"):
        create_database_engine(f"sqlite:///{database}", pool_size=1).dispose()
    assert str(database) in caplog.text and "chmod 600" in caplog.text
