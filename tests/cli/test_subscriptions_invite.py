"""`apidesk subscriptions` and `apidesk users invite`, as real processes. A key shown by
`subscriptions keys` is put to the gateway's own check, in this process, before and after the
commands that must stop it."""

from __future__ import annotations

import asyncio
import json
import subprocess

import httpx
import pytest
from support import catalog
from support.server import LiveServer, ServiceRef, cli

from apidesk.domain.context import Runtime
from apidesk.gateway.check import Call, check
from apidesk.gateway.store import open_store

V = {"api-version": "2024-05-01"}


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in result.stderr.lower(), result.stderr
    return result.stderr


def gateway(server: LiveServer, runtime: Runtime, service: ServiceRef, key: str) -> str:
    """The key check's decision for `GET /echo/items` with this key: its reason code."""

    async def run() -> str:
        store = open_store(server.database_url)
        try:
            async with store.reads() as reads:
                call = Call("/echo/items", {"ocp-apim-subscription-key": key})
                return (await check(reads, runtime.secrets, service.name, call)).reason
        finally:
            await store.close()

    return asyncio.run(run())


@pytest.fixture
def shop(http: httpx.Client, service: ServiceRef) -> ServiceRef:
    """API `echo` in the published product `gold`, and the user `ada`."""
    catalog.api(http, service, "echo", "echo")
    catalog.product(http, service, "gold", "echo")
    catalog.user(http, service, "ada")
    return service


def test_a_key_from_the_cli_passes_the_gateway_until_regenerated_or_suspended(
    server: LiveServer, runtime: Runtime, http: httpx.Client, shop: ServiceRef
) -> None:
    s = ("--service", shop.name)
    made = ok(
        cli(server.env, "subscriptions", "create", "s1", "--product", "gold", "--user", "ada", *s)
    )
    shown = json.loads(ok(cli(server.env, "subscriptions", "show", "s1", *s)).stdout)
    assert shown["state"] == "active" and shown["ownerId"] == "ada"
    assert shown["scope"] == "/products/gold"
    assert not any("key" in name.lower() for name in shown)

    keys = json.loads(ok(cli(server.env, "subscriptions", "keys", "s1", "--json", *s)).stdout)
    primary, secondary = keys["primaryKey"], keys["secondaryKey"]
    assert (primary, secondary) == catalog.keys(http, shop, "s1")
    assert primary not in made.stdout and secondary not in made.stdout
    assert gateway(server, runtime, shop, primary) == "allowed"
    assert gateway(server, runtime, shop, secondary) == "allowed"
    listed = ok(cli(server.env, "subscriptions", "list", "--json", *s)).stdout
    assert primary not in listed and secondary not in listed

    regenerated = ok(cli(server.env, "subscriptions", "regenerate", "s1", "--primary", *s))
    assert primary not in regenerated.stdout
    assert gateway(server, runtime, shop, primary) == "key-invalid"
    assert gateway(server, runtime, shop, secondary) == "allowed"
    new_primary = json.loads(
        ok(cli(server.env, "subscriptions", "keys", "s1", "--json", *s)).stdout
    )["primaryKey"]
    assert new_primary != primary
    assert gateway(server, runtime, shop, new_primary) == "allowed"

    ok(cli(server.env, "subscriptions", "suspend", "s1", "--comment", "unpaid", *s))
    assert gateway(server, runtime, shop, new_primary) == "subscription-inactive"
    wire = http.get(shop.url("/subscriptions/s1"), params=V).json()["properties"]
    assert wire["state"] == "suspended" and wire["stateComment"] == "unpaid"

    ok(cli(server.env, "subscriptions", "activate", "s1", *s))
    assert gateway(server, runtime, shop, new_primary) == "allowed"
    ok(cli(server.env, "subscriptions", "cancel", "s1", *s))
    assert gateway(server, runtime, shop, new_primary) == "subscription-inactive"

    # The audit log tells who looked at the keys: the CLI twice, the management API once.
    audited = ok(cli(server.env, "audit", "--json", "--target", "subscriptions/s1", *s)).stdout
    events = [json.loads(line) for line in audited.splitlines()]
    looked = [e["actor"] for e in events if e["action"] == "subscription.list-secrets"]
    assert len(looked) == 3 and sum(actor.startswith("cli:") for actor in looked) == 2
    actions = [e["action"] for e in events]
    assert "subscription.regenerate-primary-key" in actions


