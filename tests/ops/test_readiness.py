"""`/ready` follows the database: its schema revision, and whether it answers at all; the
metrics door lets only loopback clients or holders of its token in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from support.databases import BACKENDS, database_for
from support.tcp import Relay

from apidesk.app import create_app
from apidesk.bootstrap import build_runtime, prepare
from apidesk.domain.context import Runtime
from apidesk.settings import Settings
from apidesk.storage import migrate


@pytest.fixture(params=BACKENDS)
def own_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    with database_for(request.param, tmp_path) as url:
        runtime = build_runtime(Settings(database_url=url, secret_key_file=tmp_path / "secret.key"))
        prepare(runtime, bootstrap=False)
        yield runtime
        runtime.database.dispose()


def ask(runtime: Runtime, path: str, client: str = "127.0.0.1", **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(
            app=create_app(runtime, dispatch=False), client=(client, 4321)
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://apidesk") as http:
            return await http.get(path, headers=headers)

    return asyncio.run(go())


def set_revision(runtime: Runtime, revision: str) -> None:
    with runtime.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_ready_follows_the_schema_revision(own_runtime: Runtime) -> None:
    head = migrate.head_revision()
    assert head is not None
    older = migrate.known_revisions()[-1]  # the first migration
    assert older != head
    try:
        set_revision(own_runtime, older)
        behind = ask(own_runtime, "/ready")
        assert behind.status_code == 503
        assert behind.json()["schema"] == "behind" and behind.json()["revision"] == older
        assert behind.headers["retry-after"]

        # A revision this release does not know is a newer release's expand step: still ready.
        set_revision(own_runtime, "ffff_next_release")
        ahead = ask(own_runtime, "/ready")
        assert ahead.status_code == 200 and ahead.json()["schema"] == "ahead"
    finally:
        set_revision(own_runtime, head)
    assert ask(own_runtime, "/ready").json()["schema"] == "current"


def test_metrics_are_for_loopback_clients_without_a_token(own_runtime: Runtime) -> None:
    assert ask(own_runtime, "/metrics").status_code == 200
    remote = ask(own_runtime, "/metrics", client="203.0.113.9")
    assert remote.status_code == 403
    assert "APIDESK_METRICS_TOKEN" in remote.json()["message"]


def test_metrics_token_is_asked_of_everyone(own_runtime: Runtime) -> None:
    runtime = Runtime(
        **{
            **own_runtime.__dict__,
            "settings": own_runtime.settings.model_copy(
                update={"metrics_token": SecretStr("s3cret-metrics-token")}
            ),
        }
    )
    assert ask(runtime, "/metrics").status_code == 401
    assert ask(runtime, "/metrics", Authorization="Bearer wrong").status_code == 401
    allowed = ask(
        runtime, "/metrics", client="203.0.113.9", Authorization="Bearer s3cret-metrics-token"
    )
    assert allowed.status_code == 200
    assert "apidesk_outbox_messages" in allowed.text


def test_ready_fails_while_postgresql_is_unreachable_and_recovers(tmp_path: Path) -> None:
    """The service reaches PostgreSQL through a relay the test cuts and restores: a real
    network outage of a real server."""
    with database_for("postgresql", tmp_path) as url, Relay("127.0.0.1", 5432) as relay:
        relayed = url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
        runtime = build_runtime(
            Settings(database_url=relayed, secret_key_file=tmp_path / "secret.key")
        )
        prepare(runtime, bootstrap=False)
        try:
            assert ask(runtime, "/ready").status_code == 200
            relay.cut()
            down = ask(runtime, "/ready")
            assert down.status_code == 503, down.text
            assert down.json()["database"] == "unavailable"
            assert ask(runtime, "/health").status_code == 200  # alive, just not ready
            relay.restore()
            assert ask(runtime, "/ready").status_code == 200
        finally:
            runtime.database.dispose()
