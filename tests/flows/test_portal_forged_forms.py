"""Every form of the portal refuses a request without this browser's CSRF token, or one sent
from another site with it, in one way: 403 and a page that says so, nothing changed, never
400 for one form and 403 for another. The routes come from the portal app itself, so a form
added later is held to it too (signed out, a page that needs a session may send the visitor
to sign in instead)."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route
from support import catalog
from support.inprocess import InProcessServer
from support.portal import Browser, open_signup
from support.server import ServiceRef

from apidesk.portal.app import create_app

PASSWORD = "correct horse battery staple"
V = {"api-version": "2024-05-01"}
VALUES = {"sid": "mine", "product": "gold"}
# Forms that end a session rather than refuse: a forged sign-out is sent home, signed in still.
HOME_INSTEAD = {"/{service}/signout"}


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def post_routes(app: InProcessServer) -> list[str]:
    portal = create_app(app.runtime)
    found = [
        route.path
        for route in portal.routes
        if isinstance(route, Route) and "POST" in (route.methods or set())
    ]
    assert len(found) >= 20, found
    return sorted(found)


def test_every_form_without_its_token_is_refused_alike(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    # Developers see the product, so its Subscribe form is theirs to send.
    linked = admin.put(shop.url("/products/gold/groups/developers"), params=V)
    assert linked.status_code in (200, 201), linked.text
    catalog.user(admin, shop, "dev", password=PASSWORD)
    key = catalog.subscription(admin, shop, "mine", "/products/gold", owner="dev")
    page = browser.get(f"/portal/{shop.name}/signin")
    signed = browser.submit(
        page, f"/portal/{shop.name}/signin", email="dev@example.com", password=PASSWORD
    )
    assert signed.status_code == 303
    fields = {"csrf": "forged", "token": "x", "email": "dev@example.com", "password": "p"}
    # This browser's own token, on a form sent from another site.
    own_token = csrf_of(browser.get(f"/portal/{shop.name}/profile"))
    elsewhere = {"Origin": "https://evil.example"}
    for path in post_routes(app):
        url = "/portal" + path.format(service=shop.name, **VALUES)
        for sent, headers in ((fields, {}), ({**fields, "csrf": own_token}, elsewhere)):
            data = {**sent, "key": "primary", "name": "n"}
            answer = browser.client.post(url, data=data, headers=headers)
            if path in HOME_INSTEAD:
                assert answer.status_code == 303, (path, answer.status_code)
                continue
            assert answer.status_code == 403, (path, headers, answer.status_code, answer.text[:300])
            assert "<html" in answer.text and key not in answer.text, path
    # Nothing was changed by any of them: still signed in, the subscription as it was.
    assert "Sign out" in browser.get(f"/portal/{shop.name}/profile").text
    assert catalog.keys(admin, shop, "mine")[0] == key
    state = admin.get(shop.url("/subscriptions/mine"), params=V)
    assert state.json()["properties"]["state"] == "active"
    held = admin.get(shop.url("/users/dev/subscriptions"), params=V).json()["value"]
    assert [item["name"] for item in held] == ["mine"]  # the forged Subscribe made none


@pytest.mark.parametrize("path", ["/{service}/signin", "/{service}/signup"])
def test_a_form_without_any_token_is_refused_signed_out(
    shop: ServiceRef, browser: Browser, admin: httpx.Client, path: str
) -> None:
    open_signup(admin, shop)
    browser.get(f"/portal/{shop.name}/signin")
    url = "/portal" + path.format(service=shop.name)
    answer = browser.client.post(url, data={"email": "a@example.com", "password": "x"})
    assert answer.status_code == 403
