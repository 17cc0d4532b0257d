"""One-time links act for the account as it was when they were sent: a new e-mail address or a
new password voids every open link of the user, and no link acts for a blocked account."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.flows import signup
from apidesk.domain.instances import service as instances
from apidesk.domain.users import repository
from apidesk.storage.models import User

V = {"api-version": "2024-05-01"}
OLD = "the first long passphrase"
NEW = "a brand new long passphrase"


def token_of(link: str) -> str:
    return link.rsplit("=", 1)[1]


def put_user(admin: httpx.Client, shop: ServiceRef, user_id: str, **properties: str) -> None:
    notify = properties.get("confirmation") == "invite"
    response = admin.put(
        shop.url(f"/users/{user_id}"),
        params={**V, **({"notify": "true"} if notify else {})},
        json={"properties": {"firstName": "Lin", "lastName": "Link", **properties}},
    )
    assert response.status_code == 201, response.text


def patch_user(admin: httpx.Client, shop: ServiceRef, user_id: str, **properties: str) -> None:
    response = admin.patch(
        shop.url(f"/users/{user_id}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": properties},
    )
    assert response.status_code == 200, response.text


def state_of(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    return str(admin.get(shop.url(f"/users/{user_id}"), params=V).json()["properties"]["state"])


def sign_in(browser: Browser, shop: ServiceRef, email: str, password: str) -> int:
    page = browser.get(f"/portal/{shop.name}/signin")
    done = browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)
    return done.status_code


def reset_link(admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, user_id: str) -> str:
    sent = admin.post(shop.url(f"/users/{user_id}/confirmations/password/send"), params=V)
    assert sent.status_code == 204, sent.text
    email = admin.get(shop.url(f"/users/{user_id}"), params=V).json()["properties"]["email"]
    return mailbox.wait_for(to=email, subject="password")[-1].link("reset-password")


def try_reset(browser: Browser, shop: ServiceRef, link: str) -> httpx.Response:
    # The form as it was shown before the link died: the same CSRF cookie, the old token.
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    return browser.submit(
        page, f"/portal/{shop.name}/reset-password", token=token_of(link), password=NEW, confirm=NEW
    )


def test_a_reset_link_sent_to_the_old_address_dies_with_an_email_change(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    put_user(admin, shop, "moved", email="moved@example.com", password=OLD)
    link = reset_link(admin, shop, mailbox, "moved")
    patch_user(admin, shop, "moved", email="moved.now@example.com")

    page = browser.get(path_of(link))
    assert page.status_code == 410
    assert "account changed" in page.text
    assert try_reset(browser, shop, link).status_code == 410
    assert sign_in(browser, shop, "moved.now@example.com", NEW) == 400


def test_an_invitation_to_a_mistyped_address_does_not_activate_the_corrected_account(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    put_user(admin, shop, "typo", email="tpyo@example.com", confirmation="invite")
    link = mailbox.wait_for(to="tpyo@example.com", subject="invited")[0].link("invitation")
    patch_user(admin, shop, "typo", email="typo@example.com")

    assert browser.get(path_of(link)).status_code == 410
    page = browser.get(f"/portal/{shop.name}/signin")
    accepted = browser.submit(
        page, f"/portal/{shop.name}/invitation", token=token_of(link), password=NEW, confirm=NEW
    )
    assert accepted.status_code == 410
    assert state_of(admin, shop, "typo") == "pending"


def test_a_confirmation_link_dies_with_an_email_change(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    put_user(admin, shop, "reg", email="reg@example.com", state="pending")
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        ictx = InstanceContext.of(ctx, instance)
        user = repository.find(ictx, "reg")
        assert user is not None
        signup.request_confirmation(ictx, user)  # what the portal's sign-up sends
    link = mailbox.wait_for(to="reg@example.com", subject="confirm")[0].link("confirm-email")
    patch_user(admin, shop, "reg", email="reg.fixed@example.com")

    page = browser.get(f"/portal/{shop.name}/signin")
    confirmed = browser.submit(page, f"/portal/{shop.name}/confirm-email", token=token_of(link))
    assert confirmed.status_code == 410
    assert state_of(admin, shop, "reg") == "pending"


def test_a_reset_link_issued_before_a_block_stays_dead_after_activation(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    put_user(admin, shop, "paused", email="paused@example.com", password=OLD)
    link = reset_link(admin, shop, mailbox, "paused")
    patch_user(admin, shop, "paused", state="blocked")
    assert try_reset(browser, shop, link).status_code == 410
    patch_user(admin, shop, "paused", state="active")
    assert try_reset(browser, shop, link).status_code == 410
    assert sign_in(browser, shop, "paused@example.com", NEW) == 400


def test_no_reset_link_acts_for_a_blocked_account(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    put_user(admin, shop, "sealed", email="sealed@example.com", password=OLD)
    link = reset_link(admin, shop, mailbox, "sealed")
    # Blocked behind the service's back: the link was never voided, and still may not act.
    with app.runtime.database.unit_of_work() as session:
        session.execute(
            update(User).where(User.email == "sealed@example.com").values(state="blocked")
        )
    assert browser.get(path_of(link)).status_code == 410
    assert try_reset(browser, shop, link).status_code == 410


def open_links_of(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> tuple[str, str]:
    """A signed-in user's own reset link and a link to move the account to another address
    (asked for by whoever knew the password then): both sent before the password changes."""
    put_user(admin, shop, "held", email="held@example.com", password=OLD)
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    browser.submit(page, f"/portal/{shop.name}/forgot-password", email="held@example.com")
    reset = mailbox.wait_for(to="held@example.com", subject="password")[0].link("reset-password")
    assert sign_in(browser, shop, "held@example.com", OLD) == 303
    page = browser.get(f"/portal/{shop.name}/profile")
    asked = browser.submit(
        page, f"/portal/{shop.name}/profile/email", email="taker@example.com", current_password=OLD
    )
    assert asked.status_code == 303, asked.text
    move = mailbox.wait_for(to="taker@example.com")[0].link("confirm-email-change")
    return reset, move


def change_password(how: str, admin: httpx.Client, shop: ServiceRef, browser: Browser) -> None:
    if how == "api":
        patch_user(admin, shop, "held", password=NEW)
        return
    page = browser.get(f"/portal/{shop.name}/profile")
    changed = browser.submit(
        page,
        f"/portal/{shop.name}/profile/password",
        current_password=OLD,
        password=NEW,
        confirm=NEW,
    )
    assert changed.status_code == 303, changed.text


@pytest.mark.parametrize("how", ["profile", "api"])
def test_a_new_password_voids_the_links_sent_before_it(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    browser: Browser,
    how: str,
) -> None:
    reset, move = open_links_of(admin, shop, mailbox, browser)
    change_password(how, admin, shop, browser)

    with app.portal() as client:
        stranger = Browser(client)
        assert stranger.get(path_of(move)).status_code == 410
        page = stranger.get(f"/portal/{shop.name}/signin")
        moved = stranger.submit(
            page, f"/portal/{shop.name}/confirm-email-change", token=token_of(move)
        )
        assert moved.status_code == 410
        assert stranger.get(path_of(reset)).status_code == 410
        assert try_reset(stranger, shop, reset).status_code == 410
        assert sign_in(stranger, shop, "held@example.com", NEW) == 303
    email = admin.get(shop.url("/users/held"), params=V).json()["properties"]["email"]
    assert email == "held@example.com"


def test_a_password_set_through_a_reset_link_voids_the_other_links(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    reset, move = open_links_of(admin, shop, mailbox, browser)
    assert try_reset(browser, shop, reset).status_code == 200
    assert browser.get(path_of(move)).status_code == 410


def test_an_imported_password_voids_the_links_sent_before_it(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    reset, move = open_links_of(admin, shop, mailbox, browser)
    hashed = "pbkdf2_sha256$1000$salt$" + "A" * 43 + "="
    body = f"id,email,first_name,last_name,passwordHash\nheld,held@example.com,Lin,Link,{hashed}\n"
    report = admin.post(
        shop.url("/users/import"), params=V, content=body, headers={"Content-Type": "text/csv"}
    )
    assert report.status_code == 200 and report.json()["updated"] == 1, report.text
    assert browser.get(path_of(move)).status_code == 410
    assert browser.get(path_of(reset)).status_code == 410
