"""`apidesk db backup` while writes go on, and `apidesk db restore` of what it wrote."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from support.databases import BACKENDS, database_for
from support.server import API_VERSION, cli, create_service, live_server

from apidesk.bootstrap import build_runtime
from apidesk.domain import health
from apidesk.settings import Settings
from apidesk.storage.models import User


def write_users(server_url: str, token: str, path: str, stop: threading.Event, made: list[str]):
    with httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"}) as http:
        while not stop.is_set():
            user_id = f"u{uuid.uuid4().hex[:12]}"
            response = http.put(
                f"{path}/users/{user_id}",
                params={"api-version": API_VERSION},
                json={
                    "properties": {
                        "email": f"{user_id}@example.com",
                        "firstName": "A",
                        "lastName": "B",
                    }
                },
            )
            assert response.status_code == 201, response.text
            made.append(user_id)  # acknowledged
            stop.wait(0.02)  # a steady stream, not a flood


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_while_writing_then_restore(backend: str, tmp_path: Path) -> None:
    source_dir, restored_dir = tmp_path / "source", tmp_path / "restored"
    source_dir.mkdir()
    restored_dir.mkdir()
    backup_file = tmp_path / "apidesk.backup"
    with database_for(backend, source_dir) as url, live_server(url, source_dir) as server:
        with server.client() as http:
            service = create_service(http)
        made: list[str] = []
        stop = threading.Event()
        writer = threading.Thread(
            target=write_users, args=(server.url, server.token, service.path, stop, made)
        )
        writer.start()
        try:
            while len(made) < 20:
                threading.Event().wait(0.05)
            before = set(made)
            done = cli(server.env, "db", "backup", str(backup_file))
            after_count = len(made)
        finally:
            stop.set()
            writer.join()
        assert done.returncode == 0, done.stderr
        assert "Backed up to" in done.stdout and "secret key" in done.stdout
        assert after_count > len(before), "writes went on while the backup ran"
        assert backup_file.stat().st_mode & 0o077 == 0
        key = (source_dir / "secret.key").read_bytes()

    (restored_dir / "secret.key").write_bytes(key)
    with database_for(backend, restored_dir) as url:
        env = {
            **server.env,
            "APIDESK_DATABASE_URL": url,
            "APIDESK_SECRET_KEY_FILE": str(restored_dir / "secret.key"),
        }
        restored = cli(env, "db", "restore", str(backup_file))
        assert restored.returncode == 0, restored.stderr
        again = cli(env, "db", "restore", str(backup_file))
        assert again.returncode == 1 and "--replace" in again.stderr
        runtime = build_runtime(
            Settings(database_url=url, secret_key_file=restored_dir / "secret.key")
        )
        try:
            assert health.readiness(runtime).schema == "current"
            with runtime.database.unit_of_work(write=False) as session:
                ids = set(session.scalars(select(User.name)))
        finally:
            runtime.database.dispose()
    # Every write acknowledged before the backup began is in it, and nothing is half there.
    assert before <= ids
    assert ids - {"1"} <= set(made)  # "1" is the instance's administrator


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    env_url = f"sqlite:///{tmp_path / 'apidesk.db'}"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all")
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": env_url,
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
    }
    result = cli(env, "db", "restore", str(junk))
    assert result.returncode == 1
    said = " ".join(result.stderr.split())
    assert "is not a SQLite backup" in said and "Traceback" not in said
    missing = cli(env, "db", "backup", str(tmp_path))
    assert missing.returncode == 1 and "directory" in missing.stderr
