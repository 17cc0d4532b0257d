"""The `apidesk` command line, run as a real process against the test database."""

from __future__ import annotations

import json

import httpx
from support.server import LiveServer, ServiceRef, cli

V = {"api-version": "2024-05-01"}


def test_token_create_list_revoke(server: LiveServer, service: ServiceRef) -> None:
    made = cli(server.env, "token", "create", "--name", "ops-bot", "--expires-in", "7")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("apd_")
    url = f"{server.url}{service.url('/users')}"
    assert httpx.get(url, params=V, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    listed = cli(server.env, "token", "list")
    assert "ops-bot" in listed.stdout
    assert token not in listed.stdout

    again = cli(server.env, "token", "create", "--name", "ops-bot")
    assert again.returncode == 1
    assert "already exists" in again.stderr

    revoked = cli(server.env, "token", "revoke", "ops-bot")
    assert revoked.returncode == 0, revoked.stderr
    assert httpx.get(url, params=V, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_limited_to_one_service(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    from support.server import create_service

    other = create_service(http)
    made = cli(
        server.env, "token", "create", "--name", f"only-{service.name}", "--service", service.name
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    mine = httpx.get(f"{server.url}{service.url('/users')}", params=V, headers=headers)
    theirs = httpx.get(f"{server.url}{other.url('/users')}", params=V, headers=headers)
    assert mine.status_code == 200
    assert theirs.status_code == 403
    assert theirs.json()["error"]["code"] == "AuthorizationFailed"


def test_users_commands(server: LiveServer, service: ServiceRef, http: httpx.Client) -> None:
    s = ("--service", service.name)
    created = cli(
        server.env,
        "users",
        "create",
        "cli-user",
        "--email",
        "cli@example.com",
        "--first-name",
        "Cli",
        "--last-name",
        "User",
        *s,
    )
    assert created.returncode == 0, created.stderr
    assert (
        http.get(service.url("/users/cli-user"), params=V).json()["properties"]["state"] == "active"
    )

    assert cli(server.env, "users", "block", "cli-user", *s).returncode == 0
    assert (
        http.get(service.url("/users/cli-user"), params=V).json()["properties"]["state"]
        == "blocked"
    )

    listed = cli(server.env, "users", "list", "--state", "blocked", *s)
    assert "cli@example.com" in listed.stdout

    assert cli(server.env, "users", "activate", "cli-user", *s).returncode == 0
    shown = json.loads(cli(server.env, "users", "show", "cli-user", *s).stdout)
    assert shown["state"] == "active"
    assert shown["groups"] == ["developers"]

    bad = cli(
        server.env,
        "users",
        "create",
        "bad",
        "--email",
        "nope",
        "--first-name",
        "A",
        "--last-name",
        "B",
        *s,
    )
    assert bad.returncode == 1
    assert "email" in bad.stderr

    deleted = cli(server.env, "users", "delete", "cli-user", "--yes", *s)
    assert deleted.returncode == 0, deleted.stderr
    assert http.get(service.url("/users/cli-user"), params=V).status_code == 404


def test_audit_records_changes_without_secrets(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    body = {
        "properties": {
            "email": "audited@example.com",
            "firstName": "Au",
            "lastName": "Dit",
            "password": "a much better passphrase",
        }
    }
    http.put(service.url("/users/audited"), params=V, json=body).raise_for_status()
    http.patch(
        service.url("/users/audited"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "blocked"}},
    ).raise_for_status()
    result = cli(
        server.env, "audit", "--service", service.name, "--json", "--target", "users/audited"
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["action"] for e in events] == ["user.create", "user.update"]
    assert events[0]["actor"].startswith("token:tests-")
    assert events[0]["changes"]["email"] == "audited@example.com"
    assert events[0]["changes"]["password"] == "[redacted]"
    assert events[1]["changes"] == {"state": "blocked"}
    assert "a much better passphrase" not in result.stdout
    assert "a much better passphrase" not in server.log()


def test_a_limited_token_manages_its_service_but_cannot_delete_it(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    made = cli(
        server.env, "token", "create", "--name", f"own-{service.name}", "--service", service.name
    )
    token = made.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{server.url}{service.path}"
    current = httpx.get(url, params=V, headers=headers).json()
    body = {
        "location": current["location"],
        "sku": current["sku"],
        "tags": {"team": "a"},
        "properties": {"publisherEmail": "admin@example.net", "publisherName": "Renamed"},
    }
    assert httpx.put(url, params=V, headers=headers, json=body).status_code == 200
    refused = httpx.delete(url, params=V, headers=headers)
    assert refused.status_code == 403
    assert http.get(service.path, params=V).status_code == 200


def test_invite_and_retry_from_the_command_line(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    s = ("--service", service.name)
    body = {
        "properties": {
            "email": "cli-invitee@example.com",
            "firstName": "Cli",
            "lastName": "Invitee",
            "state": "pending",
        }
    }
    http.put(service.url("/users/cli-invitee"), params=V, json=body).raise_for_status()
    invited = cli(server.env, "users", "invite", "cli-invitee", *s)
    assert invited.returncode == 0, invited.stderr
    assert "queued" in invited.stdout

    # This server has no SMTP server: the invitation waits in the outbox.
    listed = cli(server.env, "outbox", "list", "--status", "queued", "--json")
    [message] = [
        json.loads(line) for line in listed.stdout.splitlines() if "cli-invitee@example.com" in line
    ]
    assert message["template"] == "InviteUserNotificationMessage"
    retried = cli(server.env, "outbox", "retry", str(message["id"]))
    assert retried.returncode == 0, retried.stderr
    assert f"Message {message['id']} is queued." in retried.stdout

    missing = cli(server.env, "outbox", "retry", "987654321")
    assert missing.returncode == 1 and "987654321" in missing.stderr

    # Only pending users are invited; an active user is refused with the reason.
    active = cli(server.env, "users", "invite", "1", *s)
    assert active.returncode == 1 and "pending" in active.stderr.lower()
