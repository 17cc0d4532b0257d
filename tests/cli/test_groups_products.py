"""`apidesk groups` and `apidesk products`, run as real processes against the live server's
database; what they change is read back through the management API."""

from __future__ import annotations

import json
import subprocess

import httpx
from support.server import LiveServer, ServiceRef, cli

V = {"api-version": "2024-05-01"}


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """A refusal: exit 1, the reason on stderr, nothing on stdout, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in result.stderr.lower(), result.stderr
    return result.stderr


def test_group_lifecycle_and_members(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    made = ok(
        cli(
            server.env,
            "groups",
            "create",
            "partners",
            "--display-name",
            "Partners",
            "--description",
            "B2B [b]x[/b]",
            "--json",
            *s,
        )
    )
    assert json.loads(made.stdout)["displayName"] == "Partners"
    wire = http.get(service.url("/groups/partners"), params=V).json()["properties"]
    assert wire["description"] == "B2B [b]x[/b]" and wire["type"] == "custom"

    listed = json.loads(ok(cli(server.env, "groups", "list", "--json", *s)).stdout)
    assert [g["id"] for g in listed] == ["administrators", "developers", "guests", "partners"]
    table = ok(cli(server.env, "groups", "list", *s)).stdout
    assert "partners" in table and "[b]x[/b]" in table  # shown as text, not markup

    http.put(
        service.url("/users/ada"),
        params=V,
        json={"properties": {"email": "ada@example.com", "firstName": "Ada", "lastName": "L"}},
    ).raise_for_status()
    added = json.loads(
        ok(cli(server.env, "groups", "members", "add", "partners", "ada", "--json", *s)).stdout
    )
    assert added == {"group": "partners", "user": "ada", "added": True}
    again = ok(cli(server.env, "groups", "members", "add", "Partners", "ADA", *s))
    assert "already" in again.stdout
    members = http.get(service.url("/groups/partners/users"), params=V).json()["value"]
    assert [m["name"] for m in members] == ["ada"]
    shown = json.loads(
        ok(cli(server.env, "groups", "members", "list", "partners", "--json", *s)).stdout
    )
    assert [m["id"] for m in shown] == ["ada"]
    assert json.loads(ok(cli(server.env, "groups", "show", "partners", *s)).stdout)["members"] == 1

    ok(cli(server.env, "groups", "members", "remove", "partners", "ada", *s))
    assert http.get(service.url("/groups/partners/users"), params=V).json()["value"] == []
    refused(cli(server.env, "groups", "members", "remove", "partners", "ada", *s), "not a member")

    ok(cli(server.env, "groups", "delete", "partners", "--yes", *s))
    assert http.get(service.url("/groups/partners"), params=V).status_code == 404
    # The user stays.
    assert http.get(service.url("/users/ada"), params=V).status_code == 200


def test_group_commands_refuse_bad_input(server: LiveServer, service: ServiceRef) -> None:
    s = ("--service", service.name)
    ok(cli(server.env, "groups", "create", "team", "--display-name", "Team", *s))
    refused(
        cli(server.env, "groups", "create", "TEAM", "--display-name", "Other", *s),
        "already exists",
    )
    refused(cli(server.env, "groups", "show", "ghost", *s), "'ghost' was not found")
    refused(cli(server.env, "groups", "show", "[/ghost]", *s), "'[/ghost]' was not found")
    refused(cli(server.env, "groups", "members", "add", "ghost", "1", *s), "ghost")
    refused(cli(server.env, "groups", "members", "add", "team", "nobody", *s), "nobody")
    refused(cli(server.env, "groups", "members", "add", "developers", "1", *s), "system group")
    refused(cli(server.env, "groups", "delete", "administrators", "-y", *s), "system group")
    refused(cli(server.env, "groups", "delete", "ghost", "-y", *s), "ghost")
    refused(cli(server.env, "groups", "create", "a/b", "--display-name", "x", *s), "groupId")
    refused(
        cli(server.env, "groups", "create", "ext", "--display-name", "x", "--type", "external", *s),
        "externalId",
    )
    refused(
        cli(server.env, "groups", "create", "odd", "--display-name", "x", "--type", "other", *s),
        "type",
    )
    refused(cli(server.env, "groups", "list", "--service", "no-such-service"), "no-such-service")


def test_product_lifecycle(server: LiveServer, service: ServiceRef, http: httpx.Client) -> None:
    s = ("--service", service.name)
    made = ok(
        cli(
            server.env,
            "products",
            "create",
            "gold",
            "--display-name",
            "Gold",
            "--description",
            "The best",
            "--terms",
            "Be nice.",
            "--approval-required",
            "--limit",
            "2",
            "--published",
            "--json",
            *s,
        )
    )
    assert json.loads(made.stdout)["state"] == "published"
    wire = http.get(service.url("/products/gold"), params=V).json()["properties"]
    assert wire == {
        "displayName": "Gold",
        "description": "The best",
        "terms": "Be nice.",
        "subscriptionRequired": True,
        "approvalRequired": True,
        "subscriptionsLimit": 2,
        "state": "published",
    }
    ok(cli(server.env, "products", "create", "free", "--display-name", "Free", "--open", *s))
    free = http.get(service.url("/products/free"), params=V).json()["properties"]
    assert free["subscriptionRequired"] is False and free["state"] == "notPublished"

    listed = json.loads(ok(cli(server.env, "products", "list", "--json", *s)).stdout)
    assert {p["id"] for p in listed} >= {"gold", "free"}
    shown = json.loads(ok(cli(server.env, "products", "show", "gold", *s)).stdout)
    assert shown["subscriptions"] == 0 and shown["terms"] == "Be nice."

    # A product with a subscription is kept unless its subscriptions go with it.
    http.put(
        service.url("/subscriptions/gold-1"),
        params=V,
        json={"properties": {"scope": "/products/gold", "displayName": "g"}},
    ).raise_for_status()
    kept = refused(cli(server.env, "products", "delete", "gold", "-y", *s), "1 subscription")
    assert "--delete-subscriptions" in kept
    assert http.get(service.url("/products/gold"), params=V).status_code == 200
    ok(cli(server.env, "products", "delete", "gold", "-y", "--delete-subscriptions", *s))
    assert http.get(service.url("/products/gold"), params=V).status_code == 404
    assert http.get(service.url("/subscriptions/gold-1"), params=V).status_code == 404


def test_product_commands_refuse_bad_input(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    ok(cli(server.env, "products", "create", "p1", "--display-name", "P1", *s))
    refused(cli(server.env, "products", "create", "P1", "--display-name", "x", *s), "exists")
    # The domain's own rule, with nothing written.
    refused(
        cli(
            server.env,
            "products",
            "create",
            "p2",
            "--display-name",
            "P2",
            "--open",
            "--approval-required",
            *s,
        ),
        "approvalRequired",
    )
    assert http.get(service.url("/products/p2"), params=V).status_code == 404
    refused(cli(server.env, "products", "create", "p3", "--display-name", "  ", *s), "blank")
    refused(cli(server.env, "products", "show", "nope", *s), "'nope' was not found")
    refused(cli(server.env, "products", "delete", "nope", "-y", *s), "nope")
    usage = cli(server.env, "products", "create", "p4", "--display-name", "x", "--limit", "-1", *s)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_contradicting_flags_are_a_usage_error_and_create_nothing(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    for pair in (
        ("--open", "--subscription-required"),
        ("--subscription-required", "--open"),
        ("--approval-required", "--no-approval-required"),
        ("--not-published", "--published"),
    ):
        both = cli(server.env, "products", "create", "p5", "--display-name", "P5", *pair, *s)
        assert both.returncode == 2, (pair, both.stdout, both.stderr)
        assert both.stdout == "" and "Traceback" not in both.stderr
        assert both.stderr.startswith("error: ") and len(both.stderr.splitlines()) == 1
        assert all(flag in both.stderr for flag in pair) and "contradict" in both.stderr
        assert http.get(service.url("/products/p5"), params=V).status_code == 404
    # An option's value is no flag: this names a product '--open' that needs a subscription.
    named = ok(
        cli(
            server.env,
            "products",
            "create",
            "p6",
            "--display-name",
            "--open",
            "--subscription-required",
            "--json",
            *s,
        )
    )
    made = json.loads(named.stdout)
    assert (made["displayName"], made["subscriptionRequired"]) == ("--open", True)
    # The same flag twice says one thing.
    ok(cli(server.env, "products", "create", "p7", "--display-name", "P7", "--open", "--open", *s))
