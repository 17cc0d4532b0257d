"""The portal guide's steps in a real browser: chromium against a live `apidesk serve` that
sends its e-mail to a real SMTP server, every control found by its role and label, and
axe-core run on each console page. SQLite only: the same pages run on PostgreSQL in the
HTTP-level tests beside this file."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_link, set_operator_password
from support.mailbox import Mailbox
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

PASSWORD = "a long and quiet harbour"
NEW_PASSWORD = "another quiet harbour at dusk"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-browser"), mailbox.port) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        return create_service(http)


@pytest.fixture(scope="module")
def console(live: LiveServer, shop: ServiceRef, browser: Any) -> Iterator[Any]:
    """An operator made with `apidesk operator create`, signed in through its link."""
    link = operator_link(live)
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.goto(link)
    checked(page, "console-set-password")
    set_operator_password(page, PASSWORD)
    status = page.get_by_role("status")
    assert "Your password is set" in status.inner_text()
    yield page
    context.close()


def open_users(page: Any, shop: ServiceRef) -> None:
    page.goto(f"/console/{shop.name}/users")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()


def add_user(page: Any, shop: ServiceRef, email: str, first: str, last: str, **extra: str) -> str:
    open_users(page, shop)
    page.get_by_role("link", name="+ Add").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    if "password" in extra:
        page.get_by_label("Password").fill(extra["password"])
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.get_by_role("status").inner_text() == "The user was added."
    return urlsplit(page.url).path.rsplit("/", 1)[1]


def portal_sign_in(
    browser: Any, live: LiveServer, shop: ServiceRef, email: str, password: str
) -> str:
    context = browser.new_context(base_url=live.url)
    try:
        page = context.new_page()
        page.goto(f"/portal/{shop.name}/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return str(page.locator("main").inner_text())
    finally:
        context.close()


def test_the_operator_lands_on_the_users_page(console: Any, shop: ServiceRef) -> None:
    open_users(console, shop)
    menu = console.get_by_role("navigation", name="Console")
    expect(menu.get_by_text("Developer portal")).to_be_visible()
    assert menu.get_by_role("link", name="Users").get_attribute("aria-current") == "page"
    checked(console, "console-users-empty")


def test_add_makes_an_active_developer_seen_by_the_sdk(
    console: Any, live: LiveServer, shop: ServiceRef
) -> None:
    open_users(console, shop)
    console.get_by_role("link", name="+ Add").click()
    checked(console, "console-add-user")
    user_id = add_user(console, shop, "grace@example.com", "Grace", "Hopper", password=PASSWORD)
    expect(console.get_by_text("Developers")).to_be_visible()
    checked(console, "console-user")
    sdk = client_for(live.url, live.token, shop.subscription_id)
    try:
        user = sdk.user.get(shop.resource_group, shop.name, user_id)
        assert user.state == "active" and user.email == "grace@example.com"
        groups = [
            group.name for group in sdk.user_group.list(shop.resource_group, shop.name, user_id)
        ]
        assert groups == ["developers"]
    finally:
        sdk.close()


def test_invite_then_the_invitee_activates_in_the_portal(
    console: Any, browser: Any, live: LiveServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    open_users(console, shop)
    console.get_by_role("link", name="+ Invite").click()
    checked(console, "console-invite-user")
    console.get_by_label("Email").fill("ivy@example.com")
    console.get_by_label("First name").fill("Ivy")
    console.get_by_label("Last name").fill("Invitee")
    console.get_by_role("button", name="Send invitation").click()
    assert (
        console.get_by_role("status").inner_text() == "The invitation e-mail is queued to be sent."
    )
    user_page = console.url
    [mail] = mailbox.wait_for(to="ivy@example.com", subject="invited")
    invitee = browser.new_context()
    try:
        portal = invitee.new_page()
        portal.goto(mail.link("invitation"))
        portal.get_by_label("Password", exact=True).fill(PASSWORD)
        portal.get_by_label("Password, again").fill(PASSWORD)
        portal.get_by_role("button", name="Activate my account").click()
        assert "You are signed in" in portal.locator("main").inner_text()
    finally:
        invitee.close()
    console.goto(user_page)
    assert console.locator("h1 .badge").inner_text().lower() == "active"


def test_block_refuses_portal_and_gateway_and_activate_restores_both(
    console: Any, browser: Any, live: LiveServer, shop: ServiceRef
) -> None:
    user_id = add_user(console, shop, "bo@example.com", "Bo", "Blocked", password=PASSWORD)
    with live.client() as http:
        catalog.api(http, shop, "echo", "echo")
        catalog.product(http, shop, "gold", "echo")
        key = catalog.subscription(http, shop, "bo-sub", "/products/gold", owner=user_id)

    def gateway() -> int:
        headers = {"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key}
        return httpx.get(f"{live.url}/gateway/{shop.name}/check", headers=headers).status_code

    assert gateway() == 200
    console.get_by_role("button", name="Block").click()
    assert console.get_by_role("status").inner_text() == "The user is blocked."
    checked(console, "console-user-blocked")
    assert "blocked" in portal_sign_in(browser, live, shop, "bo@example.com", PASSWORD)
    assert gateway() == 403
    console.get_by_role("button", name="Activate").click()
    assert console.get_by_role("status").inner_text() == "The user is active."
    assert "You are signed in" in portal_sign_in(browser, live, shop, "bo@example.com", PASSWORD)
    assert gateway() == 200


def test_reset_password_sends_a_link_and_only_the_new_password_works(
    console: Any, browser: Any, live: LiveServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    add_user(console, shop, "rex@example.com", "Rex", "Reset", password=PASSWORD)
    console.get_by_role("link", name="Reset password").click()
    expect(console.get_by_text("Send a password reset e-mail to rex@example.com?")).to_be_visible()
    checked(console, "console-reset-password")
    console.get_by_role("button", name="Send reset e-mail").click()
    assert (
        console.get_by_role("status").inner_text()
        == "A password reset e-mail is queued to be sent."
    )
    [mail] = mailbox.wait_for(to="rex@example.com")
    link = re.search(r"https?://\S+reset-password\?token=\S+", mail.text)
    assert link
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(link.group(0))
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password, again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change my password").click()
    finally:
        context.close()
    assert "wrong" in portal_sign_in(browser, live, shop, "rex@example.com", PASSWORD)
    assert "You are signed in" in portal_sign_in(
        browser, live, shop, "rex@example.com", NEW_PASSWORD
    )


def test_delete_with_subscriptions_removes_the_user_everywhere(
    console: Any, live: LiveServer, shop: ServiceRef
) -> None:
    user_id = add_user(console, shop, "del@example.com", "Del", "Deleted")
    with live.client() as http:
        catalog.api(http, shop, "echo", "echo")
        catalog.product(http, shop, "gold", "echo")
        catalog.subscription(http, shop, "del-sub", "/products/gold", owner=user_id)
    console.get_by_role("link", name="Delete").click()
    checked(console, "console-delete-user")
    console.get_by_label("Delete subscriptions").check()
    console.get_by_role("button", name="Delete", exact=True).click()
    assert console.get_by_role("status").inner_text() == "The user was deleted."
    assert console.get_by_text("del@example.com").count() == 0
    with live.client() as http:
        assert http.get(shop.url(f"/users/{user_id}"), params=catalog.V).status_code == 404
        assert http.get(shop.url("/subscriptions/del-sub"), params=catalog.V).status_code == 404


def test_script_in_names_is_inert(console: Any, shop: ServiceRef) -> None:
    fired: list[str] = []
    console.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    add_user(
        console,
        shop,
        "xss@example.com",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
    )
    assert (
        console.get_by_role("heading", level=1).inner_text().startswith("<script>alert(1)</script>")
    )
    open_users(console, shop)
    console.get_by_label("Search").fill("xss")
    console.get_by_role("button", name="Apply").click()
    expect(console.get_by_role("link", name=re.compile("<script>"))).to_be_visible()
    assert fired == []


def test_a_developer_cannot_open_the_console(
    browser: Any, live: LiveServer, shop: ServiceRef
) -> None:
    with live.client() as http:
        catalog.user(http, shop, "dev", password=PASSWORD)
    context = browser.new_context(base_url=live.url)
    try:
        page = context.new_page()
        page.goto("/")
        assert urlsplit(page.url).path == "/console/"
        checked(page, "console-sign-in")
        page.get_by_label("Email").fill("dev@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        assert (
            "The e-mail address or the password is wrong." in page.get_by_role("alert").inner_text()
        )
        page.goto(f"/console/{shop.name}/users")
        # Still signed out: sign-in, which would lead back to the page asked for.
        assert urlsplit(page.url).path == "/console/signin"
        assert parse_qs(urlsplit(page.url).query)["returnUrl"] == [f"/console/{shop.name}/users"]
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        context.close()


def test_users_page_with_many_users_searches_and_pages(
    console: Any, live: LiveServer, shop: ServiceRef
) -> None:
    with live.client() as http:
        for n in range(30):
            catalog.user(http, shop, f"many{n:02}", email=f"many{n:02}@example.com")
    open_users(console, shop)
    console.get_by_label("Search").fill("many")
    console.get_by_role("button", name="Apply").click()
    assert console.locator("tbody tr").count() == 25
    pages = console.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("1\N{EN DASH}25 of 30")
    checked(console, "console-users")
    console.get_by_role("link", name="Next").click()
    assert console.locator("tbody tr").count() == 5
    expect(pages).to_contain_text("26\N{EN DASH}30 of 30")
    console.get_by_role("link", name="Previous").click()
    assert console.locator("tbody tr").count() == 25


def test_a_missing_user_is_named_with_the_way_back(console: Any, shop: ServiceRef) -> None:
    console.goto(f"/console/{shop.name}/users/nobody")
    expect(console.get_by_role("heading", name="No such user")).to_be_visible()
    expect(console.get_by_text(f"There is no user 'nobody' in {shop.name}.")).to_be_visible()
    checked(console, "console-user-not-found")
    console.get_by_role("main").get_by_role("link", name="← Users").click()
    expect(console.get_by_role("heading", name="Users")).to_be_visible()


def test_outbox_and_audit_log_pages(console: Any, shop: ServiceRef) -> None:
    open_users(console, shop)
    menu = console.get_by_role("navigation", name="Console")
    menu.get_by_role("link", name="Outbox").click()
    expect(console.get_by_role("heading", name="Outbox")).to_be_visible()
    checked(console, "console-outbox")
    menu.get_by_role("link", name="Audit log").click()
    expect(console.get_by_role("heading", name="Audit log")).to_be_visible()
    console.get_by_label("Action").select_option(label="User created")
    console.get_by_role("button", name="Filter").click()
    expect(console.get_by_role("cell", name="User created").first).to_be_visible()
    expect(console.get_by_role("cell", name="user.create")).to_have_count(0)
    checked(console, "console-audit-log")


def test_operators_page(console: Any, shop: ServiceRef) -> None:
    open_users(console, shop)
    console.get_by_role("navigation", name="Console").get_by_role("link", name="Operators").click()
    expect(console.get_by_role("heading", name="Operators", level=1)).to_be_visible()
    console.get_by_label("Email").fill(f"next-{uuid.uuid4().hex[:6]}@example.com")
    console.get_by_role("button", name="Invite operator").click()
    assert "/console/set-password?token=" in console.locator("code.link").inner_text()
    checked(console)  # no screenshot: the page shows a live link


def test_the_users_page_fits_a_phone(
    console: Any, browser: Any, live: LiveServer, shop: ServiceRef
) -> None:
    phone = browser.new_context(
        base_url=live.url,
        viewport={"width": 390, "height": 844},
        storage_state=console.context.storage_state(),
    )
    try:
        page = phone.new_page()
        open_users(page, shop)
        expect(page.get_by_role("link", name="+ Add")).to_be_visible()
        # Nothing sticks out sideways: the page is no wider than the screen.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391)
                .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' +
                    Math.round(e.getBoundingClientRect().right))"""
        )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, wide
        checked(page, "console-users-phone")
    finally:
        phone.close()
