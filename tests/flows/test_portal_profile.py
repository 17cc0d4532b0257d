"""The portal's Profile page: the name, the e-mail address (confirmed from the new address;
the old one works until then), the password (other sessions end), closing the account, and
the same operations handed to the publisher while registration is delegated."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from sqlalchemy import select
from support import catalog
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.openssl import hmac_sha512_base64
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.models import OutboxMessage

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "purple elephant marmalade dawn"


def sign_in(
    browser: Browser, shop: ServiceRef, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)


def profile(browser: Browser, shop: ServiceRef) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/profile")
    assert page.status_code == 200, page.text
    return page


def wire(admin: httpx.Client, shop: ServiceRef, user: str) -> dict[str, object]:
    return dict(admin.get(shop.url(f"/users/{user}"), params=V).json()["properties"])


def templates_to(app: InProcessServer, address: str) -> list[str]:
    """The templates of the e-mails queued for `address` (the outbox is where each starts)."""
    with app.runtime.database.unit_of_work(write=False) as session:
        return list(
            session.scalars(
                select(OutboxMessage.template).where(OutboxMessage.to_address == address)
            ).all()
        )


def test_the_profile_needs_a_session(shop: ServiceRef, browser: Browser) -> None:
    answer = browser.get(f"/portal/{shop.name}/profile")
    back = quote(f"/portal/{shop.name}/profile", safe="")
    wanted = f"/portal/{shop.name}/signin?returnUrl={back}"
    assert answer.status_code == 303 and answer.headers["location"] == wanted


def test_a_new_name_is_saved(admin: httpx.Client, shop: ServiceRef, browser: Browser) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    done = browser.submit(
        page, f"/portal/{shop.name}/profile/name", first_name="Ada <b>", last_name="Byron"
    )
    assert done.status_code == 303
    shown = browser.get(done.headers["location"])
    assert "Your name was saved." in shown.text and 'value="Ada &lt;b&gt;"' in shown.text
    props = wire(admin, shop, "dev")
    assert (props["firstName"], props["lastName"]) == ("Ada <b>", "Byron")
    empty = browser.submit(page, f"/portal/{shop.name}/profile/name", first_name="", last_name="X")
    assert empty.status_code == 400 and wire(admin, shop, "dev")["lastName"] == "Byron"


def test_a_password_change_ends_the_other_sessions(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    assert sign_in(other_browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    wrong = browser.submit(
        page,
        f"/portal/{shop.name}/profile/password",
        current_password="not it at all",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    weak = browser.submit(
        page,
        f"/portal/{shop.name}/profile/password",
        current_password=PASSWORD,
        password="password",
        confirm="password",
    )
    assert weak.status_code == 400
    changed = browser.submit(
        page,
        f"/portal/{shop.name}/profile/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert changed.status_code == 303, changed.text
    assert "apidesk" in changed.headers["set-cookie"]  # a new session for this browser
    assert "signed out everywhere else" in browser.get(changed.headers["location"]).text
    assert other_browser.get(f"/portal/{shop.name}/profile").status_code == 303
    with app.portal() as client:
        fresh = Browser(client)
        assert sign_in(fresh, shop, "dev@example.com").status_code == 400
        assert sign_in(fresh, shop, "dev@example.com", NEW_PASSWORD).status_code == 303


def test_an_email_change_is_confirmed_from_the_new_address(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    catalog.user(admin, shop, "taken", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    asked = browser.submit(
        page,
        f"/portal/{shop.name}/profile/email",
        email="ada@new.example",
        current_password=PASSWORD,
    )
    assert asked.status_code == 303
    (mail,) = mailbox.wait_for(to="ada@new.example")
    link = mail.link("confirm-email-change")
    assert templates_to(app, "ada@new.example") == ["EmailChangeIdentityDefault"]
    assert wire(admin, shop, "dev")["email"] == "dev@example.com"  # until confirmed
    # A taken address gets the same answer and no e-mail.
    same = browser.submit(
        page,
        f"/portal/{shop.name}/profile/email",
        email="taken@example.com",
        current_password=PASSWORD,
    )
    assert same.status_code == 303 and same.headers["location"] == asked.headers["location"]

    path = urlsplit(link)._replace(scheme="", netloc="").geturl()
    opened = browser.get(path)
    assert opened.status_code == 200 and "ada@new.example" in opened.text
    assert wire(admin, shop, "dev")["email"] == "dev@example.com"  # opening changes nothing
    token = parse_qs(urlsplit(link).query)["token"][0]
    done = browser.submit(opened, f"/portal/{shop.name}/confirm-email-change", token=token)
    assert done.status_code == 200 and "Sign in with ada@new.example" in done.text
    assert wire(admin, shop, "dev")["email"] == "ada@new.example"
    assert browser.get(path).status_code == 410  # once only
    assert mailbox.to("taken@example.com") == []
    with app.portal() as client:
        assert sign_in(Browser(client), shop, "ada@new.example").status_code == 303


def test_closing_the_account_needs_the_password_and_tells_everyone(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    catalog.user(admin, shop, "dev", password=PASSWORD)
    catalog.subscription(admin, shop, "dev-gold", "/products/gold", owner="dev")
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = browser.get(f"/portal/{shop.name}/profile/close")
    assert page.status_code == 200 and "Close your account?" in page.text
    refused = browser.submit(page, f"/portal/{shop.name}/profile/close", current_password="no")
    assert refused.status_code == 400
    assert admin.get(shop.url("/users/dev"), params=V).status_code == 200
    closed = browser.submit(page, f"/portal/{shop.name}/profile/close", current_password=PASSWORD)
    assert closed.status_code == 200 and "Your account is closed" in closed.text
    assert admin.get(shop.url("/users/dev"), params=V).status_code == 404
    kept = admin.get(shop.url("/subscriptions/dev-gold"), params=V).json()["properties"]
    assert kept["state"] == "cancelled"
    (farewell,) = mailbox.wait_for(to="dev@example.com")
    assert farewell.subject.startswith("Thank you for using the")
    assert templates_to(app, "dev@example.com") == ["AccountClosedDeveloper"]
    assert browser.get(f"/portal/{shop.name}/profile").status_code == 303


def test_delegated_registration_hands_profile_changes_to_the_publisher(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    answer = admin.patch(
        shop.url("/portalsettings/delegation"),
        params=V,
        headers={"If-Match": "*"},
        json={
            "properties": {
                "url": "https://publisher.example/d",
                "userRegistration": {"enabled": True},
            }
        },
    )
    assert answer.status_code in (200, 204), answer.text
    secrets = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V)
    key = base64.b64decode(secrets.json()["validationKey"])
    for action in ("password", "name", "email", "close"):
        forged = browser.client.post(
            f"/portal/{shop.name}/profile/{action}", data={"csrf": "forged"}
        )
        assert forged.status_code == 403 and "location" not in forged.headers, action
    for action, operation in (
        ("password", "ChangePassword"),
        ("name", "ChangeProfile"),
        ("close", "CloseAccount"),
    ):
        sent = browser.submit(page, f"/portal/{shop.name}/profile/{action}", current_password="x")
        assert sent.status_code == 303, (action, sent.text)
        target = urlsplit(sent.headers["location"])
        query = parse_qs(target.query)
        assert target.netloc == "publisher.example"
        assert query["operation"] == [operation] and query["userId"] == ["dev"]
        assert query["sig"] == [hmac_sha512_base64(key, f"{query['salt'][0]}\ndev")]


def test_forged_or_bad_forms_change_nothing(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    before = wire(admin, shop, "dev")
    for action, fields in (
        ("name", {"first_name": "Mallory", "last_name": "X"}),
        ("email", {"email": "mallory@example.com", "current_password": PASSWORD}),
        ("password", {"current_password": PASSWORD, "password": NEW_PASSWORD}),
        ("close", {"current_password": PASSWORD}),
    ):
        for data in ({"csrf": "forged", **fields}, fields):
            answer = browser.client.post(f"/portal/{shop.name}/profile/{action}", data=data)
            assert answer.status_code == 403, (action, answer.text)
            assert 'role="alert"' in answer.text and "<html" in answer.text
    bad = browser.submit(
        page,
        f"/portal/{shop.name}/profile/email",
        email="not an address",
        current_password=PASSWORD,
    )
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    same = browser.submit(
        page,
        f"/portal/{shop.name}/profile/email",
        email="dev@example.com",
        current_password=PASSWORD,
    )
    assert same.status_code == 400
    differ = browser.submit(
        page,
        f"/portal/{shop.name}/profile/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD + "x",
    )
    assert differ.status_code == 400 and "differ" in differ.text
    assert wire(admin, shop, "dev") == before
    with app.portal() as client:
        assert sign_in(Browser(client), shop, "dev@example.com").status_code == 303
    assert mailbox.to("mallory@example.com") == []


def test_an_email_change_link_is_voided_by_a_newer_one_and_expires(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = profile(browser, shop)
    links = {}
    for address in ("first@new.example", "second@new.example"):
        asked = browser.submit(
            page, f"/portal/{shop.name}/profile/email", email=address, current_password=PASSWORD
        )
        assert asked.status_code == 303
        (mail,) = mailbox.wait_for(to=address)
        links[address] = (
            urlsplit(mail.link("confirm-email-change"))._replace(scheme="", netloc="").geturl()
        )
    voided = browser.get(links["first@new.example"])
    assert voided.status_code == 410 and "Link not valid" in voided.text
    app.clock.advance(timedelta(hours=app.runtime.settings.confirmation_hours, seconds=1))
    expired = browser.get(links["second@new.example"])
    assert expired.status_code == 410
    token = parse_qs(urlsplit(links["second@new.example"]).query)["token"][0]
    late = browser.submit(page, f"/portal/{shop.name}/confirm-email-change", token=token)
    assert late.status_code == 410, late.text
    assert wire(admin, shop, "dev")["email"] == "dev@example.com"
