"""Subscriptions and E-mail templates in Debian's chromium with its JavaScript turned off,
against a live `apidesk serve` that sends its e-mail to a real SMTP server: the pages work as
plain forms (progressive enhancement). A request is rejected with a Reason that reaches the
developer; a key is shown (no Copy button without script); a template is previewed with the
Preview button, saved, sent as a test message that arrives, and restored after a question.
Every control found by its role and label (axe-core, which needs script, runs on these pages
in the other browser walks). SQLite only; the same pages run on PostgreSQL in the HTTP-level
tests beside this file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import operator_console
from support.mailbox import Mailbox
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

OPERATOR = f"ops-{uuid.uuid4().hex[:6]}@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[LiveServer]:
    with sqlite_live_server(
        tmp_path_factory.mktemp("console-mail-browser"), mailbox.port
    ) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.api(http, service, "echo", "echo")
        catalog.product(http, service, "gold", "echo", approvalRequired=True)
        catalog.user(http, service, "ada", email="ada@example.com", firstName="Ada")
        return service


@pytest.fixture(scope="module")
def console(live: LiveServer, browser: Any) -> Iterator[Any]:
    with operator_console(browser, live, OPERATOR, java_script_enabled=False) as page:
        yield page


def menu(page: Any, shop: ServiceRef, name: str) -> None:
    page.goto(f"/console/{shop.name}/users")
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def status(page: Any) -> str:
    return str(page.get_by_role("status").inner_text())


def test_a_request_is_rejected_with_a_reason_the_developer_receives(
    console: Any, live: LiveServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    page = console
    with live.client() as http:
        catalog.subscription(
            http, shop, "ada-mail", "/products/gold", owner="ada", state="submitted"
        )
        key = catalog.subscription(http, shop, "ada-live", "/products/gold", owner="ada")
    menu(page, shop, "Subscriptions")
    page.get_by_label("Search").fill("ada-mail")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name="ada-mail").click()
    page.get_by_label("Reason").fill("Gold is for partners <b>only</b>.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", name="Reject the request for ada-mail?")).to_be_visible()
    page.get_by_role("button", name="Reject", exact=True).click()
    assert status(page) == "The request is rejected; the developer is told."
    (mail,) = mailbox.wait_for(to="ada@example.com", subject="Your subscription request for")
    assert "Gold is for partners <b>only</b>." in mail.text

    menu(page, shop, "Subscriptions")
    page.get_by_role("link", name="ada-live").click()
    page.get_by_role("button", name="Show secondary key").click()
    with live.client() as http:
        secondary = catalog.keys(http, shop, "ada-live")[1]
    assert page.locator("#key-secondary").inner_text() == secondary
    assert key not in page.content()
    # Copy needs the page's script; without it the button stays hidden, the key is selectable.
    assert page.get_by_role("button", name="Copy").count() == 0


def test_a_template_works_as_plain_forms(
    console: Any, live: LiveServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    page = console
    menu(page, shop, "E-mail templates")
    page.get_by_role("link", name="Developer welcome letter").click()
    body = page.get_by_label("Body")
    body.fill(body.input_value().replace("Welcome aboard!", "Glad you are here, $DevFirstName!"))
    page.get_by_role("button", name="Preview").click()
    preview = page.frame_locator('iframe[title="Preview with sample values"]')
    preview.get_by_text("Glad you are here, Ada!").wait_for(timeout=10_000)
    expect(page.get_by_role("heading", name="Developer welcome letter")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    assert status(page) == "The changes were saved."
    page.get_by_role("button", name="Send test message").click()
    assert status(page).startswith("A test message with sample values")
    (mail,) = mailbox.wait_for(to=OPERATOR, subject="[Test]")
    assert "Glad you are here, Ada!" in mail.text

    page.get_by_role("button", name="Restore default").click()
    expect(page.get_by_role("heading", name="Restore the built-in text")).to_be_visible()
    page.get_by_role("button", name="Restore built-in text").click()
    assert status(page) == "The template is back to its built-in text."
    assert "Glad you are here" not in page.get_by_label("Body").input_value()
