"""Delegation end to end: the portal hands sign-in, sign-up and sign-out to the publisher's
site with signatures checked here by `openssl`, and the example publisher site of
docs/portal.md signs people up and back in through `generateSsoUrl`."""

from __future__ import annotations

import base64
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.inprocess import InProcessServer
from support.openssl import hmac_sha512_base64
from support.portal import Browser
from support.server import ServiceRef, free_port

V = {"api-version": "2024-05-01"}
PUBLISHER = "http://publisher.example.test:8443/delegate?site=7"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "delegation_publisher.py"


def delegate(
    admin: httpx.Client,
    shop: ServiceRef,
    url: str = PUBLISHER,
    *,
    users: bool = True,
    subscriptions: bool = False,
) -> bytes:
    """Turn delegation on; the raw validation key."""
    body = {
        "properties": {
            "url": url,
            "userRegistration": {"enabled": users},
            "subscriptions": {"enabled": subscriptions},
        }
    }
    admin.put(shop.url("/portalsettings/delegation"), params=V, json=body).raise_for_status()
    secrets = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V)
    return base64.b64decode(secrets.json()["validationKey"])


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> None:
    body = {"properties": {"email": f"{user_id}@example.com", "firstName": "D", "lastName": "L"}}
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()


def sso_sign_in(admin: httpx.Client, shop: ServiceRef, browser: Browser, user_id: str) -> None:
    url = admin.post(shop.url(f"/users/{user_id}/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(url)
    assert browser.get(f"{parts.path}?{parts.query}").status_code == 303


def test_sign_in_is_handed_to_the_publisher_with_a_valid_signature(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    key = delegate(admin, shop)
    back = f"/portal/{shop.name}/products?page=2"
    response = browser.get(f"/portal/{shop.name}/signin?returnUrl={back.replace('?', '%3F')}")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("http://publisher.example.test:8443/delegate?")
    query = query_of(location)
    assert query["site"] == "7"
    assert query["operation"] == "SignIn"
    assert query["returnUrl"] == back
    assert query["sig"] == hmac_sha512_base64(key, f"{query['salt']}\n{back}")


def test_sign_up_is_handed_over_with_the_portal_home_as_return_url(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    key = delegate(admin, shop)
    response = browser.get(f"/portal/{shop.name}/signup")
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["operation"] == "SignUp"
    assert query["returnUrl"] == f"/portal/{shop.name}/"
    assert query["sig"] == hmac_sha512_base64(key, f"{query['salt']}\n/portal/{shop.name}/")


def test_each_hand_off_has_a_salt_of_its_own(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    delegate(admin, shop)
    salts = {
        query_of(browser.get(f"/portal/{shop.name}/signin").headers["location"])["salt"]
        for _ in range(3)
    }
    assert len(salts) == 3


@pytest.mark.parametrize(
    "away",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/console/",
        "/portal/{shop}/../../console/",
        "/portal/{shop}/%2E%2e/elsewhere/",
    ],
)
def test_a_return_url_off_the_portal_is_replaced_by_the_portal_home(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, away: str
) -> None:
    away = away.format(shop=shop.name)
    key = delegate(admin, shop)
    response = browser.client.get(f"/portal/{shop.name}/signin", params={"returnUrl": away})
    query = query_of(response.headers["location"])
    assert query["returnUrl"] == f"/portal/{shop.name}/"
    assert query["sig"] == hmac_sha512_base64(key, f"{query['salt']}\n/portal/{shop.name}/")


def test_sign_out_ends_the_session_and_tells_the_publisher_who_left(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "leaver")
    sso_sign_in(admin, shop, browser, "leaver")
    key = delegate(admin, shop)
    page = browser.get(f"/portal/{shop.name}/")
    assert "leaver@example.com" in page.text
    response = browser.submit(page, f"/portal/{shop.name}/signout")
    assert response.status_code == 303
    query = query_of(response.headers["location"])
    assert response.headers["location"].startswith("http://publisher.example.test:8443/delegate?")
    assert query["operation"] == "SignOut" and query["userId"] == "leaver"
    assert query["sig"] == hmac_sha512_base64(key, f"{query['salt']}\nleaver")
    assert "leaver@example.com" not in browser.get(f"/portal/{shop.name}/").text


def test_pages_allow_their_forms_to_reach_the_publisher_only_while_delegating(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    before = browser.get(f"/portal/{shop.name}/").headers["content-security-policy"]
    assert "form-action 'self';" in before
    delegate(admin, shop)
    during = browser.get(f"/portal/{shop.name}/").headers["content-security-policy"]
    assert "form-action 'self' http://publisher.example.test:8443;" in during


def test_a_publisher_at_an_internationalized_host_is_named_as_browsers_name_it(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    """A URL with a host such as bücher.example is kept in its ASCII spelling: the pages'
    policy and the redirects carry it (a header can hold nothing else)."""
    key = delegate(admin, shop, "https://Bücher.example/delegate")
    saved = admin.get(shop.url("/portalsettings/delegation"), params=V).json()
    assert saved["properties"]["url"] == "https://xn--bcher-kva.example/delegate"
    for page in ("/", "/products", "/forgot-password"):
        shown = browser.get(f"/portal/{shop.name}{page}")
        assert shown.status_code == 200, page
        policy = shown.headers["content-security-policy"]
        assert "form-action 'self' https://xn--bcher-kva.example;" in policy
    sent = browser.get(f"/portal/{shop.name}/signin")
    assert sent.headers["location"].startswith("https://xn--bcher-kva.example/delegate?")
    assert key


def test_a_portal_with_its_own_host_hands_off_a_way_back_at_that_host(
    admin: httpx.Client, browser: Browser
) -> None:
    """The publisher brings the developer back with a generateSsoUrl link, which leads to the
    portal's own address: from either address, the way back is told as a path there."""
    from support.server import RESOURCE_GROUP, SUBSCRIPTION, service_body

    own = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "handoffown")
    body = service_body()
    body["properties"]["hostnameConfigurations"] = [
        {"type": "DeveloperPortal", "hostName": "deleg.example.org"}
    ]
    assert admin.put(own.path, params=V, json=body).status_code in (200, 201)
    delegate(admin, own)
    shared = browser.client.get(
        f"/portal/{own.name}/signin", params={"returnUrl": f"/portal/{own.name}/products/gold"}
    )
    assert query_of(shared.headers["location"])["returnUrl"] == "/products/gold"
    at_home = browser.client.get(
        f"/portal/{own.name}/signup",
        params={"returnUrl": "/products/gold"},
        headers={"Host": "deleg.example.org"},
    )
    assert query_of(at_home.headers["location"])["returnUrl"] == "/products/gold"
    link = admin.post(own.url("/users/1/generateSsoUrl"), params=V).json()["value"]
    assert link.startswith("https://deleg.example.org/signin-sso?")


def test_password_sign_in_is_refused_while_delegated(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    body = {
        "properties": {
            "email": "pw@example.com",
            "firstName": "P",
            "lastName": "W",
            "password": "correct horse battery staple",
        }
    }
    admin.put(shop.url("/users/pw"), params=V, json=body).raise_for_status()
    page = browser.get(f"/portal/{shop.name}/forgot-password")  # any page: its CSRF token
    delegate(admin, shop)
    response = browser.submit(
        page,
        f"/portal/{shop.name}/signin",
        email="pw@example.com",
        password="correct horse battery staple",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/portal/{shop.name}/signin"
    assert "set-cookie" not in response.headers or "apidesk_session" not in str(
        response.headers.get_list("set-cookie")
    )
    assert "pw@example.com" not in browser.get(f"/portal/{shop.name}/").text


def test_without_user_delegation_the_portal_signs_people_in_itself(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    delegate(admin, shop, users=False, subscriptions=True)
    assert browser.get(f"/portal/{shop.name}/signin").status_code == 200
    own_form = browser.get(f"/portal/{shop.name}/signup")
    assert own_form.status_code == 200 and 'action="/portal/' in own_form.text


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("delegation_publisher", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def publisher_site(app: InProcessServer, shop: ServiceRef) -> Iterator[tuple[str, Any]]:
    """The documented example publisher site, on a loopback port, for `shop`."""
    example = load_example()
    with app.client() as admin:
        secret = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V)
    site = example.Publisher(f"{app.url}{shop.path}", app.token, secret.json()["validationKey"])
    port = free_port()
    server = example.serve(site, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", site
    finally:
        server.shutdown()
        server.server_close()


def test_the_example_publisher_signs_a_developer_up_and_into_the_portal(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, publisher_site: tuple[str, Any]
) -> None:
    site_url, site = publisher_site
    delegate(admin, shop, f"{site_url}/delegate")
    handed = browser.get(f"/portal/{shop.name}/signup")
    form = browser.client.get(handed.headers["location"])
    assert form.status_code == 200 and "Sign up" in form.text
    done = browser.client.post(
        f"{site_url}/signup",
        data={
            "email": "newdev@example.com",
            "password": "s3cret-enough",
            "first": "New",
            "last": "Dev",
            "returnUrl": query_of(handed.headers["location"])["returnUrl"],
        },
    )
    assert done.status_code == 303
    signed_in = browser.client.get(done.headers["location"])
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/portal/{shop.name}/"
    assert "newdev@example.com" in browser.get(f"/portal/{shop.name}/").text
    user_id = site.accounts["newdev@example.com"][1]
    assert admin.get(shop.url(f"/users/{user_id}"), params=V).json()["properties"]["state"] == (
        "active"
    )

    page = browser.get(f"/portal/{shop.name}/")
    left = browser.submit(page, f"/portal/{shop.name}/signout")
    goodbye = browser.client.get(left.headers["location"])
    assert goodbye.status_code == 200 and "signed out" in goodbye.text


def test_the_example_publisher_refuses_a_forged_request(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, publisher_site: tuple[str, Any]
) -> None:
    site_url, _ = publisher_site
    delegate(admin, shop, f"{site_url}/delegate")
    location = browser.get(f"/portal/{shop.name}/signin").headers["location"]
    query = query_of(location)
    forged = browser.client.get(
        f"{site_url}/delegate",
        params={**query, "returnUrl": "/portal/elsewhere/"},
    )
    assert forged.status_code == 403
    assert browser.client.get(location).status_code == 200
