"""The Sign-up settings and Notifications pages in Debian's chromium against a live
`apidesk serve`: controls found by role and label, axe-core on each page. SQLite only; the
same pages run on PostgreSQL in test_console_settings.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from support.browser import checked, operator_console
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-settings-browser")) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        return create_service(http)


@pytest.fixture(scope="module")
def console(live: LiveServer, browser: Any) -> Iterator[Any]:
    with operator_console(browser, live) as page:
        yield page


def test_terms_of_use_with_consent_reach_the_portal(
    console: Any, live: LiveServer, shop: ServiceRef
) -> None:
    page = console
    page.goto(f"/console/{shop.name}/users")
    page.get_by_role("navigation", name="Console").get_by_role(
        "link", name="Sign-up settings"
    ).click()
    expect(page.get_by_role("heading", name="Sign-up settings")).to_be_visible()
    assert page.get_by_label("Enable sign-up").is_checked()
    page.get_by_label("Terms of use", exact=True).fill("Use the API kindly.")
    page.get_by_label("Show terms of use on sign-up page").check()
    page.get_by_label("Require consent").check()
    page.get_by_role("button", name="Save sign-up settings").click()
    assert page.get_by_role("status").inner_text() == "The changes were saved."
    assert page.get_by_label("Require consent").is_checked()
    checked(page, "console-signup-settings")

    visitor = page.context.browser.new_context(base_url=live.url).new_page()
    visitor.goto(f"/portal/{shop.name}/signup")
    assert "Use the API kindly." in visitor.locator("main").inner_text()
    expect(visitor.get_by_label("I accept the terms")).to_be_visible()
    visitor.context.close()


def test_a_recipient_is_added_and_removed(console: Any, shop: ServiceRef) -> None:
    page = console
    page.goto(f"/console/{shop.name}/users")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Notifications").click()
    section = page.get_by_role("region", name="New subscriptions")
    section.get_by_label("Email").fill("billing@example.org")
    section.get_by_role("button", name="Add recipient to New subscriptions").click()
    assert page.get_by_role("status").inner_text() == "The recipient was added."
    recipients = page.get_by_role("list", name="Recipients of New subscriptions")
    assert "billing@example.org" in recipients.inner_text()
    checked(page, "console-notifications")
    page.get_by_role("button", name="Remove billing@example.org from New subscriptions").click()
    assert page.get_by_role("status").inner_text() == "The recipient was removed."
    assert "billing@example.org" not in page.locator("main").inner_text()


def test_a_template_previews_as_it_is_typed(console: Any, shop: ServiceRef) -> None:
    page = console
    page.goto(f"/console/{shop.name}/users")
    page.get_by_role("navigation", name="Console").get_by_role(
        "link", name="E-mail templates"
    ).click()
    gallery = page.get_by_role("row").filter(has_text="Application gallery submission approved")
    expect(gallery).to_contain_text("Not sent: Apidesk has no application gallery.")
    checked(page, "console-templates")
    page.get_by_role("link", name="Developer welcome letter").click()
    preview = page.frame_locator('iframe[title="Preview with sample values"]')
    assert "Ada" in preview.locator("body").inner_text()
    body = page.get_by_label("Body")
    text = body.input_value()
    body.fill(
        text.replace("<body", "<body><p>Typed just now, $DevFirstName</p><div", 1).replace(
            "</body>", "</div></body>", 1
        )
    )
    # No button pressed: the page's script asks for the preview while one types.
    preview.get_by_text("Typed just now, Ada").wait_for(timeout=10_000)
    expect(page.get_by_role("heading", name="Developer welcome letter")).to_be_visible()
    checked(page, "console-template")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == "The changes were saved."
    page.get_by_role("button", name="Restore default").click()
    page.get_by_role("button", name="Restore built-in text").click()
    assert page.get_by_role("status").inner_text() == "The template is back to its built-in text."
