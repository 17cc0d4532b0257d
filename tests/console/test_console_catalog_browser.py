"""Groups, APIs, Products and Subscriptions in Debian's chromium against a live `apidesk
serve`, as an operator sets up a product and decides requests (one found by Search and
rejected with a reason; one approved, its key shown, copied, accepted by the key check and
refused there once regenerated): every control found by its role and label, axe-core on each
page, screenshots for docs/. SQLite only; the same pages run on PostgreSQL in the HTTP-level
tests beside this file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_console
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-catalog-browser")) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.user(http, service, "ada", email="ada@example.com", firstName="Ada")
        return service


@pytest.fixture(scope="module")
def console(live: LiveServer, browser: Any) -> Iterator[Any]:
    with operator_console(browser, live) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
        yield page


def menu(page: Any, shop: ServiceRef, name: str) -> None:
    page.goto(f"/console/{shop.name}/users")
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def status(page: Any) -> str:
    return str(page.get_by_role("status").inner_text())


def gateway(live: LiveServer, shop: ServiceRef, key: str) -> int:
    headers = {"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key}
    return httpx.get(f"{live.url}/gateway/{shop.name}/check", headers=headers).status_code


def test_an_operator_sets_up_a_product_and_approves_a_request(
    console: Any, live: LiveServer, shop: ServiceRef
) -> None:
    page = console
    menu(page, shop, "Groups")
    page.get_by_role("link", name="+ Add group").click()
    page.get_by_label("Name", exact=True).fill("Partners")
    page.get_by_label("Description").fill("Companies we work with")
    page.get_by_role("button", name="Add", exact=True).click()
    assert status(page) == "The group was added."
    page.get_by_label("User email or id").fill("ada@example.com")
    page.get_by_role("button", name="+ Add member").click()
    assert status(page) == "The user was added to the group."
    expect(page.get_by_role("cell", name="ada@example.com", exact=True)).to_be_visible()
    checked(page, "console-group")
    menu(page, shop, "Groups")
    checked(page, "console-groups")

    menu(page, shop, "APIs")
    page.get_by_role("link", name="+ Add API").click()
    page.get_by_label("Display name").fill("Echo API")
    page.get_by_label("API URL suffix").fill("echo")
    page.get_by_role("button", name="Add", exact=True).click()
    assert status(page) == "The API was added."
    menu(page, shop, "APIs")
    checked(page, "console-apis")

    menu(page, shop, "Products")
    page.get_by_role("link", name="+ Add product").click()
    page.get_by_label("Display name").fill("Gold")
    page.get_by_label("Requires approval").check()
    page.get_by_label("Legal terms").fill("Be kind to the API.")
    page.get_by_role("button", name="Add", exact=True).click()
    assert status(page) == "The product was added."
    page.get_by_label("Group", exact=True).select_option(label="Partners")
    page.get_by_role("button", name="Give access").click()
    assert status(page) == "The group can now see the product."
    page.get_by_label("API", exact=True).select_option(label="Echo API")
    page.get_by_role("button", name="+ Add API").click()
    assert status(page) == "The API is part of the product."
    page.get_by_role("button", name="Publish").click()
    assert status(page).startswith("The product is published")
    checked(page, "console-product")
    menu(page, shop, "Products")
    checked(page, "console-products")

    with live.client() as http:
        catalog.subscription(
            http, shop, "ada-gold", "/products/gold", owner="ada", state="submitted"
        )
        catalog.subscription(
            http, shop, "ada-trial", "/products/gold", owner="ada", state="submitted"
        )
    menu(page, shop, "Subscriptions")
    page.get_by_label("Search").fill("TRIAL")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_role("link", name="ada-gold").count() == 0
    page.get_by_role("link", name="ada-trial").click()
    page.get_by_label("Reason").fill("Trials are for partners.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", name="Reject the request for ada-trial?")).to_be_visible()
    page.get_by_role("button", name="Reject", exact=True).click()
    assert status(page).startswith("The request is rejected")
    expect(page.get_by_text("Trials are for partners.")).to_be_visible()
    checked(page)

    menu(page, shop, "Subscriptions")
    page.get_by_label("State").select_option("submitted")
    page.get_by_role("link", name="ada-gold").click()
    page.get_by_role("button", name="Approve").click()
    assert status(page).startswith("The subscription is approved")
    page.get_by_role("button", name="Show primary key").click()
    key = page.locator("#key-primary").inner_text()
    assert len(key) >= 32
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert gateway(live, shop, key) == 200
    checked(page, "console-subscription")
    page.get_by_role("button", name="Regenerate primary key").click()
    expect(page.get_by_role("heading", name="Regenerate the primary key?")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Regenerate", exact=True).click()
    assert status(page).startswith("A new primary key is in place")
    assert gateway(live, shop, key) in (401, 403)
    menu(page, shop, "Subscriptions")
    checked(page, "console-subscriptions")


@pytest.mark.parametrize(
    "path",
    [
        "groups/new",
        "products/new",
        "apis/new",
        "apis/echo-api",
        "templates",
        "templates/InviteUserNotificationMessage",
        "operators",
        "audit",
        "outbox",
        "users",
        "add-user",
        "invite-user",
    ],
)
def test_every_other_console_page_passes_axe(console: Any, shop: ServiceRef, path: str) -> None:
    """The pages the walks above do not check (forms, lists), each with its own content."""
    answer = console.goto(f"/console/{shop.name}/{path}")
    assert answer is not None and answer.status == 200, path
    checked(console)
