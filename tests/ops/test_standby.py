"""Reads from a hot standby: the SDK's core scenarios through a primary and a standby, a block
refused by a key check served from a synchronous standby, and life without the standby."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from azure.mgmt.apimanagement.models import UserCreateParameters, UserUpdateParameters
from psycopg.pq import TransactionStatus
from sqlalchemy import text
from support import catalog
from support.console import Person
from support.databases import require_postgres
from support.sdk import client_for
from support.server import (
    RESOURCE_GROUP,
    SUBSCRIPTION,
    LiveServer,
    ServiceRef,
    cli,
    create_service,
    live_server,
)
from support.standby import Pair, primary_and_standby

from apidesk.storage.database import open_database

PASSWORD = "a tidy lighthouse at dusk"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    try:
        with primary_and_standby() as running:
            yield running
    except RuntimeError as error:
        if require_postgres():
            raise
        pytest.skip(f"cannot build a PostgreSQL primary and standby here: {error}")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the deployment's secret key lives: every server of this module shares it."""
    return tmp_path_factory.mktemp("standby-deployment")


@contextmanager
def served(pair: Pair, directory: Path) -> Iterator[LiveServer]:
    with live_server(pair.primary.url, directory, database_read_urls=pair.standby.url) as server:
        yield server


def standby_user_scans(pair: Pair) -> int:
    """Scans of the users table that the standby's own backends have run."""
    pair.standby.execute("SELECT pg_stat_clear_snapshot()")
    [(count,)] = pair.standby.execute(
        "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables "
        "WHERE relname = 'users'"
    )
    return int(count)  # type: ignore[call-overload]


def test_sdk_scenarios_read_the_standby_and_always_see_their_own_writes(
    pair: Pair, home: Path
) -> None:
    pair.synchronous(False)
    with served(pair, home) as server, server.client() as http:
        assert "key checks read from the primary" in server.log()
        service = create_service(http)
        sdk = client_for(server.url, server.token, SUBSCRIPTION)
        before = standby_user_scans(pair)
        for n in range(15):
            # Each call follows a write at once: a stale read would miss it.
            created = sdk.user.create_or_update(
                RESOURCE_GROUP,
                service.name,
                f"dev{n}",
                UserCreateParameters(
                    email=f"dev{n}@example.com", first_name="Dev", last_name=str(n)
                ),
            )
            assert created.email == f"dev{n}@example.com"
            sdk.user.update(
                RESOURCE_GROUP,
                service.name,
                f"dev{n}",
                "*",
                UserUpdateParameters(first_name=f"Renamed{n}"),
            )
            assert sdk.user.get(RESOURCE_GROUP, service.name, f"dev{n}").first_name == f"Renamed{n}"
            listed = list(
                sdk.user.list_by_service(
                    RESOURCE_GROUP, service.name, filter=f"email eq 'dev{n}@example.com'"
                )
            )
            assert [user.first_name for user in listed] == [f"Renamed{n}"]
        sdk.user.begin_delete(RESOURCE_GROUP, service.name, "dev0", "*").result()
        assert not list(
            sdk.user.list_by_service(
                RESOURCE_GROUP, service.name, filter="email eq 'dev0@example.com'"
            )
        )
        # The reads ran on the standby: its backends read table rows for them.
        deadline = time.monotonic() + 10
        while standby_user_scans(pair) < before + 30:  # 15 GETs and 16 lists at least
            assert time.monotonic() < deadline, "the standby served no reads"
            time.sleep(0.2)


