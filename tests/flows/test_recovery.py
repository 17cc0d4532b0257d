"""Password reset by e-mail: one-time, one hour, ends every portal session; and no e-mail ever
carries a password."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef, cli

from apidesk.domain import passwords
from apidesk.storage.models import OutboxMessage

V = {"api-version": "2024-05-01"}
OLD = "the first long passphrase"
NEW = "a brand new long passphrase"


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str, **extra: str) -> str:
    email = f"{user_id}@example.com"
    body = {
        "properties": {
            "email": email,
            "firstName": "Rosa",
            "lastName": "Reset",
            "password": OLD,
            **extra,
        }
    }
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def sign_in(browser: Browser, shop: ServiceRef, email: str, password: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)


def signed_in(browser: Browser, shop: ServiceRef) -> bool:
    return "You are signed in" in browser.get(f"/portal/{shop.name}/").text


def request_reset(admin: httpx.Client, shop: ServiceRef, user_id: str) -> None:
    response = admin.post(shop.url(f"/users/{user_id}/confirmations/password/send"), params=V)
    assert response.status_code == 204, response.text


def test_reset_link_sets_a_new_password_and_ends_sessions(
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    other_browser: Browser,
) -> None:
    email = make_user(admin, shop, "rosa")
    assert sign_in(other_browser, shop, email, OLD).status_code == 303
    assert signed_in(other_browser, shop)

    request_reset(admin, shop, "rosa")
    [mail] = mailbox.wait_for(to=email, subject="password")
    assert OLD not in mail.text and OLD not in mail.html
    link = mail.link("reset-password")
    page = browser.get(path_of(link))
    assert page.status_code == 200 and email in page.text
    done = browser.submit(
        page,
        f"/portal/{shop.name}/reset-password",
        token=link.rsplit("=", 1)[1],
        password=NEW,
        confirm=NEW,
    )
    assert done.status_code == 200, done.text
    assert "Password changed" in done.text

    assert not signed_in(other_browser, shop)
    assert sign_in(browser, shop, email, OLD).status_code == 400
    assert sign_in(browser, shop, email, NEW).status_code == 303
    used = browser.get(path_of(link))
    assert used.status_code == 410


def test_reset_link_expires_after_an_hour(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "slow")
    request_reset(admin, shop, "slow")
    link = mailbox.wait_for(to=email)[0].link("reset-password")
    app.clock.advance(timedelta(hours=1) - timedelta(seconds=1))
    assert browser.get(path_of(link)).status_code == 200
    app.clock.advance(timedelta(seconds=2))
    expired = browser.get(path_of(link))
    assert expired.status_code == 410
    assert "expired" in expired.text


def test_weak_or_mismatched_passwords_are_refused_and_the_link_survives(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "picky")
    request_reset(admin, shop, "picky")
    link = mailbox.wait_for(to=email)[0].link("reset-password")
    token = link.rsplit("=", 1)[1]
    page = browser.get(path_of(link))
    weak = browser.submit(
        page, f"/portal/{shop.name}/reset-password", token=token, password="12345", confirm="12345"
    )
    assert weak.status_code == 400 and "at least 8 characters" in weak.text
    differ = browser.submit(
        page, f"/portal/{shop.name}/reset-password", token=token, password=NEW, confirm=NEW + "x"
    )
    assert differ.status_code == 400 and "differ" in differ.text
    assert '<li><a href="#confirm">The two passwords differ.</a></li>' in differ.text
    assert '<p class="field-error" id="confirm-error">' in differ.text
    assert browser.get(path_of(link)).status_code == 200


def test_a_newer_reset_link_voids_the_older(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "double")
    request_reset(admin, shop, "double")
    request_reset(admin, shop, "double")
    first, second = (m.link("reset-password") for m in mailbox.wait_for(2, to=email))
    assert browser.get(path_of(first)).status_code == 410
    assert browser.get(path_of(second)).status_code == 200


def test_forgot_password_form_sends_a_link_without_revealing_accounts(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "forgetful")
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    known = browser.submit(page, f"/portal/{shop.name}/forgot-password", email=email.upper())
    unknown = browser.submit(
        page, f"/portal/{shop.name}/forgot-password", email="nobody@example.com"
    )
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert len(mailbox.wait_for(to=email)) == 1
    assert mailbox.to("nobody@example.com") == []


def test_blocked_users_get_no_reset_link(admin: httpx.Client, shop: ServiceRef) -> None:
    make_user(admin, shop, "blockee", state="blocked")
    response = admin.post(shop.url("/users/blockee/confirmations/password/send"), params=V)
    assert response.status_code == 400


def test_administrator_reset_mails_a_link_not_a_password(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "byadmin")
    env = {
        "APIDESK_DATABASE_URL": app.runtime.settings.database_url,
        "APIDESK_SECRET_KEY_FILE": str(app.runtime.settings.secret_key_file),
        "APIDESK_PUBLIC_URL": app.url,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "apidesk", "users", "reset-password", "byadmin", "-s", shop.name],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [mail] = mailbox.wait_for(to=email, subject="reset")
    assert OLD not in mail.text
    link = mail.link("reset-password")
    page = browser.get(path_of(link))
    done = browser.submit(
        page,
        f"/portal/{shop.name}/reset-password",
        token=link.rsplit("=", 1)[1],
        password=NEW,
        confirm=NEW,
    )
    assert done.status_code == 200
    assert sign_in(browser, shop, email, NEW).status_code == 303


def test_forgot_password_sends_at_most_three_links_an_hour_per_address(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "flooded")
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    answers = [
        browser.submit(page, f"/portal/{shop.name}/forgot-password", email=address)
        for address in (email, email.upper(), f" {email} ", email)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert queued_for(app, email) == 3
    app.clock.advance(timedelta(minutes=59))
    browser.submit(page, f"/portal/{shop.name}/forgot-password", email=email)
    assert queued_for(app, email) == 3
    app.clock.advance(timedelta(minutes=1))
    browser.submit(page, f"/portal/{shop.name}/forgot-password", email=email)
    assert queued_for(app, email) == 4
    assert len(mailbox.wait_for(4, to=email)) == 4


def queued_for(app: InProcessServer, address: str) -> int:
    """Messages ever queued for `address`, sent or not: the outbox is the record."""
    with app.runtime.database.unit_of_work(write=False) as session:
        return len(
            session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).all()
        )


def test_a_link_that_expires_while_the_form_is_checked_gets_the_expired_page(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    email = make_user(admin, shop, "edge")
    request_reset(admin, shop, "edge")
    link = mailbox.wait_for(to=email)[0].link("reset-password")
    page = browser.get(path_of(link))
    real_prepare = passwords.prepare

    def slow_prepare(*args: Any, **kwargs: Any) -> Any:
        app.clock.advance(timedelta(hours=1))
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(passwords, "prepare", slow_prepare)
    late = browser.submit(
        page,
        f"/portal/{shop.name}/reset-password",
        token=link.rsplit("=", 1)[1],
        password="12345",
        confirm="12345",
    )
    assert late.status_code == 410, late.text
    assert "expired" in late.text
    monkeypatch.undo()
    assert browser.get(path_of(link)).status_code == 410


def test_an_administrator_reset_voids_the_old_password_at_once(
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    other_browser: Browser,
) -> None:
    email = make_user(admin, shop, "reset-by-admin")
    assert sign_in(other_browser, shop, email, OLD).status_code == 303
    request_reset(admin, shop, "reset-by-admin")
    # Before the link is used: the old password is gone, and so are the sessions.
    assert sign_in(browser, shop, email, OLD).status_code == 400
    assert not signed_in(other_browser, shop)

    [mail] = mailbox.wait_for(to=email)
    assert mail.subject == "Your password was reset"
    assert "old password no longer works" in mail.text
    link = mail.link("reset-password")
    page = browser.get(path_of(link))
    done = browser.submit(
        page,
        f"/portal/{shop.name}/reset-password",
        token=link.rsplit("=", 1)[1],
        password=NEW,
        confirm=NEW,
    )
    assert done.status_code == 200, done.text
    assert sign_in(browser, shop, email, NEW).status_code == 303


def test_a_reset_from_the_command_line_is_a_reset_too(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = make_user(admin, shop, "reset-by-cli")
    settings = app.runtime.settings
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": settings.database_url,
        "APIDESK_SECRET_KEY_FILE": str(settings.secret_key_file),
        "APIDESK_PUBLIC_URL": settings.public_url,
    }
    done = cli(env, "users", "reset-password", "reset-by-cli", "--service", shop.name)
    assert done.returncode == 0, done.stderr
    assert sign_in(browser, shop, email, OLD).status_code == 400
    assert mailbox.wait_for(to=email)[0].subject == "Your password was reset"


def test_forgot_password_leaves_the_old_password_working(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    # Anyone may ask for a link with an address: asking changes nothing.
    email = make_user(admin, shop, "forgetful")
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    browser.submit(page, f"/portal/{shop.name}/forgot-password", email=email)
    [mail] = mailbox.wait_for(to=email)
    assert mail.subject == "Your password change request"
    assert sign_in(browser, shop, email, OLD).status_code == 303
