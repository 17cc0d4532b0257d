"""The console's Groups, Products and APIs pages on a phone, with the keyboard, and in their
question and refusal states, in Debian's chromium against a live `apidesk serve`: nothing
sticks out sideways at 390 pixels, a delete is asked and confirmed with the keyboard alone,
and axe-core finds nothing serious on the questions and refused forms. SQLite only; the
same pages run on PostgreSQL in the HTTP-level tests beside this file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_console, screenshot
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

PHONE = 390
WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap'))
    .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' +
        Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-catalog-phone")) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.user(http, service, "ada", email="ada.lovelace.long.address@example.com")
        catalog.api(http, service, "echo", "echo", serviceUrl="https://backend.example.com/v1")
        catalog.product(http, service, "gold", "echo", displayName="Gold plan for partners")
        catalog.put(http, service, "/groups/partners", {"displayName": "Partners"})
        catalog.put(http, service, "/groups/partners/users/ada")
        catalog.put(http, service, "/products/gold/groups/partners")
        catalog.subscription(http, service, "ada-gold", "/products/gold", owner="ada")
        return service


@pytest.fixture(scope="module")
def signed_in(live: LiveServer, browser: Any) -> Iterator[tuple[Any, Any]]:
    with operator_console(browser, live) as page:
        yield browser, page


# The scrolling regions of the pages that have tables, by name (`{service}`: the instance's).
REGIONS = {
    "groups": ["Groups of {service}"],
    "groups/partners": ["Members of Partners"],
    "products": ["Products of {service}"],
    "apis": ["APIs of {service}"],
}


@pytest.mark.parametrize(
    "path", ["groups", "groups/partners", "products", "products/gold", "apis", "apis/echo"]
)
def test_each_page_fits_a_phone(
    signed_in: tuple[Any, Any], live: LiveServer, shop: ServiceRef, path: str
) -> None:
    browser, desk = signed_in
    phone = browser.new_context(
        base_url=live.url,
        viewport={"width": PHONE, "height": 844},
        storage_state=desk.context.storage_state(),
    )
    try:
        page = phone.new_page()
        answer = page.goto(f"/console/{shop.name}/{path}")
        assert answer is not None and answer.status == 200, path
        wide = page.evaluate(WIDE)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE, wide
        # A table scrolls in a region named after it, as the screen reader says it.
        for name in REGIONS.get(path, []):
            name = name.format(service=shop.name)
            region = page.get_by_role("region", name=name, exact=True)
            expect(region.get_by_role("table", name=name, exact=True)).to_be_visible()
        checked(page)
        if path == "products/gold":
            screenshot(page, "console-product-phone")
    finally:
        phone.close()


def test_a_group_is_deleted_with_the_keyboard_alone(
    signed_in: tuple[Any, Any], live: LiveServer, shop: ServiceRef
) -> None:
    _, page = signed_in
    with live.client() as http:
        catalog.put(http, shop, "/groups/leaving", {"displayName": "Leaving"})
    page.goto(f"/console/{shop.name}/groups/leaving")
    delete = page.get_by_role("button", name="Delete")
    for _ in range(60):  # Tab through the page until Delete has the focus
        page.keyboard.press("Tab")
        if delete.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Delete cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/groups/leaving/delete")
    expect(page.get_by_role("heading", name="Delete the group Leaving?")).to_be_visible()
    checked(page)
    confirm = page.get_by_role("button", name="Delete", exact=True).last
    confirm.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/groups\?done=group-deleted$"))
    assert page.get_by_role("status").inner_text() == "The group was deleted."
    assert page.get_by_role("link", name="Leaving").count() == 0


def test_questions_and_refused_forms_pass_axe(signed_in: tuple[Any, Any], shop: ServiceRef) -> None:
    _, page = signed_in
    page.goto(f"/console/{shop.name}/products/gold")
    page.get_by_role("button", name="Delete").first.click()
    expect(page.get_by_label("Delete subscriptions")).to_be_visible()
    checked(page)

    page.goto(f"/console/{shop.name}/apis/echo")
    page.get_by_role("button", name="Delete").first.click()
    checked(page)

    page.goto(f"/console/{shop.name}/groups/partners")
    page.get_by_label("User email or id").fill("nobody@example.com")
    page.get_by_role("button", name="+ Add member").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_label("User email or id").input_value() == "nobody@example.com"
    checked(page)

    page.goto(f"/console/{shop.name}/products/new")
    page.get_by_label("Display name").fill("Broken")
    page.get_by_label("Subscription count limit").fill("many")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "whole number" in page.get_by_role("alert").inner_text()
    checked(page)

    page.goto(f"/console/{shop.name}/groups/new")
    page.get_by_label("Name", exact=True).fill("Directory")
    page.get_by_label("External: a group of the identity provider").check()
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.get_by_role("alert").inner_text() == "An external group needs its External ID."
    checked(page)
