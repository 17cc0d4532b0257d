"""What a console page reads: the Users page asks for the operator's session, the instances
(once: the switcher's list also names the page's instance), one page of users and their
invitations, and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, event
from support.console import Person, new_operator, set_password, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}


@contextmanager
def reads(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def tables(statements: list[str]) -> list[str]:
    """The first table each statement reads, but the outbox (the mail dispatcher polls it
    on its own)."""
    found = []
    for sql in statements:
        match = re.search(r"\bFROM\s+(\w+)", sql, re.IGNORECASE)
        table = match.group(1) if match else ""
        if table != "outbox_messages":
            found.append(table)
    return sorted(found)


def test_the_users_page_reads_each_thing_once(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    for n in range(3):
        body = {"properties": {"email": f"r{n}@example.com", "firstName": "R", "lastName": f"{n}"}}
        assert admin.put(shop.url(f"/users/r{n}"), params=V, json=body).status_code in (200, 201)
    signed_in_operator(app, person)
    for params in ({}, {"search": "r1"}, {"state": "active", "sort": "name", "order": "asc"}):
        with reads(app.runtime.database.engine) as seen:
            page = person.get(f"/console/{shop.name}/users", **params)
        assert page.status_code == 200, page.text
        assert 'href="/console/' + shop.name + '/users/r1"' in page.text
        assert tables(seen) == ["instances", "one_time_links", "operator_sessions", "users"], seen


def test_an_instance_is_found_by_name_in_any_case_and_only_if_managed(
    app: InProcessServer, shop: ServiceRef, other_person: Person, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name.upper()}/users")
    assert page.status_code == 200
    assert f"<title>Users · {shop.name} · Apidesk console</title>" in page.text
    assert person.get("/console/no-such-shop/users").status_code == 404
    # An operator of another instance sees neither this one nor its name in the switcher.
    mine = app.new_service(f"{shop.name}-b")
    assert set_password(other_person, new_operator(app, "b@example.com", mine.name)).status_code
    assert other_person.get(f"/console/{shop.name}/users").status_code == 404
    own = other_person.get(f"/console/{mine.name}/users")
    assert own.status_code == 200
    assert f'<option value="{shop.name}"' not in own.text
