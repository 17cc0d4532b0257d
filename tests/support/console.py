"""An operator's browser on the admin console, and ways to make operators in tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from support.inprocess import InProcessServer

from apidesk.console.audit_words import action_words
from apidesk.domain.context import Context
from apidesk.domain.instances import service as instances
from apidesk.domain.operators import service as operators

PASSWORD = "a long and quiet harbour"


@dataclass
class Person:
    """Someone with a browser."""

    client: httpx.Client

    def get(self, url: str, **params: str) -> httpx.Response:
        return self.client.get(url, params=params or None)

    def submit(self, page: httpx.Response, action: str, **fields: str) -> httpx.Response:
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, f"no CSRF field on the page:\n{page.text}"
        return self.client.post(action, data={"csrf": match.group(1), **fields})

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code in (303, 307), (response.status_code, response.text)
        return self.client.get(response.headers["location"])


def new_operator(app: InProcessServer, email: str, service: str | None = None) -> str:
    """The operator's one-time link."""
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "tests")
        instance = instances.find_by_name(ctx, service) if service else None
        return operators.create(ctx, email, instance).link


def set_password(person: Person, link: str, password: str = PASSWORD) -> httpx.Response:
    page = person.get(link)
    assert page.status_code == 200, page.text
    # What the page loads names only its origin as Referer: the token stays in this address.
    assert page.headers["referrer-policy"] == "strict-origin"
    token = link.split("token=", 1)[1]
    return person.submit(
        page, "/console/set-password", token=token, password=password, confirm=password
    )


def sign_in(person: Person, email: str, password: str = PASSWORD) -> httpx.Response:
    page = person.get("/console/signin")
    return person.submit(page, "/console/signin", email=email, password=password)


_operators = iter(range(1, 1_000_000))


def operator_address() -> str:
    return f"operator{next(_operators)}@example.com"


def signed_in_operator(app: InProcessServer, person: Person, service: str | None = None) -> str:
    email = operator_address()
    landed = set_password(person, new_operator(app, email, service))
    assert landed.status_code == 303, landed.text
    return email


def logged(action: str) -> str:
    """An event's action as a row of the Audit log shows it (a cell: not an option of the
    Action filter, which names every action)."""
    return f"<td>{action_words(action)}</td>"
