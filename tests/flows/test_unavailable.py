"""A database that cannot be written is answered with 503 by every front door, each in its own
shape: a styled page for the portal, the ARM error body for the management API."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from support.databases import POSTGRES_ADMIN, Isolated
from support.inprocess import InProcessServer, in_process_server
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.database import sqlite_path

V = {"api-version": "2024-05-01"}


@pytest.fixture(scope="module")
def plain(isolated: Isolated) -> Iterator[InProcessServer]:
    with in_process_server(isolated.database_url, isolated.directory, None) as running:
        yield running


@contextmanager
def read_only(server: InProcessServer) -> Iterator[None]:
    """Make the server's database refuse writes, for real: an immutable SQLite file (which
    SQLite then opens read-only; its shared-memory file stays as it is, since connections
    map it), or a PostgreSQL database whose transactions are read-only. New connections see
    it, so every connection of the process is closed first: the pool's, and the checkpoint
    thread's (`storage.checkpoints`), which would otherwise keep the file open for writing
    (and SQLite gives a new connection the descriptor of one closed meanwhile)."""
    url = server.runtime.settings.database_url
    path = sqlite_path(url)
    if path is not None:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        undo = ["chattr", "-i", str(path)]
    else:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    server.runtime.database.stop_checkpoints()
    server.runtime.database.engine.dispose()
    try:
        yield
    finally:
        if path is not None:
            subprocess.run(undo, check=True)
        else:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        server.runtime.database.engine.dispose()
        server.runtime.database.checkpoint_in_background()


def test_portal_forms_answer_a_styled_503_when_the_database_cannot_be_written(
    plain: InProcessServer,
) -> None:
    shop: ServiceRef = plain.new_service("unwritable-portal")
    with plain.portal() as client:
        browser = Browser(client)
        page = browser.get(f"/portal/{shop.name}/signin")
        with read_only(plain):
            refused = browser.submit(
                page, f"/portal/{shop.name}/signin", email="a@example.com", password="whatever"
            )
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert "Temporarily unavailable" in refused.text and "<main>" in refused.text
        assert refused.headers["retry-after"]
        assert "Traceback" not in refused.text
        # Writable again, the same form works.
        again = browser.submit(
            page, f"/portal/{shop.name}/signin", email="a@example.com", password="whatever"
        )
        assert again.status_code == 400


def test_the_management_api_answers_its_own_503(plain: InProcessServer) -> None:
    shop = plain.new_service("unwritable-api")
    body = {"properties": {"email": "u@example.com", "firstName": "U", "lastName": "Nwritable"}}
    with plain.client() as admin, read_only(plain):
        refused = admin.put(shop.url("/users/u"), params=V, json=body)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "ServiceUnavailable"
    assert refused.headers["retry-after"]
