"""A developer serves themselves in Debian's chromium against a live `apidesk serve` with a
real SMTP server: products as a guest and as a developer, a subscription that needs approval
(approved by an operator in the console), keys shown and regenerated (the key check follows),
rename, profile name and e-mail changes, a password change that ends the other session, and
closing the account. Controls found by role and label; axe-core on every page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_link, set_operator_password
from support.mailbox import Mailbox
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"
NEW_PASSWORD = "amber kettle over the moor"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[LiveServer]:
    with sqlite_live_server(
        tmp_path_factory.mktemp("portal-self-service"), mailbox.port, sso_token_minutes="1"
    ) as server:
        yield server


def status(page: Any) -> str:
    return str(page.get_by_role("status").inner_text())


def gateway(live: LiveServer, shop: ServiceRef, key: str) -> int:
    headers = {"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key}
    return httpx.get(f"{live.url}/gateway/{shop.name}/check", headers=headers).status_code


def test_a_developer_serves_themselves(live: LiveServer, browser: Any, mailbox: Mailbox) -> None:
    with live.client() as http:
        shop = create_service(http)
        catalog.api(http, shop, "echo", "echo", displayName="Echo API")
        catalog.product(
            http, shop, "open", "echo", displayName="Open plan", description="Try the APIs."
        )
        catalog.product(
            http,
            shop,
            "gold",
            "echo",
            displayName="Gold plan",
            description="For production use.",
            approvalRequired=True,
            terms="Call the APIs fairly.",
        )
        for product, group in (("open", "guests"), ("open", "developers"), ("gold", "developers")):
            http.put(shop.url(f"/products/{product}/groups/{group}"), params=V).raise_for_status()
        catalog.user(
            http,
            shop,
            "ada",
            email="ada@example.com",
            firstName="Ada",
            lastName="Lovelace",
            password=PASSWORD,
        )
    base = f"/portal/{shop.name}"
    guest = browser.new_context(base_url=live.url).new_page()
    guest.goto(f"{base}/products")
    assert "Open plan" in guest.locator("main").inner_text()
    assert "Gold plan" not in guest.locator("main").inner_text()
    checked(guest)
    guest.context.close()

    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Products", exact=True).click()
    checked(page, "portal-products")
    page.get_by_role("link", name="Gold plan").click()
    page.get_by_label("Subscription name").fill("Ada's app")
    page.get_by_label("I accept the terms of use").check()
    checked(page, "portal-product")
    page.get_by_role("button", name="Subscribe").click()
    assert status(page).startswith("Your request is sent")
    sid = urlsplit(page.url).path.rsplit("/", 1)[1]

    # An operator approves it in the console.
    link = operator_link(live)
    operator = browser.new_context(base_url=live.url).new_page()
    operator.goto(link)
    set_operator_password(operator, PASSWORD)
    operator.goto(f"/console/{shop.name}/subscriptions/{sid}")
    operator.get_by_role("button", name="Approve").click()
    assert status(operator).startswith("The subscription is approved")
    operator.context.close()

    page.reload()
    assert "Active" in page.locator("main").inner_text()  # the state, a capitalised badge
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page.get_by_role("button", name="Show keys").click()
    old_key = page.locator("#key-primary").inner_text()
    page.get_by_role("button", name="Copy primary key").click()
    assert page.evaluate("navigator.clipboard.readText()") == old_key
    assert gateway(live, shop, old_key) == 200
    checked(page, "portal-subscription")
    page.get_by_role("link", name="Regenerate primary key").click()
    page.get_by_role("button", name="Regenerate").click()
    assert gateway(live, shop, old_key) in (401, 403)
    page.get_by_role("button", name="Show keys").click()
    new_key = page.locator("#key-primary").inner_text()
    assert new_key != old_key and gateway(live, shop, new_key) == 200
    page.get_by_label("Subscription name").fill("Production")
    page.get_by_role("button", name="Rename").click()
    assert status(page) == "The subscription was renamed."

    # On a phone nothing sticks out sideways, the menu included.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("products", "products/gold", f"subscriptions/{sid}", "subscriptions", "profile"):
        page.goto(f"{base}/{path}")
        expect(page.get_by_role("navigation", name="Portal")).to_be_visible()
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, (path, wide)
    page.set_viewport_size({"width": 1280, "height": 720})
    # A second subscription, to a product without approval, then cancelled after the question.
    page.goto(f"{base}/products/open")
    page.get_by_label("Subscription name").fill("Trial")
    page.get_by_role("button", name="Subscribe").click()
    assert status(page).startswith("You are subscribed")
    page.get_by_role("button", name="Show keys").click()
    trial_key = page.locator("#key-primary").inner_text()
    assert gateway(live, shop, trial_key) == 200
    page.get_by_role("link", name="Cancel subscription").click()
    checked(page)
    page.get_by_role("button", name="Cancel subscription").click()
    assert status(page).startswith("The subscription is cancelled")
    assert "cancelled" in page.locator("main").inner_text()
    assert gateway(live, shop, trial_key) in (401, 403)
    page.goto(f"{base}/subscriptions")
    listed = page.locator("main").inner_text()
    assert "Production" in listed and "Trial" in listed and "Cancelled" in listed
    checked(page, "portal-subscriptions")

    # A second browser of the same developer, signed out by the password change below.
    other = browser.new_context(base_url=live.url).new_page()
    other.goto(f"{base}/signin")
    other.get_by_label("Email").fill("ada@example.com")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/")
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("First name").fill("Augusta Ada")
    page.get_by_role("button", name="Save name").click()
    assert status(page) == "Your name was saved."
    checked(page, "portal-profile")
    page.get_by_label("New email").fill("ada@lovelace.example")
    page.get_by_label("Current password").first.fill(PASSWORD)
    page.get_by_role("button", name="Change email").click()
    assert "confirmation link is on its way" in status(page)
    link = mailbox.wait_for(to="ada@lovelace.example")[0].link("confirm-email-change")
    page.goto(link)
    checked(page)
    page.get_by_role("button", name="Confirm new email").click()
    assert "Sign in with ada@lovelace.example" in page.locator("main").inner_text()

    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill("ada@lovelace.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/profile")
    page.locator("#current_password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "signed out everywhere else" in status(page)
    other.goto(f"{base}/profile")
    assert other.url.endswith("/signin?returnUrl=" + quote(f"{base}/profile", safe=""))
    other.context.close()

    page.get_by_role("link", name="Close account").click()
    checked(page)
    page.get_by_label("Current password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Close my account").click()
    assert "Your account is closed" in page.locator("main").inner_text()
    mailbox.wait_for(2, to="ada@lovelace.example")  # the confirmation, then the closing
    with live.client() as http:
        assert http.get(shop.url("/users/ada"), params=V).status_code == 404
    assert gateway(live, shop, new_key) in (401, 403)
    context.close()


def test_an_sso_link_signs_in_once_and_not_after_it_expires(live: LiveServer, browser: Any) -> None:
    """The server runs with one-minute sign-on links: the second link is opened after that."""
    with live.client() as http:
        shop = create_service(http)
        catalog.user(http, shop, "sso", email="sso@example.com", password=PASSWORD)
        catalog.user(http, shop, "late", email="late@example.com", password=PASSWORD)
        first = http.post(shop.url("/users/sso/generateSsoUrl"), params=V).json()["value"]
        # Another user's: a user's links of one minute each live a minute longer.
        second = http.post(shop.url("/users/late/generateSsoUrl"), params=V).json()["value"]
    page = browser.new_context(base_url=live.url).new_page()
    page.goto(first)
    assert "signed in as sso@example.com" in page.locator("main").inner_text()
    checked(page)
    replay = browser.new_context(base_url=live.url).new_page()
    answer = replay.goto(first)
    assert answer is not None and answer.status == 401
    assert "used already" in replay.locator("main").inner_text()
    checked(replay)
    time.sleep(61)
    late = replay.goto(second)
    assert late is not None and late.status == 401
    assert "signed in as" not in replay.locator("main").inner_text()
    page.context.close()
    replay.context.close()