def test_subscription_list_filters_and_generated_ids(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    s = ("--service", shop.name)
    made = json.loads(
        ok(
            cli(
                server.env,
                "subscriptions",
                "create",
                "--scope",
                "/apis/echo",
                "--user",
                "ada",
                "--json",
                *s,
            )
        ).stdout
    )
    assert len(made["id"]) == 24 and made["displayName"] == "echo"
    ok(cli(server.env, "subscriptions", "create", "s2", "--product", "gold", *s))
    ok(cli(server.env, "subscriptions", "suspend", "s2", *s))
    mine = json.loads(
        ok(cli(server.env, "subscriptions", "list", "--user", "ada", "--json", *s)).stdout
    )
    assert [item["id"] for item in mine] == [made["id"]]
    suspended = json.loads(
        ok(cli(server.env, "subscriptions", "list", "--state", "suspended", "--json", *s)).stdout
    )
    assert [item["id"] for item in suspended] == ["s2"]
    gold = json.loads(
        ok(cli(server.env, "subscriptions", "list", "--product", "gold", "--json", *s)).stdout
    )
    assert "s2" in [item["id"] for item in gold] and made["id"] not in [i["id"] for i in gold]
    assert "s2" in ok(cli(server.env, "subscriptions", "list", *s)).stdout


def test_subscription_commands_refuse_bad_input(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    s = ("--service", shop.name)
    ok(cli(server.env, "subscriptions", "create", "s1", "--product", "gold", *s))
    refused(cli(server.env, "subscriptions", "create", "S1", "--product", "gold", *s), "exists")
    refused(cli(server.env, "subscriptions", "create", "s2", "--product", "ghost", *s), "ghost")
    refused(cli(server.env, "subscriptions", "create", "s2", "--scope", "/nowhere", *s), "scope")
    refused(
        cli(server.env, "subscriptions", "create", "s2", "--product", "gold", "--user", "bob", *s),
        "bob",
    )
    refused(cli(server.env, "subscriptions", "create", "s2", *s), "--product or --scope")
    assert http.get(shop.url("/subscriptions/s2"), params=V).status_code == 404
    refused(cli(server.env, "subscriptions", "keys", "ghost", *s), "'ghost' was not found")
    refused(cli(server.env, "subscriptions", "suspend", "ghost", *s), "ghost")
    refused(cli(server.env, "subscriptions", "regenerate", "s1", *s), "--primary")
    refused(cli(server.env, "subscriptions", "list", "--user", "bob", *s), "bob")
    refused(cli(server.env, "subscriptions", "list", "--product", "ghost", *s), "ghost")

    # The product's per-user limit holds here too.
    catalog.product(http, shop, "one", "echo", subscriptionsLimit=1)
    ok(cli(server.env, "subscriptions", "create", "o1", "--product", "one", "--user", "ada", *s))
    refused(
        cli(server.env, "subscriptions", "create", "o2", "--product", "one", "--user", "ada", *s),
        "limit",
    )


def test_users_invite_creates_a_pending_user_and_queues_the_invitation(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    invited = json.loads(
        ok(
            cli(
                server.env,
                "users",
                "invite",
                "new.person@example.com",
                "--first-name",
                "New",
                "--last-name",
                "Person",
                "--id",
                "newbie",
                "--json",
                *s,
            )
        ).stdout
    )
    assert invited["id"] == "newbie" and invited["state"] == "pending"
    assert invited["groups"] == ["developers"]
    wire = http.get(service.url("/users/newbie"), params=V).json()["properties"]
    assert wire["state"] == "pending" and wire["email"] == "new.person@example.com"

    # This server has no SMTP server: the invitation waits in the outbox.
    listed = ok(cli(server.env, "outbox", "list", "--status", "queued", "--json")).stdout
    [message] = [
        json.loads(line) for line in listed.splitlines() if "new.person@example.com" in line
    ]
    assert message["template"] == "InviteUserNotificationMessage"

    # Without a name it is a new invitation for a pending user, as before.
    resent = ok(cli(server.env, "users", "invite", "newbie", *s))
    assert "queued" in resent.stdout

    generated = json.loads(
        ok(
            cli(
                server.env,
                "users",
                "invite",
                "other@example.com",
                "--first-name",
                "O",
                "--last-name",
                "Ther",
                "--json",
                *s,
            )
        ).stdout
    )
    assert len(generated["id"]) == 24 and generated["state"] == "pending"


def test_users_invite_refuses_bad_input(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    name = ("--first-name", "A", "--last-name", "B")
    refused(cli(server.env, "users", "invite", "not-an-address", *name, *s), "email")
    refused(cli(server.env, "users", "invite", "x@example.com", "--first-name", "A", *s), "both")
    refused(cli(server.env, "users", "invite", "ghost@example.com", *s), "--first-name")
    # The administrator's address is taken.
    refused(cli(server.env, "users", "invite", "admin@example.net", *name, *s), "already exists")
    refused(cli(server.env, "users", "invite", "y@example.com", *name, "--id", "1", *s), "exists")
    assert (
        http.get(service.url("/users"), params={**V, "$filter": "email eq 'y@example.com'"}).json()[
            "value"
        ]
        == []
    )
    queued = ok(cli(server.env, "outbox", "list", "--json")).stdout
    assert "x@example.com" not in queued and "y@example.com" not in queued