def test_portal_and_console_pages_work_with_reads_on_the_standby(pair: Pair, home: Path) -> None:
    pair.synchronous(False)
    with served(pair, home) as server, server.client() as http:
        shop = create_service(http)
        catalog.user(http, shop, "pia", email="pia@example.com", password=PASSWORD)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            person = Person(client)
            page = person.get(f"/portal/{shop.name}/signin")
            signed = person.submit(
                page, f"/portal/{shop.name}/signin", email="pia@example.com", password=PASSWORD
            )
            assert signed.status_code == 303, signed.text
            assert "pia@example.com" in person.get(f"/portal/{shop.name}/").text

        made = cli(server.env, "operator", "create", "op@example.com", "--service", shop.name)
        assert made.returncode == 0, made.stderr
        link = made.stdout.strip().splitlines()[-1].removeprefix(server.url)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            person = Person(client)
            page = person.get(link)
            landed = person.submit(
                page,
                "/console/set-password",
                token=link.split("token=", 1)[1],
                password=PASSWORD,
                confirm=PASSWORD,
            )
            assert landed.status_code == 303, landed.text
            users = person.get(f"/console/{shop.name}/users")
            assert users.status_code == 200 and "pia@example.com" in users.text


def test_a_block_is_refused_by_a_check_served_from_a_synchronous_standby(
    pair: Pair, home: Path
) -> None:
    pair.synchronous(True)
    try:
        with served(pair, home) as server, server.client() as http:
            assert "key checks read from the standby" in server.log()
            shop: ServiceRef = create_service(http)
            catalog.api(http, shop, "echo", "echo")
            catalog.product(http, shop, "gold", "echo")
            catalog.user(http, shop, "ada")
            key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")

            def check() -> httpx.Response:
                return httpx.get(
                    f"{server.url}/gateway/{shop.name}/check",
                    headers={"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key},
                )

            for _ in range(5):
                assert check().status_code == 200
                catalog.patch(http, shop, "/users/ada", {"state": "blocked"})
                refused = check()
                assert refused.status_code == 403, refused.text
                assert refused.headers["x-apidesk-reason"] == "user-blocked"
                catalog.patch(http, shop, "/users/ada", {"state": "active"})
    finally:
        pair.synchronous(False)


def test_a_read_on_the_standby_runs_outside_a_transaction(pair: Pair) -> None:
    """As on the primary: no BEGIN and COMMIT round trips around a read, there or in the
    checks that find a standby caught up."""
    db = open_database(pair.primary.url, [pair.standby.url])
    try:
        assert db.standbys is not None
        with db.unit_of_work() as session:
            session.execute(text("CREATE TABLE IF NOT EXISTS standby_reads (n int)"))
            session.execute(text("INSERT INTO standby_reads VALUES (1)"))
        with db.unit_of_work(write=False) as session:
            # The write above is there: the unit waited for the standby to replay it.
            assert session.scalar(text("SELECT pg_is_in_recovery()")) is True
            assert session.scalar(text("SELECT count(*) FROM standby_reads")) == 1
            raw = session.connection().connection.dbapi_connection
            assert raw is not None
            assert TransactionStatus(raw.info.transaction_status) == TransactionStatus.IDLE
        for engine in (db.standbys.primary, *db.standbys.engines):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                raw = connection.connection.dbapi_connection
                assert raw is not None
                assert TransactionStatus(raw.info.transaction_status) == TransactionStatus.IDLE
    finally:
        db.dispose()


def test_with_the_standby_stopped_the_primary_serves_everything(pair: Pair, home: Path) -> None:
    """Last in the module: it stops the standby."""
    pair.synchronous(False)
    with served(pair, home) as server, server.client() as http:
        shop = create_service(http)
        catalog.api(http, shop, "echo", "echo")
        catalog.product(http, shop, "gold", "echo")
        catalog.user(http, shop, "bea")
        key = catalog.subscription(http, shop, "s1", "/products/gold", owner="bea")
        pair.standby.stop()
        catalog.user(http, shop, "cid")
        got = http.get(shop.url("/users/cid"), params={"api-version": "2024-05-01"})
        assert got.status_code == 200, got.text
        listed = http.get(shop.url("/users"), params={"api-version": "2024-05-01"})
        assert {"bea", "cid"} <= {user["name"] for user in listed.json()["value"]}
        check = httpx.get(
            f"{server.url}/gateway/{shop.name}/check",
            headers={"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key},
        )
        assert check.status_code == 200
        assert httpx.get(f"{server.url}/ready").status_code == 200
        assert "standby 1 cannot be reached" in server.log()
