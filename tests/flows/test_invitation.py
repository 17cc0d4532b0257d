"""Invitations end to end: PUT with confirmation=invite, the e-mail in a real SMTP server, the
link opened and accepted in the portal, and every way a link can stop working."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from support import catalog
from support.inprocess import InProcessServer, publisher
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.domain import passwords

V = {"api-version": "2024-05-01"}
PASSWORD = "a long and unguessable phrase"
TWO_DAYS = timedelta(days=2)


def user_state(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    return str(admin.get(shop.url(f"/users/{user_id}"), params=V).json()["properties"]["state"])


def home_page_policy(browser: Browser, shop: ServiceRef) -> str:
    return browser.get(f"/portal/{shop.name}/").headers["referrer-policy"]


def test_invitation_email_link_activates_and_signs_in(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    catalog.invite(admin, shop, "ivy", "ivy@example.com")
    [mail] = mailbox.wait_for(to="ivy@example.com", subject="invited")
    assert mail.message["From"].addresses[0].addr_spec == publisher(shop)
    assert "Example Publisher" in str(mail.message["From"])
    link = mail.link("invitation")
    assert link.startswith(f"{app.url}/portal/{shop.name}/invitation?token=")
    assert link in mail.html.replace("&amp;", "&")

    page = browser.get(path_of(link))
    assert page.status_code == 200
    assert "ivy@example.com" in page.text
    assert page.headers["referrer-policy"] == "strict-origin"  # the token stays here
    assert home_page_policy(browser, shop) == "same-origin"
    done = browser.submit(
        page,
        f"/portal/{shop.name}/invitation",
        token=link.rsplit("=", 1)[1],
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert done.status_code == 303, done.text
    home = browser.get(done.headers["location"])
    assert "signed in as <strong>ivy@example.com</strong>" in home.text
    assert user_state(admin, shop, "ivy") == "active"

    again = browser.get(path_of(link))
    assert again.status_code == 410
    assert "accepted already" in again.text


def test_a_weak_password_keeps_the_link_usable(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    catalog.invite(admin, shop, "weak", "weak@example.com")
    link = mailbox.wait_for(to="weak@example.com")[0].link("invitation")
    page = browser.get(path_of(link))
    refused = browser.submit(
        page,
        f"/portal/{shop.name}/invitation",
        token=link.rsplit("=", 1)[1],
        password="password",
        confirm="password",
    )
    assert refused.status_code == 400
    assert "password" in refused.text.lower()
    # Said at the password field, which the error summary links to.
    assert '<p class="field-error" id="password-error">' in refused.text
    assert '<li><a href="#password">' in refused.text
    assert user_state(admin, shop, "weak") == "pending"
    assert browser.get(path_of(link)).status_code == 200


def test_the_link_works_until_two_days_and_not_after(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    catalog.invite(admin, shop, "late", "late@example.com")
    catalog.invite(admin, shop, "early", "early@example.com")
    late = mailbox.wait_for(to="late@example.com")[0].link("invitation")
    early = mailbox.wait_for(to="early@example.com")[0].link("invitation")

    app.clock.advance(TWO_DAYS - timedelta(seconds=1))
    page = browser.get(path_of(early))
    assert page.status_code == 200
    accepted = browser.submit(
        page,
        f"/portal/{shop.name}/invitation",
        token=early.rsplit("=", 1)[1],
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert accepted.status_code == 303

    app.clock.advance(timedelta(seconds=2))
    expired = browser.get(path_of(late))
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert "Send me a new invitation" in expired.text
    # Submitting the form of the expired link does nothing either.
    still = browser.submit(
        expired,
        f"/portal/{shop.name}/invitation",
        token=late.rsplit("=", 1)[1],
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert still.status_code == 410
    assert user_state(admin, shop, "late") == "pending"


def test_an_expired_link_offers_a_new_invitation(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    catalog.invite(admin, shop, "renew", "renew@example.com")
    old = mailbox.wait_for(to="renew@example.com")[0].link("invitation")
    app.clock.advance(TWO_DAYS + timedelta(seconds=1))
    expired = browser.get(path_of(old))
    renewed = browser.submit(
        expired, f"/portal/{shop.name}/invitation/renew", token=old.rsplit("=", 1)[1]
    )
    assert renewed.status_code == 200
    assert "new link is on its way" in renewed.text
    fresh = mailbox.wait_for(2, to="renew@example.com")[1].link("invitation")
    assert fresh != old
    assert browser.get(path_of(fresh)).status_code == 200
    assert browser.get(path_of(old)).status_code == 410


def test_reinviting_voids_the_old_link(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    catalog.invite(admin, shop, "twice", "twice@example.com")
    old = mailbox.wait_for(to="twice@example.com")[0].link("invitation")
    response = admin.post(shop.url("/users/twice/invite"), params=V)
    assert response.status_code == 204
    new = mailbox.wait_for(2, to="twice@example.com")[1].link("invitation")
    replaced = browser.get(path_of(old))
    assert replaced.status_code == 410
    assert "newer link" in replaced.text
    assert browser.get(path_of(new)).status_code == 200


def test_only_pending_users_can_be_invited(admin: httpx.Client, shop: ServiceRef) -> None:
    body = {"properties": {"email": "act@example.com", "firstName": "A", "lastName": "B"}}
    admin.put(shop.url("/users/act"), params=V, json=body).raise_for_status()
    refused = admin.post(shop.url("/users/act/invite"), params=V)
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["target"] == "state"


def test_racing_acceptances_succeed_once(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    other_browser: Browser,
) -> None:
    catalog.invite(admin, shop, "race", "race@example.com")
    link = mailbox.wait_for(to="race@example.com")[0].link("invitation")
    token = link.rsplit("=", 1)[1]
    pages = [browser.get(path_of(link)), other_browser.get(path_of(link))]
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def accept(who: Browser, page: httpx.Response, password: str) -> None:
        barrier.wait()
        results.append(
            who.submit(
                page,
                f"/portal/{shop.name}/invitation",
                token=token,
                password=password,
                confirm=password,
            )
        )

    threads = [
        threading.Thread(target=accept, args=(browser, pages[0], PASSWORD)),
        threading.Thread(target=accept, args=(other_browser, pages[1], PASSWORD + " two")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [303, 410]


def test_invitation_without_notify_sends_nothing(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    body = {
        "properties": {
            "email": "quiet@example.com",
            "firstName": "Q",
            "lastName": "Q",
            "confirmation": "invite",
        }
    }
    admin.put(shop.url("/users/quiet"), params=V, json=body).raise_for_status()
    assert user_state(admin, shop, "quiet") == "pending"
    admin.post(shop.url("/users/quiet/invite"), params=V).raise_for_status()
    assert len(mailbox.wait_for(to="quiet@example.com")) == 1


def test_signup_confirmation_sends_the_welcome_letter(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    body = {
        "properties": {
            "email": "new@example.com",
            "firstName": "New",
            "lastName": "Dev",
            "confirmation": "signup",
        }
    }
    response = admin.put(shop.url("/users/new"), params={**V, "notify": "true"}, json=body)
    assert response.json()["properties"]["state"] == "active"
    [mail] = mailbox.wait_for(to="new@example.com", subject="Welcome")
    assert "new@example.com" in mail.text
    assert "Example Publisher" in mail.subject


def test_links_use_the_instances_own_portal_address(
    app: InProcessServer, admin: httpx.Client, mailbox: Mailbox, browser: Browser
) -> None:
    from support.server import RESOURCE_GROUP, SUBSCRIPTION, service_body

    custom = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "branded")
    body = service_body()
    body["properties"]["hostnameConfigurations"] = [
        {"type": "DeveloperPortal", "hostName": "developer.example.org"}
    ]
    created = admin.put(custom.path, params=V, json=body)
    assert created.status_code in (200, 201), created.text
    assert created.json()["properties"]["developerPortalUrl"] == "https://developer.example.org"
    catalog.invite(admin, custom, "brand", "brand@example.com")
    link = mailbox.wait_for(to="brand@example.com")[0].link("invitation")
    assert link.startswith("https://developer.example.org/invitation?token=")
    # Behind the proxy that serves that host, the page is the portal's.
    token = link.rsplit("=", 1)[1]
    assert browser.get(f"/portal/branded/invitation?token={token}").status_code == 200


def test_a_link_that_expires_while_the_form_is_checked_gets_the_expired_page(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A weak password is refused, and by the time the form would be shown again the link has
    run out: the answer is the expired-link page, not an error."""
    catalog.invite(admin, shop, "edge", "edge@example.com")
    link = mailbox.wait_for(to="edge@example.com")[0].link("invitation")
    page = browser.get(path_of(link))
    real_prepare = passwords.prepare

    def slow_prepare(*args: Any, **kwargs: Any) -> Any:
        app.clock.advance(TWO_DAYS)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(passwords, "prepare", slow_prepare)
    late = browser.submit(
        page,
        f"/portal/{shop.name}/invitation",
        token=link.rsplit("=", 1)[1],
        password="password",
        confirm="password",
    )
    assert late.status_code == 410, late.text
    assert "expired" in late.text and "Send me a new invitation" in late.text
    assert user_state(admin, shop, "edge") == "pending"
