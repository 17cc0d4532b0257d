"""A portal request looks its instance up once, however many units of work it opens (a sign-in
opens three: the form counter, the account, the outcome); should the instance be deleted
between them, the request ends in the 404 a fresh lookup would give, not in an error. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def _put_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@example.com"
    body = {"properties": {"email": email, "firstName": "U", "lastName": "N", "password": PASSWORD}}
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


@pytest.fixture
def statements(app: InProcessServer) -> Iterator[list[str]]:
    """Every statement the server sends to the database while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = app.runtime.database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _instance_lookups(statements: list[str]) -> int:
    return sum(1 for s in statements if "FROM instances" in " ".join(s.split()))


def test_a_sign_in_looks_its_instance_up_once(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    statements: list[str],
) -> None:
    email = _put_user(admin, shop, "once")
    page = browser.get(f"/portal/{shop.name}/signin")
    statements.clear()
    signed_in = browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=PASSWORD)
    assert signed_in.status_code == 303, signed_in.text
    # Three units: the form counter, the account, the outcome; they wrote what they should.
    assert (
        sum(1 for s in statements if s.lstrip().upper().startswith("INSERT INTO PORTAL_SESSIONS"))
        == 1
    )
    assert _instance_lookups(statements) == 1, statements
    assert "signed in as" in browser.get(f"/portal/{shop.name}/").text


class DeleteWhileChecking:
    """argon2's verify, but the service is deleted while it runs."""

    def __init__(self, inner: Any, admin: httpx.Client, shop: ServiceRef) -> None:
        self.inner, self.admin, self.shop = inner, admin, shop

    def hash(self, password: str) -> str:
        return str(self.inner.hash(password))

    def verify(self, stored: str, password: str) -> bool:
        self.admin.delete(self.shop.path, params=V).raise_for_status()
        return bool(self.inner.verify(stored, password))


@pytest.mark.parametrize("password", [PASSWORD, "not the password at all 9"])
def test_an_instance_deleted_during_a_sign_in_gives_404(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    password: str,
) -> None:
    email = _put_user(admin, shop, "vanishing")
    page = browser.get(f"/portal/{shop.name}/signin")
    hashing = app.runtime.passwords
    inner = hashing._hasher
    hashing._hasher = DeleteWhileChecking(inner, admin, shop)  # type: ignore[assignment]
    try:
        answer = browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)
    finally:
        hashing._hasher = inner
    assert admin.get(shop.path, params=V).status_code == 404  # the delete did happen
    # A right password would write a session, a wrong one a failure count: both refer to
    # the instance, so both find it gone.
    assert answer.status_code == 404, answer.text
    assert "<title>" in answer.text and "Traceback" not in answer.text
