"""The portal on a phone (390x844) in Debian's chromium, for a developer whose e-mail address,
names and subscription are very long and unbroken: no page scrolls sideways, the keys sit in
their own box with their buttons under them, and the pages pass axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import axe_source, chromium, screenshot, serious_violations
from support.server import LiveServer, create_service, live_server

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"
EMAIL = (
    "maximiliana.wolfeschlegelsteinhausenbergerdorff.the-third"
    "@very-long-subdomain.department.example-corporation.com"
)
FIRST = "Maximilianawolfeschlegelsteinhausenbergerdorffvonundzuhohenstaufen"
PRODUCT = "Goldplanwitharatherlongmarketingnameforenterprisecustomersonly"
SUBSCRIPTION = "Productionsubscriptionofthebillingbackendteamforeuropeanmarkets"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("portal-phone")
    with live_server(f"sqlite:///{directory / 'apidesk.db'}", directory) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def checked(page: Any, name: str) -> None:
    found = serious_violations(page, axe_source())
    assert not found, (page.url, found)
    screenshot(page, name)


def test_long_addresses_and_names_never_widen_the_page_on_a_phone(
    live: LiveServer, browser: Any
) -> None:
    with live.client() as http:
        shop = create_service(http)
        catalog.api(http, shop, "echo", "echo", displayName="Echo API")
        catalog.product(http, shop, "gold", "echo", displayName=PRODUCT, terms="Be fair.")
        http.put(shop.url("/products/gold/groups/developers"), params=V).raise_for_status()
        catalog.user(
            http, shop, "max", email=EMAIL, firstName=FIRST, lastName=FIRST, password=PASSWORD
        )
        catalog.subscription(http, shop, "long", "/products/gold", owner="max")
        catalog.patch(http, shop, "/subscriptions/long", {"displayName": SUBSCRIPTION})
    base = f"/portal/{shop.name}"
    context = browser.new_context(base_url=live.url, viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {FIRST}")).to_be_visible()

    for path, name in (
        ("profile", "portal-phone-profile"),
        ("subscriptions", "portal-phone-subscriptions"),
        ("subscriptions/long", "portal-phone-subscription"),
        ("products/gold", "portal-phone-product"),
    ):
        page.goto(f"{base}/{path}")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], (path, wide)
        checked(page, name)
    page.goto(f"{base}/profile")
    expect(page.get_by_text(f"You sign in with {EMAIL}.")).to_be_visible()
    # The top bar's address is cut short on screen, whole in its title.
    who = page.locator(".topbar .who")
    assert who.get_attribute("title") == EMAIL
    assert who.evaluate("(e) => e.scrollWidth > e.clientWidth")

    page.goto(f"{base}/subscriptions/long")
    page.get_by_role("button", name="Show keys").click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    checked(page, "portal-phone-subscription-keys")
    for slot in ("primary", "secondary"):
        key = page.get_by_role("region", name=f"{slot.capitalize()} key")
        value = key.locator("code")
        copy = key.get_by_role("button", name=f"Copy {slot} key")
        regenerate = key.get_by_role("link", name=f"Regenerate {slot} key")
        # The value on its own line, unbroken (32 characters fit), the buttons under it.
        box = value.bounding_box()
        assert box is not None and box["height"] < 50, box
        for control in (copy, regenerate):
            below = control.bounding_box()
            assert below is not None and below["y"] >= box["y"] + box["height"], (slot, below)
        copy.click()
        assert page.evaluate("navigator.clipboard.readText()") == value.inner_text()
    context.close()
