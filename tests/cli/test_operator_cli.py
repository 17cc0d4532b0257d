"""`apidesk operator`: create (with its one-time link), link, list and remove, as a real
process against the live server's database."""

from __future__ import annotations

import json
import re
import uuid

import httpx
from support.server import LiveServer, ServiceRef, cli


def _address() -> str:
    return f"op-{uuid.uuid4().hex[:10]}@example.com"


def _csrf(page: httpx.Response) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def test_create_prints_a_link_that_sets_the_password_once(server: LiveServer) -> None:
    email = _address()
    made = cli(server.env, "operator", "create", email)
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    assert link.startswith(f"{server.url}/console/set-password?token=")
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get(link)
        assert page.status_code == 200 and email in page.text
        token = link.split("token=", 1)[1]
        data = {"csrf": _csrf(page), "token": token}
        data.update(password="a long and quiet harbour", confirm="a long and quiet harbour")
        landed = browser.post("/console/set-password", data=data)
        assert landed.status_code == 303
        assert "apidesk_console=" in landed.headers["set-cookie"]
        # Signed in: the console opens on an instance's users.
        assert browser.get("/console/").status_code == 303
        assert browser.get(link).status_code == 410  # the link worked once


def test_list_and_remove_in_json(server: LiveServer, service: ServiceRef) -> None:
    email = _address()
    made = cli(server.env, "operator", "create", email, "--service", service.name, "--json")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["email"] == email and created["service"] == service.name
    assert created["link"].startswith(f"{server.url}/console/set-password?token=")

    listed = json.loads(cli(server.env, "operator", "list", "--json").stdout)
    mine = [item for item in listed if item["email"] == email]
    assert mine == [
        {
            "email": email,
            "service": service.name,
            "passwordSet": False,
            "createdAt": mine[0]["createdAt"],
        }
    ]
    assert "link" not in mine[0] and "token" not in json.dumps(listed)

    again = cli(server.env, "operator", "create", email.upper())
    assert again.returncode == 1 and "exists" in again.stderr

    removed = cli(server.env, "operator", "remove", email, "--json")
    assert json.loads(removed.stdout) == {"email": email, "removed": True}
    listed = json.loads(cli(server.env, "operator", "list", "--json").stdout)
    assert email not in [item["email"] for item in listed]
    # The link of a removed operator is dead.
    assert httpx.get(created["link"], timeout=30).status_code == 410
    missing = cli(server.env, "operator", "remove", email)
    assert missing.returncode == 1 and "No operator" in missing.stderr


def test_a_new_link_voids_the_one_before(server: LiveServer) -> None:
    email = _address()
    first = cli(server.env, "operator", "create", email).stdout.strip().splitlines()[-1]
    second = cli(server.env, "operator", "link", email).stdout.strip().splitlines()[-1]
    assert first != second
    assert httpx.get(first, timeout=30).status_code == 410
    assert httpx.get(second, timeout=30).status_code == 200


def test_serve_prints_a_link_for_the_publisher_when_no_operator_exists(
    server: LiveServer,
) -> None:
    """The session's server started on a fresh database: its log carries the first link."""
    log = server.log_path.read_text()
    assert "No operator yet: created" in log
    assert "/console/set-password?token=" in log


def test_scope_limits_and_widens_an_operator_and_ends_their_session(
    server: LiveServer, service: ServiceRef
) -> None:
    email = _address()
    link = cli(server.env, "operator", "create", email).stdout.strip().splitlines()[-1]
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get(link)
        data = {"csrf": _csrf(page), "token": link.split("token=", 1)[1]}
        data.update(password="a long and quiet harbour", confirm="a long and quiet harbour")
        assert browser.post("/console/set-password", data=data).status_code == 303
        assert browser.get(f"/console/{service.name}/users").status_code == 200

        limited = cli(server.env, "operator", "scope", email, "--service", service.name, "--json")
        assert limited.returncode == 0, limited.stderr
        view = json.loads(limited.stdout)
        assert (view["service"], view["changed"]) == (service.name, True)
        # Their session ended at once.
        assert browser.get(f"/console/{service.name}/users").status_code == 303

    same = cli(server.env, "operator", "scope", email, "--service", service.name)
    assert same.returncode == 0 and "already manages" in same.stdout
    widened = json.loads(cli(server.env, "operator", "scope", email, "--all", "--json").stdout)
    assert (widened["service"], widened["changed"]) == (None, True)
    both = cli(server.env, "operator", "scope", email, "--all", "--service", service.name)
    assert both.returncode == 2 and both.stderr.startswith("error: ")
    assert "exactly one" in both.stderr and "Traceback" not in both.stderr
    unknown = cli(server.env, "operator", "scope", "nobody-" + email, "--all")
    assert unknown.returncode == 1 and "No operator" in unknown.stderr
