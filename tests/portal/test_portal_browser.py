"""The portal's sign-up and delegation in a real browser: Debian's chromium against a live
`apidesk serve` that sends its e-mail to a real SMTP server, controls found by role and label,
axe-core on the sign-up page. SQLite only: the same pages run on PostgreSQL in the HTTP-level
tests of tests/flows."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from support.browser import checked, screenshot
from support.mailbox import Mailbox
from support.server import LiveServer, ServiceRef, create_service, free_port, sqlite_live_server

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "delegation_publisher.py"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("portal-browser"), mailbox.port) as server:
        yield server


@pytest.fixture
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        return create_service(http)


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url)
    yield context.new_page()
    context.close()


def test_signing_up_with_terms_and_consent_then_confirming(
    live: LiveServer, shop: ServiceRef, mailbox: Mailbox, page: Any
) -> None:
    with live.client() as http:
        terms = {"text": "Call the APIs fairly.", "enabled": True, "consentRequired": True}
        http.patch(
            shop.url("/portalsettings/signup"),
            params=V,
            headers={"If-Match": "*"},
            json={"properties": {"termsOfService": terms}},
        ).raise_for_status()
    page.goto(f"/portal/{shop.name}/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    checked(page)
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    expect(page.get_by_text("Call the APIs fairly.")).to_be_visible()
    screenshot(page, "portal-signup")
    page.get_by_role("button", name="Sign up").click()
    # The consent box is required: the browser does not send the form without it.
    assert page.url.endswith("/signup")
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    link = mailbox.wait_for(to="ada@example.com", subject="confirm")[0].link("confirm-email")
    parts = urlsplit(link)
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request))
    opened = page.goto(f"{parts.path}?{parts.query}")
    # The link's token stays out of every Referer the page sends, its own form's included,
    # and the form still names its true origin.
    assert opened.headers["referrer-policy"] == "strict-origin"
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and sign in").click()
    assert "signed in as ada@example.com" in page.locator("main").inner_text()
    [posted] = [request for request in sent if request.method == "POST"]
    assert posted.headers["origin"] == live.url
    assert posted.headers.get("referer") == f"{live.url}/"
    assert not [r.url for r in sent if "token=" in (r.headers.get("referer") or "")]


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("delegation_publisher", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_delegated_sign_up_and_sign_out_go_through_the_publisher_site(
    live: LiveServer, shop: ServiceRef, page: Any
) -> None:
    example = load_example()
    port = free_port()
    with live.client() as http:
        key = http.post(shop.url("/portalsettings/delegation/listSecrets"), params=V).json()
        site = example.Publisher(f"{live.url}{shop.path}", live.token, key["validationKey"])
        server = example.serve(site, "127.0.0.1", port)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        body = {
            "properties": {
                "url": f"http://127.0.0.1:{port}/delegate",
                "userRegistration": {"enabled": True},
            }
        }
        http.put(shop.url("/portalsettings/delegation"), params=V, json=body).raise_for_status()
    try:
        page.goto(f"/portal/{shop.name}/")
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
        assert page.url.startswith(f"http://127.0.0.1:{port}/delegate?operation=SignUp")
        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("First name").fill("Grace")
        page.get_by_label("Last name").fill("Hopper")
        page.get_by_role("button", name="Sign up").click()
        assert "signed in as grace@example.com" in page.locator("main").inner_text()
        assert page.url == f"{live.url}/portal/{shop.name}/"
        # The sign-out form's answer leads to the publisher's site: the page's CSP must let
        # the browser follow it.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"http://127.0.0.1:{port}/delegate?operation=SignOut*")
        assert "You are signed out." in page.content()
        page.goto(f"/portal/{shop.name}/")
        assert "signed in" not in page.locator("main").inner_text()
    finally:
        server.shutdown()
        server.server_close()
