"""A pending account at the portal's sign-in: offered the confirmation again (a new sign-up
link, which asks for the same sign-up's password, or a new invitation for an invited account,
voiding the one before); an unknown address gets the same answer and no e-mail."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from support import catalog, portal
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.storage.models import OutboxMessage

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def sign_in(browser: Browser, shop: ServiceRef, email: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=PASSWORD)


def test_a_signed_up_account_gets_its_confirmation_again(
    shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    portal.sign_up(
        browser, shop.name, "sam@example.com", PASSWORD, first_name="Sam", last_name="Pending"
    )
    first = mailbox.wait_for(to="sam@example.com")[0].link("confirm-email")
    # A signed-up account holds no password until it is confirmed (its link carries it).
    refused = sign_in(browser, shop, "sam@example.com")
    assert refused.status_code == 400 and "Send the confirmation again" in refused.text
    again = browser.submit(
        refused, f"/portal/{shop.name}/resend-confirmation", email="sam@example.com"
    )
    assert again.status_code == 200 and "Check your e-mail" in again.text
    mails = mailbox.wait_for(2, to="sam@example.com")
    second = mails[-1].link("confirm-email")
    assert second != first
    # The link sent again asks for the same sign-up's password; the first one still works
    # until either is used.
    assert browser.get(path_of(first)).status_code == 200
    opened = browser.get(path_of(second))
    done = browser.submit(
        opened, f"/portal/{shop.name}/confirm-email", token=second.split("=")[-1], password=PASSWORD
    )
    assert done.status_code == 303
    assert browser.get(path_of(first)).status_code == 410


def test_an_invited_account_gets_a_new_invitation(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    catalog.invite(admin, shop, "guest", "guest@example.com")
    first = mailbox.wait_for(to="guest@example.com")[0].link("invitation")
    # An invitee has no password yet: any is wrong, and the way to a new link is offered.
    refused = sign_in(browser, shop, "guest@example.com")
    assert refused.status_code == 400 and "Send the confirmation again" in refused.text
    browser.submit(refused, f"/portal/{shop.name}/resend-confirmation", email="guest@example.com")
    second = mailbox.wait_for(2, to="guest@example.com")[-1].link("invitation")
    assert second != first
    assert browser.get(path_of(second)).status_code == 200


def test_an_unknown_or_active_address_gets_the_same_answer_and_no_mail(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    admin.put(
        shop.url("/users/active"),
        params=V,
        json={"properties": {"email": "on@example.com", "firstName": "A", "lastName": "B"}},
    ).raise_for_status()
    page = browser.get(f"/portal/{shop.name}/signin")
    answers = [
        browser.submit(page, f"/portal/{shop.name}/resend-confirmation", email=address)
        for address in ("nobody@example.com", "on@example.com")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text.replace("nobody@example.com", "") == answers[1].text.replace(
        "on@example.com", ""
    )
    # Nothing was queued for either (the outbox is where every e-mail starts).
    with app.runtime.database.unit_of_work(write=False) as session:
        queued = session.scalars(
            select(OutboxMessage.to_address).where(
                OutboxMessage.to_address.in_(("nobody@example.com", "on@example.com"))
            )
        ).all()
    assert queued == []


def test_asking_again_is_counted_like_sign_ups_and_answered_the_same(
    app: InProcessServer, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    portal.sign_up(
        browser, shop.name, "kim@example.com", PASSWORD, first_name="Kim", last_name="Pending"
    )
    mailbox.wait_for(to="kim@example.com")
    signin = browser.get(f"/portal/{shop.name}/signin")
    # The sign-up was the first of the address's three an hour: two more e-mails, then none.
    answers = [
        browser.submit(signin, f"/portal/{shop.name}/resend-confirmation", email="kim@example.com")
        for _ in range(4)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1  # a held request looks like any other
    mailbox.wait_for(3, to="kim@example.com")
    with app.runtime.database.unit_of_work(write=False) as session:
        queued = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.to_address == "kim@example.com")
        ).all()
    assert len(queued) == 3
    app.clock.advance(timedelta(hours=1, seconds=1))
    signin = browser.get(f"/portal/{shop.name}/signin")
    later = browser.submit(
        signin, f"/portal/{shop.name}/resend-confirmation", email="kim@example.com"
    )
    assert later.status_code == 200
    mailbox.wait_for(4, to="kim@example.com")
