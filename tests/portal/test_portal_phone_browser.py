"""The portal on a phone (390x844) in Debian's chromium, for a developer whose e-mail address,
names and subscription are very long and unbroken: no page scrolls sideways, the keys sit in
their own box with their buttons under them, and the pages pass axe-core. Then the new page
states on a desktop: a sign-up refused at its fields, a regenerate question, a blocked
developer's sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked
from support.portal import open_signup
from support.server import LiveServer, create_service, sqlite_live_server

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
    with sqlite_live_server(tmp_path_factory.mktemp("portal-phone")) as server:
        yield server


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
    # The product's page names the subscription to it the developer holds, with its link.
    held = page.get_by_role("link", name=SUBSCRIPTION)
    expect(held).to_have_attribute("href", f"{base}/subscriptions/long")
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


def test_new_page_states_pass_axe(live: LiveServer, browser: Any) -> None:
    with live.client() as http:
        shop = create_service(http)
        open_signup(http, shop)
        catalog.user(http, shop, "held", password=PASSWORD, state="blocked")
        catalog.user(http, shop, "dev", password=PASSWORD)
        catalog.api(http, shop, "echo", "echo")
        catalog.product(http, shop, "gold", "echo")
        catalog.subscription(http, shop, "mine", "/products/gold", owner="dev")
    base = f"/portal/{shop.name}"
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill("ada@example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD + " again")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_role("button", name="Sign up").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary.get_by_role("link", name="The two passwords differ.").click()
    expect(page.get_by_label("Password, again")).to_be_focused()
    expect(page.get_by_label("Password, again")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password, again")).to_have_accessible_description(
        "The two passwords differ."
    )
    checked(page, "portal-signup-field-errors")

    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill("held@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="admin@example.net")).to_have_attribute(
        "href", "mailto:admin%40example.net"
    )
    checked(page, "portal-signin-blocked")

    page.get_by_label("Email").fill("dev@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/subscriptions/mine")
    page.get_by_role("link", name="Regenerate secondary key").click()
    confirm = page.get_by_role("button", name="Regenerate secondary key")
    back = page.get_by_role("link", name="Cancel")
    checked(page, "portal-regenerate")
    # The irreversible answer is red, as the other such questions', and beside its way back.
    assert "danger" in (confirm.get_attribute("class") or "")
    yes, no = confirm.bounding_box(), back.bounding_box()
    assert yes is not None and no is not None
    assert abs(yes["y"] + yes["height"] / 2 - (no["y"] + no["height"] / 2)) < 2
    assert no["x"] > yes["x"] + yes["width"]
    context.close()
