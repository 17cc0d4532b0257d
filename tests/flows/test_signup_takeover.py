"""Signing up with someone else's address must not give the impostor the account.

An impostor signs up with the owner's address and a password of their own, before or after
the owner's own sign-up, as often as the limits allow, and asks for the confirmation again.
The owner reads the mail and may open any of its links. Whatever the order, the account must
end up with the owner's password or none, never the impostor's: a pending account holds no
password, and confirming a link asks for the password of the sign-up that asked for it."""

from __future__ import annotations

import httpx
import pytest
from support import portal
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
IMPOSTOR = "impostor owned passphrase 31"
OWNER = "owners very own passphrase 42"
EMAIL = "victim@example.com"


def sign_up(app: InProcessServer, shop: ServiceRef, password: str, first_name: str) -> None:
    with app.portal() as client:
        answer = portal.sign_up(
            Browser(client), shop.name, EMAIL, password, first_name=first_name, last_name="Person"
        )
        assert answer.status_code == 200, answer.text


def resend(app: InProcessServer, shop: ServiceRef) -> None:
    with app.portal() as client:
        browser = Browser(client)
        page = browser.get(f"/portal/{shop.name}/signin")
        browser.submit(page, f"/portal/{shop.name}/resend-confirmation", email=EMAIL)


def sign_in(app: InProcessServer, shop: ServiceRef, password: str) -> int:
    with app.portal() as client:
        fresh = Browser(client)
        page = fresh.get(f"/portal/{shop.name}/signin")
        done = fresh.submit(page, f"/portal/{shop.name}/signin", email=EMAIL, password=password)
        return done.status_code


def confirm(browser: Browser, shop: ServiceRef, link: str, password: str) -> httpx.Response:
    return portal.confirm_sign_up(browser, shop.name, link, password)


def state(admin: httpx.Client, shop: ServiceRef) -> dict[str, str]:
    answer = admin.get(shop.url("/users"), params={**V, "$filter": f"email eq '{EMAIL}'"})
    [user] = answer.json()["value"]
    return {"name": user["name"], **user["properties"]}


def links(mailbox: Mailbox, count: int) -> list[str]:
    return [mail.link("confirm-email") for mail in mailbox.wait_for(count, to=EMAIL)]


@pytest.mark.parametrize("impostor_first", [True, False], ids=["impostor first", "owner first"])
def test_only_the_owners_own_password_confirms_the_account(
    admin: httpx.Client,
    shop: ServiceRef,
    mailbox: Mailbox,
    app: InProcessServer,
    browser: Browser,
    impostor_first: bool,
) -> None:
    order = [(IMPOSTOR, "Mallory"), (OWNER, "Olivia")]
    for password, name in order if impostor_first else order[::-1]:
        sign_up(app, shop, password, name)
    sent = links(mailbox, 2)
    impostors, owners = sent if impostor_first else sent[::-1]
    # The two mails look alike; the owner may open the impostor's. Their password does not
    # confirm it, and the impostor's is not theirs to know.
    refused = confirm(browser, shop, impostors, OWNER)
    assert refused.status_code == 400 and "not the password chosen" in refused.text
    assert state(admin, shop)["state"] == "pending"

    assert confirm(browser, shop, owners, OWNER).status_code == 303
    user = state(admin, shop)
    assert (user["state"], user["firstName"]) == ("active", "Olivia")
    assert sign_in(app, shop, IMPOSTOR) == 400
    assert sign_in(app, shop, OWNER) == 303
    assert browser.get(path_of(impostors)).status_code == 410


def test_a_pending_account_holds_no_password_an_administrator_could_activate(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, app: InProcessServer
) -> None:
    sign_up(app, shop, IMPOSTOR, "Mallory")
    links(mailbox, 1)
    # Not even its own sign-up's password: the impostor learns nothing from a sign-in.
    assert sign_in(app, shop, IMPOSTOR) == 400
    patched = admin.patch(
        shop.url(f"/users/{state(admin, shop)['name']}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "active"}},
    )
    assert patched.status_code == 200, patched.text
    assert sign_in(app, shop, IMPOSTOR) == 400


def test_an_impostor_who_spends_the_limit_cannot_take_the_account_either(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, app: InProcessServer, browser: Browser
) -> None:
    # One sign-up and two requests to send it again: the address's three an hour.
    sign_up(app, shop, IMPOSTOR, "Mallory")
    resend(app, shop)
    resend(app, shop)
    sign_up(app, shop, OWNER, "Olivia")  # held back, with the same answer
    sent = links(mailbox, 3)
    for link in sent:  # every mail the owner has is the impostor's sign-up
        assert confirm(browser, shop, link, OWNER).status_code == 400
    assert state(admin, shop)["state"] == "pending"

    # The owner's way in: a reset link, which the mailbox proves as a confirmation does.
    page = browser.get(f"/portal/{shop.name}/forgot-password")
    browser.submit(page, f"/portal/{shop.name}/forgot-password", email=EMAIL)
    reset = mailbox.wait_for(to=EMAIL, subject="password")[0].link("reset-password")
    page = browser.get(path_of(reset))
    done = browser.submit(
        page,
        f"/portal/{shop.name}/reset-password",
        token=reset.split("=")[-1],
        password=OWNER,
        confirm=OWNER,
    )
    assert done.status_code == 200, done.text
    assert state(admin, shop)["state"] == "active"
    assert sign_in(app, shop, OWNER) == 303
    assert sign_in(app, shop, IMPOSTOR) == 400
    for link in sent:
        assert browser.get(path_of(link)).status_code == 410
