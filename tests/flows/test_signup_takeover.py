"""Signing up with someone else's address must not give the impostor the account.

An impostor signs up first with the owner's address and a password of their own; the owner,
who never saw that, signs up later with theirs. Opening the link of their own sign-up must
give the owner their own password and names, and leave the impostor's password worthless;
an administrator activating such an account, or a confirmation sent again, must not bring
the impostor's password back either."""

from __future__ import annotations

import httpx
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
IMPOSTOR = "impostor owned passphrase 31"
OWNER = "owners very own passphrase 42"
EMAIL = "victim@example.com"


def sign_up(browser: Browser, shop: ServiceRef, password: str, first_name: str) -> None:
    page = browser.get(f"/portal/{shop.name}/signup")
    answer = browser.submit(
        page,
        f"/portal/{shop.name}/signup",
        email=EMAIL,
        password=password,
        confirm=password,
        first_name=first_name,
        last_name="Person",
    )
    assert answer.status_code == 200, answer.text


def sign_in(app: InProcessServer, shop: ServiceRef, password: str) -> httpx.Response:
    with app.portal() as client:
        fresh = Browser(client)
        page = fresh.get(f"/portal/{shop.name}/signin")
        return fresh.submit(page, f"/portal/{shop.name}/signin", email=EMAIL, password=password)


def confirm(browser: Browser, shop: ServiceRef, link: str) -> httpx.Response:
    page = browser.get(path_of(link))
    assert page.status_code == 200, page.text
    return browser.submit(page, f"/portal/{shop.name}/confirm-email", token=link.split("=")[-1])


def the_user(admin: httpx.Client, shop: ServiceRef) -> dict[str, object]:
    answer = admin.get(shop.url("/users"), params={**V, "$filter": f"email eq '{EMAIL}'"})
    [user] = answer.json()["value"]
    return dict(user)


def two_sign_ups(
    app: InProcessServer, shop: ServiceRef, mailbox: Mailbox, owner: Browser
) -> tuple[str, str]:
    """The impostor's sign-up, then the owner's in `owner`; the links each was sent."""
    with app.portal() as client:
        sign_up(Browser(client), shop, IMPOSTOR, "Mallory")
    impostors = mailbox.wait_for(to=EMAIL)[0].link("confirm-email")
    sign_up(owner, shop, OWNER, "Olivia")
    mails = mailbox.wait_for(2, to=EMAIL)
    assert "Olivia" in mails[1].text and "Mallory" not in mails[1].text
    return impostors, mails[1].link("confirm-email")


def test_the_owners_own_link_gives_the_owner_their_password_and_names(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, app: InProcessServer, browser: Browser
) -> None:
    owner = browser
    impostors, owners = two_sign_ups(app, shop, mailbox, owner)
    assert confirm(owner, shop, owners).status_code == 303
    user = the_user(admin, shop)
    assert user["properties"]["state"] == "active"  # type: ignore[index]
    assert user["properties"]["firstName"] == "Olivia"  # type: ignore[index]
    assert sign_in(app, shop, IMPOSTOR).status_code == 400
    assert sign_in(app, shop, OWNER).status_code == 303
    # The impostor's link went with the password it carried.
    assert owner.get(path_of(impostors)).status_code == 410


def test_the_impostors_password_does_not_open_the_pending_account(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, app: InProcessServer, browser: Browser
) -> None:
    two_sign_ups(app, shop, mailbox, browser)
    for password in (IMPOSTOR, OWNER):
        refused = sign_in(app, shop, password)
        assert refused.status_code == 400 and "not active yet" not in refused.text
    # An administrator activating the account gives nobody's password a way in.
    patched = admin.patch(
        shop.url(f"/users/{the_user(admin, shop)['name']}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "active"}},
    )
    assert patched.status_code == 200, patched.text
    assert sign_in(app, shop, IMPOSTOR).status_code == 400
    assert sign_in(app, shop, OWNER).status_code == 400


def test_a_confirmation_sent_again_does_not_bring_the_impostors_password_back(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, app: InProcessServer, browser: Browser
) -> None:
    owner = browser
    _, owners = two_sign_ups(app, shop, mailbox, owner)
    with app.portal() as client:
        impostor = Browser(client)
        page = impostor.get(f"/portal/{shop.name}/signin")
        impostor.submit(page, f"/portal/{shop.name}/resend-confirmation", email=EMAIL)
    resent = mailbox.wait_for(3, to=EMAIL)[2].link("confirm-email")
    # Sent again, the link replaces the sign-ups' links and carries nobody's password.
    assert owner.get(path_of(owners)).status_code == 410
    assert confirm(owner, shop, resent).status_code == 303
    assert the_user(admin, shop)["properties"]["state"] == "active"  # type: ignore[index]
    assert sign_in(app, shop, IMPOSTOR).status_code == 400
