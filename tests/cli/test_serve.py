"""`apidesk serve` on a new database: schema, default instance, a one-time welcome."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import httpx
from support.databases import database_for
from support.server import cli, free_port, live_server

V = {"api-version": "2024-05-01"}
DEFAULT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apidesk"
    "/providers/Microsoft.ApiManagement/service/apidesk"
)


def test_first_start_creates_the_default_instance_and_says_so_once(
    tmp_path: Path, workspace_backend: str
) -> None:
    with database_for(workspace_backend, tmp_path) as url:
        with live_server(url, tmp_path) as first:
            banner = first.log()
            assert "first start" in banner
            assert "apidesk token create" in banner
            assert f"{first.url}{DEFAULT}/users?api-version=2024-05-01" in banner
            assert f"{first.url}/docs" in banner
            headers = {"Authorization": f"Bearer {first.token}"}
            users = httpx.get(f"{first.url}{DEFAULT}/users", params=V, headers=headers).json()
            assert [u["name"] for u in users["value"]] == ["1"]
            service = httpx.get(f"{first.url}{DEFAULT}", params=V, headers=headers).json()
            assert service["properties"]["provisioningState"] == "Succeeded"
            first_log = first.log_path
        with live_server(url, tmp_path) as second:
            assert "first start" not in second.log().replace(first_log.read_text(), "")
            # The first start's token still works: tokens live in the database.
            assert (
                httpx.get(f"{second.url}{DEFAULT}/users", params=V, headers=headers).status_code
                == 200
            )


def test_a_different_secret_key_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": url,
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "k"),
    }
    assert cli(env, "db", "upgrade").returncode == 0
    assert cli(env, "token", "list").returncode == 0
    other = {**env, "APIDESK_SECRET_KEY": base64.b64encode(os.urandom(32)).decode()}
    started = subprocess.run(
        [sys.executable, "-m", "apidesk", "serve", "--port", str(free_port())],
        env=other,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "secret key differs" in started.stderr
    # Any other command that opens the database says so the same way: a line, no traceback.
    for command in (("users", "list"), ("token", "list")):
        refused = cli(other, *command)
        assert refused.returncode == 1, refused
        assert refused.stderr.startswith("error: The secret key differs"), refused.stderr
        assert "Traceback" not in refused.stderr


def test_a_setting_that_cannot_be_read_is_named_without_a_traceback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'settings.db'}",
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "k"),
    }
    wrong = {"APIDESK_LOG_LEVEL": "verbose", "APIDESK_WORKERS": "many"}
    for command in (("users", "list"), ("db", "current"), ("serve", "--port", str(free_port()))):
        for name, value in wrong.items():
            refused = cli({**env, name: value}, *command)
            assert refused.returncode == 1, refused
            assert refused.stderr.startswith(f"error: {name}: "), refused.stderr
            assert "Traceback" not in refused.stderr and value not in refused.stderr
    # A secret's value is never repeated back.
    refused = cli({**env, "APIDESK_SMTP_PORT": "s3cr3t-port"}, "users", "list")
    assert refused.returncode == 1 and "s3cr3t-port" not in refused.stderr, refused.stderr
    assert not (tmp_path / "settings.db").exists()  # nothing was opened, nothing created


def test_db_commands(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'schema.db'}",
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "k"),
    }
    before = cli(env, "db", "current")
    assert "database: (empty)" in before.stdout
    upgraded = cli(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    after = cli(env, "db", "current").stdout
    database, release = after.strip().split("; ")
    assert database.split(": ")[1] == release.split(": ")[1]
