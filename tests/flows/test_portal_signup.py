"""Self-service sign-up on the portal, as the sign-up settings allow: terms and consent, a
pending account and its confirmation e-mail over real SMTP, the same answer for a taken
address, a closed sign-up, and sign-in required for anonymous visitors."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from support import portal
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.storage.models import OutboxMessage

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"
TERMS = "Call the APIs fairly.\n\nNo scraping."


def settings(admin: httpx.Client, shop: ServiceRef, **properties: Any) -> None:
    response = admin.patch(
        shop.url("/portalsettings/signup"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": properties},
    )
    assert response.status_code == 204, response.text


def with_terms(admin: httpx.Client, shop: ServiceRef, *, consent: bool = True) -> None:
    settings(
        admin,
        shop,
        termsOfService={"text": TERMS, "enabled": True, "consentRequired": consent},
    )


def sign_up(browser: Browser, shop: ServiceRef, email: str, **fields: str) -> httpx.Response:
    return portal.sign_up(browser, shop.name, email, fields.pop("password", PASSWORD), **fields)


def users_with(admin: httpx.Client, shop: ServiceRef, email: str) -> list[dict[str, Any]]:
    answer = admin.get(shop.url("/users"), params={**V, "$filter": f"email eq '{email}'"})
    return list(answer.json()["value"])


def queued_for(app: InProcessServer, address: str) -> list[str]:
    with app.runtime.database.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address)
        ).all()
        return [row.template for row in rows]


def test_signing_up_with_terms_and_consent_leads_to_an_active_account(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    with_terms(admin, shop)
    page = browser.get(f"/portal/{shop.name}/signup")
    for label in ("Email", "Password", "First name", "Last name", "I accept the terms"):
        assert label in page.text
    assert "<p>Call the APIs fairly.</p>" in page.text and "<p>No scraping.</p>" in page.text
    answer = sign_up(browser, shop, "sam@example.com", consent="yes")
    assert answer.status_code == 200
    assert "Check your e-mail" in answer.text
    [user] = users_with(admin, shop, "sam@example.com")
    assert user["properties"]["state"] == "pending"
    assert user["properties"]["firstName"] == "Sam"
    assert len(user["name"]) == 24

    [mail] = mailbox.wait_for(to="sam@example.com", subject="confirm")
    link = mail.link("confirm-email")
    confirm = browser.get(path_of(link))
    done = browser.submit(
        confirm, f"/portal/{shop.name}/confirm-email", token=link.split("=")[-1], password=PASSWORD
    )
    assert done.status_code == 303
    [user] = users_with(admin, shop, "sam@example.com")
    assert user["properties"]["state"] == "active"
    assert "sam@example.com" in browser.get(f"/portal/{shop.name}/").text


def test_the_password_works_after_confirmation(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser, app: InProcessServer
) -> None:
    sign_up(browser, shop, "pw-later@example.com")
    link = mailbox.wait_for(to="pw-later@example.com")[0].link("confirm-email")
    confirm = browser.get(path_of(link))
    browser.submit(
        confirm, f"/portal/{shop.name}/confirm-email", token=link.split("=")[-1], password=PASSWORD
    )
    with app.portal() as other:
        fresh = Browser(other)
        page = fresh.get(f"/portal/{shop.name}/signin")
        signed = fresh.submit(
            page, f"/portal/{shop.name}/signin", email="pw-later@example.com", password=PASSWORD
        )
        assert signed.status_code == 303


def test_consent_is_required_when_the_settings_say_so(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, app: InProcessServer
) -> None:
    with_terms(admin, shop)
    refused = sign_up(browser, shop, "noconsent@example.com")
    assert refused.status_code == 400
    assert "Accept the terms of use" in refused.text
    assert 'value="noconsent@example.com"' in refused.text
    assert PASSWORD not in refused.text
    assert users_with(admin, shop, "noconsent@example.com") == []
    assert queued_for(app, "noconsent@example.com") == []


def test_terms_shown_without_consent_need_no_box(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    with_terms(admin, shop, consent=False)
    page = browser.get(f"/portal/{shop.name}/signup")
    assert "No scraping." in page.text and 'name="consent"' not in page.text
    assert sign_up(browser, shop, "terms-only@example.com").status_code == 200
    assert len(users_with(admin, shop, "terms-only@example.com")) == 1


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser, app: InProcessServer
) -> None:
    body = {"properties": {"email": "owner@example.com", "firstName": "O", "lastName": "W"}}
    admin.put(shop.url("/users/owner"), params=V, json=body).raise_for_status()
    taken = sign_up(browser, shop, "owner@example.com")
    fresh = sign_up(browser, shop, "newcomer@example.com")
    assert taken.status_code == fresh.status_code == 200
    assert taken.text.replace("owner@", "X@") == fresh.text.replace("newcomer@", "X@")
    assert [u["name"] for u in users_with(admin, shop, "owner@example.com")] == ["owner"]
    mailbox.wait_for(to="owner@example.com")
    assert queued_for(app, "owner@example.com") == ["PasswordResetIdentityDefault"]
    assert queued_for(app, "newcomer@example.com") == ["ConfirmSignUpIdentityDefault"]


def test_signing_up_again_before_confirming_sends_a_confirmation_of_the_new_sign_up(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser, app: InProcessServer
) -> None:
    sign_up(browser, shop, "forgetful@example.com")
    first = mailbox.wait_for(to="forgetful@example.com")[0].link("confirm-email")
    again = "a second thought passphrase"
    sign_up(
        browser, shop, "forgetful@example.com", first_name="Other", password=again, confirm=again
    )
    assert queued_for(app, "forgetful@example.com") == ["ConfirmSignUpIdentityDefault"] * 2
    [user] = users_with(admin, shop, "forgetful@example.com")
    assert user["properties"]["firstName"] == "Sam"
    mails = mailbox.wait_for(2, to="forgetful@example.com")
    second = mails[1].link("confirm-email")
    assert "Other" in mails[1].text and second != first
    # Each sign-up's link works until one of them is confirmed, with its own password.
    assert browser.get(path_of(first)).status_code == 200
    confirm = browser.get(path_of(second))
    token = second.split("=")[-1]
    path = f"/portal/{shop.name}/confirm-email"
    assert browser.submit(confirm, path, token=token, password=PASSWORD).status_code == 400
    assert browser.submit(confirm, path, token=token, password=again).status_code == 303
    [user] = users_with(admin, shop, "forgetful@example.com")
    assert user["properties"]["state"] == "active"
    assert user["properties"]["firstName"] == "Other"
    assert browser.get(path_of(first)).status_code == 410


def test_a_blocked_owner_gets_nothing(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, app: InProcessServer
) -> None:
    body = {
        "properties": {"email": "shut@example.com", "firstName": "B", "lastName": "L"},
    }
    admin.put(shop.url("/users/shut"), params=V, json=body).raise_for_status()
    admin.patch(
        shop.url("/users/shut"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "blocked"}},
    ).raise_for_status()
    assert sign_up(browser, shop, "shut@example.com").status_code == 200
    assert queued_for(app, "shut@example.com") == []


def test_bad_input_is_shown_on_the_form_and_creates_nothing(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    for fields, message in (
        ({"password": "short"}, "at least"),
        # In the form's words, not the API's field names.
        ({"first_name": ""}, "First name is required."),
        ({"last_name": "x" * 101}, "Last name must be at most 100 characters"),
    ):
        answer = sign_up(browser, shop, "bad@example.com", **fields)
        assert answer.status_code == 400, fields
        assert message in answer.text and "Name'" not in answer.text
    answer = sign_up(browser, shop, "not-an-address")
    assert answer.status_code == 400
    assert users_with(admin, shop, "bad@example.com") == []


def test_a_form_without_its_csrf_token_is_refused(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    browser.get(f"/portal/{shop.name}/signup")
    answer = browser.client.post(
        f"/portal/{shop.name}/signup",
        data={"email": "forged@example.com", "password": PASSWORD, "first_name": "F"},
    )
    assert answer.status_code == 403  # as every portal form without its token
    assert users_with(admin, shop, "forged@example.com") == []


def test_closed_sign_up_shows_a_clear_page_and_refuses_the_form(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, app: InProcessServer
) -> None:
    page = browser.get(f"/portal/{shop.name}/signup")
    assert "Sign up" in browser.get(f"/portal/{shop.name}/").text
    settings(admin, shop, enabled=False)
    closed = browser.get(f"/portal/{shop.name}/signup")
    assert closed.status_code == 403 and "Sign-up is closed" in closed.text
    assert "/signup" not in browser.get(f"/portal/{shop.name}/").text
    form = {"email": "late@example.com", "password": PASSWORD, "first_name": "L", "last_name": "T"}
    refused = browser.submit(page, f"/portal/{shop.name}/signup", **form)
    assert refused.status_code == 403
    assert users_with(admin, shop, "late@example.com") == []
    assert queued_for(app, "late@example.com") == []


def test_repeated_sign_ups_for_one_address_are_throttled(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, app: InProcessServer
) -> None:
    body = {"properties": {"email": "popular@example.com", "firstName": "P", "lastName": "P"}}
    admin.put(shop.url("/users/popular"), params=V, json=body).raise_for_status()
    answers = {sign_up(browser, shop, "popular@example.com").status_code for _ in range(5)}
    assert answers == {200}
    assert len(queued_for(app, "popular@example.com")) == 3


def test_anonymous_visitors_are_sent_to_sign_in_when_required(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    assert browser.get(f"/portal/{shop.name}/").status_code == 200
    response = admin.put(
        shop.url("/portalsettings/signin"), params=V, json={"properties": {"enabled": True}}
    )
    assert response.status_code == 200
    home = browser.get(f"/portal/{shop.name}/")
    assert home.status_code == 303
    assert home.headers["location"] == f"/portal/{shop.name}/signin"
    assert browser.get(f"/portal/{shop.name}/signin").status_code == 200


def test_confirming_forgives_the_sign_ins_tried_before_it(
    shop: ServiceRef, mailbox: Mailbox, browser: Browser, app: InProcessServer
) -> None:
    """A pending account holds no password, so its owner's sign-ins before confirming fail,
    and enough of them hold the address back; the confirmation proves the owner."""
    sign_up(browser, shop, "eager@example.com")
    link = mailbox.wait_for(to="eager@example.com")[0].link("confirm-email")
    with app.portal() as client:
        eager = Browser(client)
        answers = []
        for _ in range(10):
            page = eager.get(f"/portal/{shop.name}/signin")
            answer = eager.submit(
                page, f"/portal/{shop.name}/signin", email="eager@example.com", password=PASSWORD
            )
            answers.append(answer.status_code)
            if answer.status_code == 429:
                break
        assert answers[-1] == 429 and set(answers[:-1]) == {400}, answers
    confirm = browser.get(path_of(link))
    done = browser.submit(
        confirm, f"/portal/{shop.name}/confirm-email", token=link.split("=")[-1], password=PASSWORD
    )
    assert done.status_code == 303
    with app.portal() as client:
        later = Browser(client)
        page = later.get(f"/portal/{shop.name}/signin")
        signed = later.submit(
            page, f"/portal/{shop.name}/signin", email="eager@example.com", password=PASSWORD
        )
        assert signed.status_code == 303
