"""`apidesk audit` and `apidesk outbox list` in an 80-column terminal: no line is wider, and
no key field is cut short (long values fold onto more lines) or read as markup."""

from __future__ import annotations

import re

import httpx
from support.server import LiveServer, ServiceRef, cli

V = {"api-version": "2024-05-01"}
WIDTH = 80


def cells(output: str, first_header: str, starts: str | None = None) -> list[dict[str, str]]:
    """The rows of a printed table, each cell's folded lines joined again. A row starts
    where its `starts` column (one that never folds; the first by default) has text."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first_header))
    headers = [(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", lines[start])]
    rows: list[dict[str, str]] = []
    for line in lines[start + 2 :]:
        if not line.strip():
            continue
        parts = {}
        for index, (offset, name) in enumerate(headers):
            end = headers[index + 1][0] if index + 1 < len(headers) else len(line)
            parts[name] = line[offset:end].strip()
        if parts[starts or headers[0][1]]:
            rows.append(parts)
        else:
            for name, text in parts.items():
                rows[-1][name] = f"{rows[-1][name]}\n{text}" if text else rows[-1][name]
    return rows


def joined(text: str) -> str:
    return re.sub(r"\s+", "", text)


def narrow(server: LiveServer) -> dict[str, str]:
    return {**server.env, "COLUMNS": str(WIDTH)}


def test_audit_at_80_columns(server: LiveServer, service: ServiceRef, http: httpx.Client) -> None:
    long_id = "developer-with-a-rather-long-identifier"
    body = {
        "properties": {
            "email": "someone.with.a.long.address@subsidiary.example.org",
            "firstName": "[red]Ann[/red]",
            "lastName": "Lovelace",
        }
    }
    assert http.put(service.url(f"/users/{long_id}"), params=V, json=body).status_code == 201
    blocked = http.patch(
        service.url(f"/users/{long_id}"),
        params=V,
        json={"properties": {"state": "blocked"}},
        headers={"If-Match": "*"},
    )
    assert blocked.status_code == 200

    shown = cli(narrow(server), "audit", "--service", service.name, "--limit", "2")
    assert shown.returncode == 0, shown.stderr
    assert max(len(line) for line in shown.stdout.splitlines()) <= WIDTH, shown.stdout
    created, updated = cells(shown.stdout, "at (UTC)")
    assert created["action"] == "user.create"
    assert updated["action"] == "user.update"
    for row in (created, updated):
        assert joined(row["target"]) == f"users/{long_id}"
        assert joined(row["actor"]).startswith("token:tests-")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["at (UTC)"])
    assert joined(updated["changes"]) == "state:blocked"
    # Values read as text, never as markup.
    assert "firstName:[red]Ann[/red]" in joined(created["changes"])
    assert "email:someone.with.a.long.address@subsidiary.example.org" in joined(created["changes"])


def test_outbox_list_at_80_columns(
    server: LiveServer, service: ServiceRef, http: httpx.Client
) -> None:
    address = "bartholomew.longname-developer@subsidiary.example.org"
    body = {
        "properties": {
            "email": address,
            "firstName": "Bartholomew",
            "lastName": "Longname",
            "state": "pending",
        }
    }
    assert http.put(service.url("/users/bart-80"), params=V, json=body).status_code == 201
    invited = cli(server.env, "users", "invite", "bart-80", "--service", service.name)
    assert invited.returncode == 0, invited.stderr

    shown = cli(narrow(server), "outbox", "list", "--limit", "5")
    assert shown.returncode == 0, shown.stderr
    assert max(len(line) for line in shown.stdout.splitlines()) <= WIDTH, shown.stdout
    rows = [row for row in cells(shown.stdout, "id") if joined(row["to"]) == address]
    assert len(rows) == 1, shown.stdout
    row = rows[0]
    assert row["status"] == "queued"
    assert joined(row["subject"]) != ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["created (UTC)"])

    listed = cli(server.env, "outbox", "list", "--json", "--limit", "5")
    assert f'"id": {row["id"]},' in listed.stdout


def test_token_and_operator_lists_at_80_columns(server: LiveServer, service: ServiceRef) -> None:
    name = "a-very-long-token-name-for-the-nightly-reconciliation-job-of-finance"
    made = cli(server.env, "token", "create", "--name", name, "--service", service.name)
    assert made.returncode == 0, made.stderr
    address = "an.operator.with.a.very.long.address@operations.subsidiary.example.org"
    invited = cli(server.env, "operator", "create", address, "--service", service.name)
    assert invited.returncode == 0, invited.stderr

    tokens = cli(narrow(server), "token", "list")
    assert tokens.returncode == 0, tokens.stderr
    assert max(len(line) for line in tokens.stdout.splitlines()) <= WIDTH, tokens.stdout
    row = next(
        row for row in cells(tokens.stdout, "name", "created") if joined(row["name"]) == name
    )
    assert joined(row["scope"]) == service.name and row["status"] == "active"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["created"])

    operators = cli(narrow(server), "operator", "list")
    assert operators.returncode == 0, operators.stderr
    assert max(len(line) for line in operators.stdout.splitlines()) <= WIDTH, operators.stdout
    row = next(
        row
        for row in cells(operators.stdout, "e-mail", "created")
        if joined(row["e-mail"]) == address
    )
    assert joined(row["service"]) == service.name and joined(row["password"]) == "notsetyet"
