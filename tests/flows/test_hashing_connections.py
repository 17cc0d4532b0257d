"""argon2 never runs while its thread holds a database connection: creating a user with a
password, changing it, signing in to the portal (right, wrong, unknown address), signing up
and confirming the sign-up, the profile's e-mail, password and close-account forms, and the
console's operator password, + Add with a password and sign-in, on SQLite and PostgreSQL.
The pool is instrumented: each checkout and checkin is counted per thread, and every hash and
check looks at its own thread's count."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from support import portal
from support.console import PASSWORD as OPERATOR_PASSWORD
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


class Watch:
    """Connections held per thread, and what each argon2 call saw."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.held: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int]] = []

    def checkout(self, *_: object) -> None:
        with self.lock:
            self.held[threading.get_ident()] += 1

    def checkin(self, *_: object) -> None:
        with self.lock:
            self.held[threading.get_ident()] -= 1

    def _saw(self, what: str) -> None:
        with self.lock:
            self.seen.append((what, self.held[threading.get_ident()]))

    # The argon2-cffi PasswordHasher's methods that PasswordHashing calls.
    def hash(self, password: str) -> str:
        self._saw("hash")
        return str(self.inner.hash(password))

    def verify(self, stored: str, password: str) -> bool:
        self._saw("verify")
        return bool(self.inner.verify(stored, password))


@pytest.fixture
def watch(app: InProcessServer) -> Iterator[Watch]:
    hashing = app.runtime.passwords
    engine = app.runtime.database.engine
    spy = Watch(hashing._hasher)
    event.listen(engine, "checkout", spy.checkout)
    event.listen(engine, "checkin", spy.checkin)
    hashing._hasher = spy  # type: ignore[assignment]
    try:
        yield spy
    finally:
        hashing._hasher = spy.inner
        event.remove(engine, "checkout", spy.checkout)
        event.remove(engine, "checkin", spy.checkin)


def _put_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@example.com"
    body = {"properties": {"email": email, "firstName": "H", "lastName": "C", "password": PASSWORD}}
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def _sign_in(browser: Browser, shop: ServiceRef, email: str, password: str) -> int:
    page = browser.get(f"/portal/{shop.name}/signin")
    action = f"/portal/{shop.name}/signin"
    return browser.submit(page, action, email=email, password=password).status_code


def test_creating_and_changing_a_password_hold_no_connection(
    watch: Watch, admin: httpx.Client, shop: ServiceRef
) -> None:
    _put_user(admin, shop, "hasher")
    patch = {"properties": {"password": PASSWORD + " again"}}
    response = admin.patch(
        shop.url("/users/hasher"), params=V, json=patch, headers={"If-Match": "*"}
    )
    assert response.status_code == 200, response.text
    assert [what for what, _ in watch.seen] == ["hash", "hash"]
    assert all(held == 0 for _, held in watch.seen), watch.seen


def test_portal_sign_in_holds_no_connection_while_checking(
    watch: Watch, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = _put_user(admin, shop, "signer")
    watch.seen.clear()
    assert _sign_in(browser, shop, email, PASSWORD) == 303
    assert _sign_in(browser, shop, email, PASSWORD + "!") == 400
    assert _sign_in(browser, shop, "nobody@example.com", PASSWORD) == 400
    # The unknown address spends a hash, as long as a real check.
    assert [what for what, _ in watch.seen] == ["verify", "verify", "hash"]
    assert all(held == 0 for _, held in watch.seen), watch.seen


NEW_PASSWORD = "a different horse entirely 7"


def test_portal_sign_up_and_the_profile_hold_no_connection_while_hashing(
    watch: Watch, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    signed_up = portal.sign_up(
        browser, shop.name, "new@example.com", PASSWORD, first_name="New", last_name="Comer"
    )
    assert signed_up.status_code == 200, signed_up.text
    email = _put_user(admin, shop, "profiled")
    assert _sign_in(browser, shop, email, PASSWORD) == 303
    assert [what for what, _ in watch.seen] == ["hash", "hash", "verify"]
    assert all(held == 0 for _, held in watch.seen), watch.seen
    watch.seen.clear()
    profile = browser.get(f"/portal/{shop.name}/profile")
    base = f"/portal/{shop.name}/profile"
    moved = browser.submit(
        profile, f"{base}/email", email="moved@example.com", current_password=PASSWORD
    )
    assert moved.status_code == 303, moved.text
    changed = browser.submit(
        profile,
        f"{base}/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert changed.status_code == 303, changed.text
    closing = browser.get(f"{base}/close")
    closed = browser.submit(closing, f"{base}/close", current_password=NEW_PASSWORD)
    assert closed.status_code == 200, closed.text
    assert [what for what, _ in watch.seen] == ["verify", "verify", "hash", "verify"]
    assert all(held == 0 for _, held in watch.seen), watch.seen


def test_confirming_a_sign_up_holds_no_connection_while_checking(
    watch: Watch, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    portal.sign_up(
        browser, shop.name, "confirming@example.com", PASSWORD, first_name="Con", last_name="Firm"
    )
    link = mailbox.wait_for(to="confirming@example.com")[0].link("confirm-email")
    watch.seen.clear()
    opened = browser.get(path_of(link))
    action = f"/portal/{shop.name}/confirm-email"
    token = link.rsplit("=", 1)[1]
    assert browser.submit(opened, action, token=token, password="wrong").status_code == 400
    assert browser.submit(opened, action, token=token, password=PASSWORD).status_code == 303
    assert [what for what, _ in watch.seen] == ["verify", "verify"]
    assert all(held == 0 for _, held in watch.seen), watch.seen


def test_the_console_holds_no_connection_while_hashing(
    watch: Watch, app: InProcessServer, shop: ServiceRef
) -> None:
    with app.portal() as client:
        person = Person(client)
        email = signed_in_operator(app, person)  # sets the operator's password
        added_form = person.get(f"/console/{shop.name}/add-user")
        added = person.submit(
            added_form,
            f"/console/{shop.name}/add-user",
            email="added@example.com",
            first_name="Ad",
            last_name="Ded",
            password=PASSWORD,
        )
        assert added.status_code == 303, added.text
    with app.portal() as client:
        fresh = Person(client)
        page = fresh.get("/console/signin")
        wrong = fresh.submit(page, "/console/signin", email=email, password="not the password")
        assert wrong.status_code == 400
        right = fresh.submit(page, "/console/signin", email=email, password=OPERATOR_PASSWORD)
        assert right.status_code == 303, right.text
    assert [what for what, _ in watch.seen] == ["hash", "hash", "verify", "verify"]
    assert all(held == 0 for _, held in watch.seen), watch.seen
