"""A rolling upgrade: the next release's expand step has migrated the database while this
release's replicas still serve, and a replica of this release that restarts then still starts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from support import catalog
from support.databases import BACKENDS, database_for
from support.server import API_VERSION, create_service, live_server

from apidesk.storage.database import driver_url

NEXT = "next_release_expand"


def expand(database_url: str) -> None:
    """What an expand migration of the next release may do: add nullable columns and new
    tables, never drop or rename what this release reads."""
    engine = create_engine(driver_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(64)"))
        connection.execute(text("CREATE TABLE next_release_notes (id INTEGER PRIMARY KEY)"))
        connection.execute(text("UPDATE alembic_version SET version_num = :next"), {"next": NEXT})
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_this_release_serves_and_restarts_on_the_next_releases_expanded_schema(
    backend: str, tmp_path: Path
) -> None:
    with database_for(backend, tmp_path) as url:
        with live_server(url, tmp_path) as old, old.client() as http:
            shop = create_service(http)
            catalog.api(http, shop, "echo", "echo")
            catalog.product(http, shop, "gold", "echo")
            catalog.user(http, shop, "before")
            key = catalog.subscription(http, shop, "s1", "/products/gold", owner="before")

            expand(url)

            ready = httpx.get(f"{old.url}/ready").json()
            assert ready["schema"] == "ahead" and ready["status"] == "ready"
            catalog.user(http, shop, "during")
            catalog.patch(http, shop, "/users/before", {"firstName": "Still"})
            listed = http.get(shop.url("/users"), params={"api-version": API_VERSION}).json()
            assert {"before", "during"} <= {user["name"] for user in listed["value"]}
            check = httpx.get(
                f"{old.url}/gateway/{shop.name}/check",
                headers={"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key},
            )
            assert check.status_code == 200

        # A replica of this release restarting mid-upgrade starts, and leaves the schema alone.
        with live_server(url, tmp_path) as restarted, restarted.client() as http:
            assert "newer than this release" in restarted.log()
            assert http.get(
                shop.url("/users/during"), params={"api-version": API_VERSION}
            ).is_success
            assert httpx.get(f"{restarted.url}/ready").json()["revision"] == NEXT
