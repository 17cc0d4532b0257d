"""Tokens speak for the account they were issued to, not for whoever holds its id later; a
single sign-on URL works once, and not after it expires."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import API_VERSION, ServiceRef, service_body

from apidesk.domain import admin_tokens
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.users import access

V = {"api-version": API_VERSION}


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str, first_name: str) -> None:
    response = admin.put(
        shop.url(f"/users/{user_id}"),
        params=V,
        json={
            "properties": {
                "email": f"{first_name.lower()}@example.com",
                "firstName": first_name,
                "lastName": "Person",
            }
        },
    )
    assert response.status_code == 201, response.text


def delete_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> None:
    response = admin.delete(shop.url(f"/users/{user_id}"), params=V, headers={"If-Match": "*"})
    assert response.status_code == 204, response.text


def sso_path(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    url = admin.post(shop.url(f"/users/{user_id}/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def signed_in_as(browser: Browser, shop: ServiceRef) -> str | None:
    home = browser.get(f"/portal/{shop.name}/").text
    if "signed in as <strong>" not in home:
        return None
    return home.split("signed in as <strong>", 1)[1].split("</strong>", 1)[0]


def test_an_sso_url_of_a_deleted_user_does_not_sign_in_a_later_user_with_the_same_id(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "seat", "Before")
    stale = sso_path(admin, shop, "seat")
    delete_user(admin, shop, "seat")
    make_user(admin, shop, "seat", "After")
    assert browser.get(stale).status_code == 401
    assert signed_in_as(browser, shop) is None


def test_a_user_token_of_a_deleted_user_speaks_for_no_later_user_with_the_same_id(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef
) -> None:
    make_user(admin, shop, "heir", "Original")
    token = admin.post(
        shop.url("/users/heir/token"),
        params=V,
        json={"properties": {"keyType": "primary", "expiry": soon(app)}},
    ).json()["value"]
    assert verified(app, shop, token) == "original@example.com"
    delete_user(admin, shop, "heir")
    make_user(admin, shop, "heir", "Successor")
    assert verified(app, shop, token) is None


def soon(app: InProcessServer) -> str:
    return (app.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def verified(app: InProcessServer, shop: ServiceRef, token: str) -> str | None:
    """Whom the token speaks for, as any door that accepts user tokens would ask."""
    with app.runtime.database.unit_of_work(write=False) as session:
        ctx = Context(app.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        user = access.verify_token(InstanceContext.of(ctx, instance), token)
        return user.email if user is not None else None


def test_an_sso_url_works_once(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "once", "Once")
    link = sso_path(admin, shop, "once")
    assert browser.get(link).status_code == 303
    assert signed_in_as(browser, shop) == "once@example.com"
    with app.portal() as other:
        replay = other.get(link)
        assert replay.status_code == 401
        assert "used already" in replay.text


def test_sso_urls_made_in_the_same_minute_each_work_once(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef
) -> None:
    make_user(admin, shop, "twice", "Twice")
    first, second = sso_path(admin, shop, "twice"), sso_path(admin, shop, "twice")
    assert first != second
    for link in (first, second):
        with app.portal() as fresh:
            assert fresh.get(link).status_code == 303
            assert fresh.get(link).status_code == 401


def test_an_sso_url_expires(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "late", "Late")
    link = sso_path(admin, shop, "late")
    app.clock.advance(timedelta(minutes=app.runtime.settings.sso_token_minutes + 1))
    assert browser.get(link).status_code == 401


def test_a_token_limited_to_a_deleted_service_does_not_open_its_namesake(
    app: InProcessServer, admin: httpx.Client
) -> None:
    shop = app.new_service("reborn-service")
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        limited = admin_tokens.create(ctx, "limited-to-reborn", instance=instance).secret
    bearer = {"Authorization": f"Bearer {limited}"}
    assert admin.get(shop.url("/users"), params=V, headers=bearer).status_code == 200
    assert admin.delete(shop.path, params=V).status_code in (200, 202, 204)
    assert admin.put(shop.path, params=V, json=service_body()).status_code == 201
    assert admin.get(shop.url("/users"), params=V, headers=bearer).status_code == 401
