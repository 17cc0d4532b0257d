"""Portal sessions end for good when the credentials they were opened with change: a new
password, a new e-mail address, a block. Activating the user again brings none back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.models import Instance, PortalSession, User

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "an entirely different passphrase"


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@example.com"
    body = {
        "properties": {
            "email": email,
            "firstName": "Sam",
            "lastName": "Session",
            "password": PASSWORD,
        }
    }
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def sign_in(browser: Browser, shop: ServiceRef, email: str) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    done = browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=PASSWORD)
    assert done.status_code == 303, done.text


def signed_in(browser: Browser, shop: ServiceRef) -> bool:
    return "You are signed in" in browser.get(f"/portal/{shop.name}/").text


def stored_sessions(app: InProcessServer, shop: ServiceRef, user_id: str) -> int:
    with app.runtime.database.unit_of_work(write=False) as session:
        count = session.scalar(
            select(func.count())
            .select_from(PortalSession)
            .join(User, User.id == PortalSession.user_id)
            .join(Instance, Instance.id == User.instance_id)
            .where(Instance.name_key == shop.name.lower(), User.name_key == user_id)
        )
        return int(count or 0)


def change(admin: httpx.Client, shop: ServiceRef, user_id: str, how: str, **fields: Any) -> None:
    url = shop.url(f"/users/{user_id}")
    body = {"properties": fields}
    if how == "PATCH":
        response = admin.patch(url, params=V, headers={"If-Match": "*"}, json=body)
    else:
        response = admin.put(url, params=V, json=body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("how", ["PATCH", "PUT"])
def test_a_password_set_by_an_administrator_ends_every_session(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
    how: str,
) -> None:
    user_id = f"pw-{how.lower()}"
    email = make_user(admin, shop, user_id)
    sign_in(browser, shop, email)
    sign_in(other_browser, shop, email)
    change(admin, shop, user_id, how, password=NEW_PASSWORD)
    assert not signed_in(browser, shop)
    assert not signed_in(other_browser, shop)
    assert stored_sessions(app, shop, user_id) == 0


@pytest.mark.parametrize("how", ["PATCH", "PUT"])
def test_an_email_change_ends_every_session(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, how: str
) -> None:
    user_id = f"mail-{how.lower()}"
    email = make_user(admin, shop, user_id)
    sign_in(browser, shop, email)
    change(admin, shop, user_id, how, email=f"{user_id}.new@example.com")
    assert not signed_in(browser, shop)
    assert stored_sessions(app, shop, user_id) == 0


def test_activating_a_blocked_user_brings_no_session_back(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "comeback")
    sign_in(browser, shop, email)
    change(admin, shop, "comeback", "PATCH", state="blocked")
    assert stored_sessions(app, shop, "comeback") == 0
    change(admin, shop, "comeback", "PATCH", state="active")
    assert not signed_in(browser, shop)


def test_other_changes_leave_sessions_alone(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "steady")
    sign_in(browser, shop, email)
    change(admin, shop, "steady", "PATCH", firstName="Samira", note="moved teams", state="active")
    change(admin, shop, "steady", "PUT", email=email.upper())
    assert signed_in(browser, shop)
    assert stored_sessions(app, shop, "steady") == 1
