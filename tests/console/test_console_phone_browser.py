"""The console on a phone (390x844) in Debian's chromium against a live `apidesk serve`: no
page scrolls sideways, a table wider than the screen scrolls inside its own region, named
after the table (focusable, so the keyboard scrolls it too), an e-mail address is not broken
at every character, and the menu folds away behind a Menu button that the keyboard opens,
walks and closes; without the script, and on a wide screen, the menu simply shows. SQLite
only."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_console, operator_link
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

PHONE = {"width": 390, "height": 844}
LONG = "maximilian.olfeschlegeleinhausen@very-long-subdomain.example-corporation.com"
# Elements reaching past the screen's right edge that no labelled, focusable scroll region
# holds: what would make the page itself scroll sideways.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter(e => !e.closest('[role=region][tabindex="0"][aria-labelledby]'))
    .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' +
        Math.round(e.getBoundingClientRect().right))"""
# Each table and the region it scrolls in, when it is wider than the screen.
TABLES = """() => [...document.querySelectorAll('table')].map(t => {
    const region = t.closest('[role=region]');
    return {
        region: !!region, labelledby: region ? region.getAttribute('aria-labelledby') : null,
        tabindex: region ? region.getAttribute('tabindex') : null,
        scrolls: region ? getComputedStyle(region).overflowX : null,
    };
})"""
# How many lines the text of each cell holding `address` takes.
LINES = """(address) => [...document.querySelectorAll('td')]
    .filter(td => td.textContent.trim().startsWith(address))
    .map(td => { const range = document.createRange(); range.selectNodeContents(td.firstChild);
                 return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-phone")) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.user(http, service, "ada", email="ada@example.com", firstName="Ada")
        catalog.user(http, service, "max", email=LONG, firstName="Maximilian")
        catalog.api(http, service, "echo", "echo")
        catalog.product(http, service, "gold", "echo", displayName="Gold plan for partners")
        catalog.put(http, service, "/groups/partners", {"displayName": "Partners"})
        catalog.put(http, service, "/groups/partners/users/ada")
        catalog.subscription(http, service, "ada-gold", "/products/gold", owner="ada")
        catalog.subscription(http, service, "max-gold", "/products/gold", owner="max")
        return service


@pytest.fixture(scope="module")
def browser_and_state(live: LiveServer, browser: Any) -> Iterator[tuple[Any, Any]]:
    """Chromium, and the cookies of a deployment-wide operator signed in (and another one,
    for the Operators page to list)."""
    operator_link(live, f"other-{uuid.uuid4().hex[:6]}@example.com")
    with operator_console(browser, live) as page:
        expect(page.get_by_role("status")).to_contain_text("Your password is set")
        state = page.context.storage_state()
    yield browser, state


def _context(browser_and_state: tuple[Any, Any], live: LiveServer, **options: Any) -> Any:
    browser, state = browser_and_state
    options.setdefault("viewport", PHONE)
    return browser.new_context(base_url=live.url, storage_state=state, **options)


# What each page's scrolling regions are called: after their tables (`{service}` is the
# instance's name), so that a screen reader tells them apart.
REGIONS = {
    "users": ["Users of {service}"],
    "users/max": ["Subscriptions of Maximilian Caller", "Audit trail of Maximilian Caller"],
    "subscriptions": ["Subscriptions of {service}, newest first"],
    "operators": ["Operators"],
    "groups": ["Groups of {service}"],
    "products": ["Products of {service}"],
    "audit": ["The newest audit events of {service}"],
}


@pytest.mark.parametrize("path", list(REGIONS))
def test_no_console_page_scrolls_sideways_on_a_phone(
    browser_and_state: tuple[Any, Any], live: LiveServer, shop: ServiceRef, path: str
) -> None:
    phone = _context(browser_and_state, live)
    try:
        page = phone.new_page()
        answer = page.goto(f"/console/{shop.name}/{path}")
        assert answer is not None and answer.status == 200, path
        assert page.evaluate(STICKING_OUT) == []
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        tables = page.evaluate(TABLES)
        for table in tables:
            assert table["region"] and table["labelledby"], (path, table)
            assert table["tabindex"] == "0" and table["scrolls"] == "auto", (path, table)
        # Each region is named after its table, and holds it.
        names = [name.format(service=shop.name) for name in REGIONS[path]]
        assert len(tables) == len(names), (path, tables)
        for name in names:
            region = page.get_by_role("region", name=name, exact=True)
            expect(region.get_by_role("table", name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("region", name="Scrollable table")).to_have_count(0)
        # Menu folded, the no-SMTP strip one compact line or two: the page's own title
        # starts within 300 pixels of the top (the menu and the box had it at 600 and more).
        strip = page.get_by_role("note").filter(has_text="No e-mail leaves this deployment")
        box = strip.bounding_box()
        assert box is not None and box["height"] <= 45, (path, box)
        heading = page.get_by_role("heading", level=1).bounding_box()
        assert heading is not None and heading["y"] < 300, (path, heading)
        checked(page, "console-phone-" + path.replace("/", "-"))
    finally:
        phone.close()


def test_addresses_are_not_broken_at_every_character(
    browser_and_state: tuple[Any, Any], live: LiveServer, shop: ServiceRef
) -> None:
    phone = _context(browser_and_state, live)
    try:
        page = phone.new_page()
        page.goto(f"/console/{shop.name}/subscriptions")
        # A usual address keeps to one line; a very long one breaks into a few long lines.
        assert page.evaluate(LINES, "ada@example.com") == [1]
        assert page.evaluate(LINES, "admin@example.net") and set(
            page.evaluate(LINES, "admin@example.net")
        ) == {1}
        lines = page.evaluate(LINES, LONG)
        assert lines and lines[0] <= len(LONG) // 15, lines
        page.goto(f"/console/{shop.name}/users")
        assert page.evaluate(LINES, "ada@example.com") == [1]
    finally:
        phone.close()


def test_the_menu_opens_and_is_walked_with_the_keyboard_on_a_phone(
    browser_and_state: tuple[Any, Any], live: LiveServer, shop: ServiceRef
) -> None:
    phone = _context(browser_and_state, live)
    try:
        page = phone.new_page()
        page.goto(f"/console/{shop.name}/users")
        menu = page.get_by_role("navigation", name="Console")
        toggle = menu.get_by_role("button", name="Menu")
        target = menu.get_by_role("link", name="Subscriptions")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(target).to_be_hidden()
        _tab_to(page, toggle)
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(target).to_be_visible()
        checked(page, "console-phone-menu")
        # Escape folds it again, the focus back on the button; Space opens it.
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()
        page.keyboard.press("Space")
        expect(target).to_be_visible()
        _tab_to(page, target)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/subscriptions$"))
        expect(page.get_by_role("heading", level=1, name="Subscriptions")).to_be_visible()
        # The page opened shows with its menu folded again.
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    finally:
        phone.close()


def test_without_the_script_or_on_a_wide_screen_the_menu_simply_shows(
    browser_and_state: tuple[Any, Any], live: LiveServer, shop: ServiceRef
) -> None:
    for options in ({"java_script_enabled": False}, {"viewport": {"width": 1280, "height": 900}}):
        context = _context(browser_and_state, live, **options)
        try:
            page = context.new_page()
            page.goto(f"/console/{shop.name}/users")
            menu = page.get_by_role("navigation", name="Console")
            expect(menu.get_by_role("link", name="Subscriptions")).to_be_visible()
            expect(menu.get_by_role("button", name="Menu")).to_be_hidden()
        finally:
            context.close()


def _tab_to(page: Any, control: Any) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if control.evaluate("e => e === document.activeElement"):
            return
    pytest.fail("the control cannot be reached with Tab")
