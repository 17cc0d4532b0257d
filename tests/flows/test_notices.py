"""E-mails about closed accounts and subscription state changes, to developers and to the
publisher's recipients, and blind copies to BCC recipients."""

from __future__ import annotations

import httpx
from support.inprocess import publisher
from support.mailbox import Mailbox
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str, first: str = "Dana") -> str:
    email = f"{user_id}@example.com"
    body = {"properties": {"email": email, "firstName": first, "lastName": "Dev"}}
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def test_closing_an_account_tells_the_developer_and_the_publisher(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = make_user(admin, shop, "leaver")
    admin.put(
        shop.url("/notifications/AccountClosedPublisher/recipientEmails/ops@example.com"), params=V
    )
    response = admin.delete(
        shop.url("/users/leaver"), params={**V, "notify": "true"}, headers={"If-Match": "*"}
    )
    assert response.status_code == 204
    farewell = mailbox.wait_for(to=email)
    assert len(farewell) == 1 and "Thank you" in farewell[0].subject
    assert len(mailbox.wait_for(to=publisher(shop))) == 1
    ops = mailbox.wait_for(to="ops@example.com")
    assert email in ops[0].text


def test_deleting_without_notify_sends_nothing(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = make_user(admin, shop, "silent")
    admin.delete(shop.url("/users/silent"), params=V, headers={"If-Match": "*"}).raise_for_status()
    make_user(admin, shop, "marker")
    admin.post(shop.url("/users/marker/confirmations/password/send"), params=V).raise_for_status()
    mailbox.wait_for(to="marker@example.com")
    assert mailbox.to(email) == []


def test_subscription_request_approval_and_rejection(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = make_user(admin, shop, "sub", first="Sam")
    notify = {**V, "notify": "true"}
    body = {
        "properties": {
            "scope": "/products/unlimited",
            "ownerId": "/users/sub",
            "displayName": "Mine",
        }
    }
    created = admin.put(shop.url("/subscriptions/s1"), params=notify, json=body)
    assert created.json()["properties"]["state"] == "submitted"
    request = mailbox.wait_for(to=email, subject="request")[0]
    assert "Unlimited" in request.subject
    assert len(mailbox.wait_for(to=publisher(shop))) == 1

    admin.patch(
        shop.url("/subscriptions/s1"),
        params=notify,
        headers={"If-Match": "*"},
        json={"properties": {"state": "active"}},
    ).raise_for_status()
    purchase = mailbox.wait_for(to=email, subject="subscription to")[0]
    assert "Unlimited" in purchase.subject
    assert len(mailbox.wait_for(2, to=publisher(shop))) == 2

    body2 = {
        "properties": {
            "scope": "/products/starter",
            "ownerId": "/users/sub",
            "displayName": "Other",
            "state": "submitted",
        }
    }
    admin.put(shop.url("/subscriptions/s2"), params=V, json=body2).raise_for_status()
    admin.patch(
        shop.url("/subscriptions/s2"),
        params=notify,
        headers={"If-Match": "*"},
        json={"properties": {"state": "rejected", "stateComment": "Not this quarter"}},
    ).raise_for_status()
    rejection = mailbox.wait_for(to=email, subject="Starter")[0]
    assert "Not this quarter" in rejection.text


def test_without_notify_state_changes_are_silent(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = make_user(admin, shop, "hush")
    body = {
        "properties": {
            "scope": "/products/unlimited",
            "ownerId": "/users/hush",
            "displayName": "Mine",
        }
    }
    admin.put(shop.url("/subscriptions/h1"), params=V, json=body).raise_for_status()
    # A later e-mail marks the point by which an earlier one would have arrived.
    admin.post(shop.url("/users/hush/confirmations/password/send"), params=V).raise_for_status()
    [only] = mailbox.wait_for(to=email)
    assert "password" in only.subject
    assert all("Unlimited" not in m.subject for m in mailbox.to(email))
    assert mailbox.to(publisher(shop)) == []


def test_bcc_recipients_get_a_blind_copy(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    admin.put(
        shop.url("/notifications/BCC/recipientEmails/audit@example.com"), params=V
    ).raise_for_status()
    email = "watched@example.com"
    body = {"properties": {"email": email, "firstName": "W", "lastName": "D"}}
    admin.put(shop.url("/users/watched"), params={**V, "notify": "true"}, json=body)
    [mail] = mailbox.wait_for(to=email)
    assert "audit@example.com" in mail.recipients
    assert email in mail.recipients
    assert "audit@example.com" not in str(mail.message)


def test_a_template_edit_changes_the_next_email(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = make_user(admin, shop, "styled", first="Ann <b>&")
    custom = {
        "properties": {
            "subject": "Reset for $DevFirstName",
            "body": "<!DOCTYPE html><html><body><p>Hello $DevFirstName, go to "
            '<a href="$ConfirmUrl">this page</a>.</p></body></html>',
        }
    }
    admin.put(
        shop.url("/templates/passwordResetByAdminNotificationMessage"), params=V, json=custom
    ).raise_for_status()
    admin.post(shop.url("/users/styled/confirmations/password/send"), params=V).raise_for_status()
    [mail] = mailbox.wait_for(to=email)
    assert mail.subject == "Reset for Ann <b>&"
    assert "Hello Ann &lt;b&gt;&amp;" in mail.html
    assert "Hello Ann <b>&" in mail.text
    assert "/reset-password?token=" in mail.text
    admin.delete(
        shop.url("/templates/passwordResetByAdminNotificationMessage"),
        params=V,
        headers={"If-Match": "*"},
    ).raise_for_status()
    admin.post(shop.url("/users/styled/confirmations/password/send"), params=V).raise_for_status()
    second = mailbox.wait_for(2, to=email)[1]
    assert second.subject != mail.subject


def test_a_template_that_fails_on_real_values_sends_the_built_in_text(
    admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    """Saving proves a template with sample values; real ones can be larger. This one loops
    over the letters of a name, three deep: fine for the sample, over the loop budget for a
    long name. The reset still goes out, in the built-in words, and the call succeeds."""
    body = {
        "properties": {
            "email": "long@example.com",
            "firstName": "Lee",
            "lastName": "Wolfeschlegelsteinhausenbergerdorffvoralternwaren",
        }
    }
    admin.put(shop.url("/users/long"), params=V, json=body).raise_for_status()
    loops = "#foreach($a in $DevLastName)#foreach($b in $DevLastName)"
    custom = {
        "properties": {
            "subject": "Custom reset",
            "body": "<!DOCTYPE html><html><body><p>"
            f"{loops}#foreach($c in $DevLastName).#end#end#end"
            '<a href="$ConfirmUrl">reset</a></p></body></html>',
        }
    }
    saved = admin.put(
        shop.url("/templates/passwordResetByAdminNotificationMessage"), params=V, json=custom
    )
    assert saved.status_code in (200, 201), saved.text
    sent = admin.post(shop.url("/users/long/confirmations/password/send"), params=V)
    assert sent.status_code == 204, sent.text
    [mail] = mailbox.wait_for(to="long@example.com")
    assert mail.subject != "Custom reset"
    assert "/reset-password?token=" in mail.text
