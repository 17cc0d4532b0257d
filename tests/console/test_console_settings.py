"""The console's Sign-up settings and Notifications pages, over HTTP as a browser without
JavaScript uses them; each change is checked where it matters: in the developer portal, in the
management API, in the audit log."""

from __future__ import annotations

import re

import httpx
from support.console import Person, logged, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
TERMS = "Be kind to the API. <b>No</b> scraping."


def settings_page(person: Person, shop: ServiceRef) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/signup-settings")
    assert page.status_code == 200, page.text
    return page


def save(person: Person, shop: ServiceRef, name: str, **fields: str) -> httpx.Response:
    return person.submit(
        settings_page(person, shop), f"/console/{shop.name}/signup-settings/{name}", **fields
    )


def wire(admin: httpx.Client, shop: ServiceRef, name: str) -> dict[str, object]:
    answer = admin.get(shop.url(f"/portalsettings/{name}"), params=V)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["properties"])


def test_sign_up_settings_close_sign_up_and_show_terms_with_consent(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    page = settings_page(person, shop)
    assert re.search(r'<input type="checkbox" name="enabled" checked> Enable sign-up', page.text)
    closed = save(person, shop, "signup", terms_text="")
    assert closed.status_code == 303
    assert 'role="status">The changes were saved.' in person.follow(closed).text
    assert wire(admin, shop, "signup")["enabled"] is False
    assert other_person.get(f"/portal/{shop.name}/signup").status_code in (403, 404)

    opened = save(
        person,
        shop,
        "signup",
        enabled="on",
        terms_text=TERMS,
        terms_enabled="on",
        terms_consent_required="on",
    )
    assert opened.status_code == 303
    assert wire(admin, shop, "signup") == {
        "enabled": True,
        "termsOfService": {"text": TERMS, "enabled": True, "consentRequired": True},
    }
    signup = other_person.get(f"/portal/{shop.name}/signup")
    assert signup.status_code == 200
    assert "&lt;b&gt;No&lt;/b&gt; scraping." in signup.text and 'name="consent"' in signup.text


def test_a_rule_broken_saves_nothing_and_keeps_what_was_typed(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    before = wire(admin, shop, "signup")
    refused = save(
        person,
        shop,
        "signup",
        enabled="on",
        terms_consent_required="on",
        terms_text="Draft <terms>",
    )
    assert refused.status_code == 400
    assert "Require consent needs Show terms of use on sign-up page." in refused.text
    assert "termsOfService" not in refused.text
    assert "Draft &lt;terms&gt;</textarea>" in refused.text
    assert wire(admin, shop, "signup") == before
    bad_url = save(person, shop, "delegation", url="ftp://example.com/x", subscriptions="on")
    assert bad_url.status_code == 400 and "absolute http or https URL" in bad_url.text
    assert wire(admin, shop, "delegation")["subscriptions"] == {"enabled": False}
    unknown = save(person, shop, "nonsense", enabled="on")
    assert unknown.status_code == 400 and "no portal setting" in unknown.text


def test_anonymous_visitors_are_sent_to_sign_in_when_asked(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person
) -> None:
    signed_in_operator(app, person)
    assert other_person.get(f"/portal/{shop.name}/").status_code == 200
    assert save(person, shop, "signin", enabled="on").status_code == 303
    sent = other_person.get(f"/portal/{shop.name}/")
    assert sent.status_code in (302, 303) and "/signin" in sent.headers["location"]
    assert save(person, shop, "signin").status_code == 303
    assert other_person.get(f"/portal/{shop.name}/").status_code == 200


def test_delegation_and_its_validation_key(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    first = settings_page(person, shop).text
    assert "No key yet" in first
    assert "Delegate sign-in and sign-up</label>" in first and "docs/portal.md" not in first
    done = save(
        person,
        shop,
        "delegation",
        url="https://publisher.example/delegate",
        user_registration="on",
    )
    assert done.status_code == 303
    hand_off = other_person.get(f"/portal/{shop.name}/signin")
    assert hand_off.status_code in (302, 303)
    assert hand_off.headers["location"].startswith("https://publisher.example/delegate?")

    page = settings_page(person, shop)
    assert "A key is set" in page.text and 'id="validation-key"' not in page.text
    shown = person.submit(page, f"/console/{shop.name}/signup-settings/key")
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    key = re.search(r'<code class="link" id="validation-key">([^<]+)</code>', shown.text)
    assert key is not None
    secrets = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V).json()
    assert secrets["validationKey"] == key.group(1)

    asked = person.submit(page, f"/console/{shop.name}/signup-settings/key/new")
    assert asked.status_code == 200 and "Replace the validation key?" in asked.text
    assert admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V).json()[
        "validationKey"
    ] == key.group(1)  # only asked, nothing changed yet
    replaced = person.submit(asked, f"/console/{shop.name}/signup-settings/key/new", confirm="yes")
    assert replaced.status_code == 303
    assert "signatures made with the old one fail" in person.follow(replaced).text
    after = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V).json()
    assert after["validationKey"] != key.group(1)

    audit = person.get(f"/console/{shop.name}/audit", action="portalsettings.delegation").text
    assert logged("portalsettings.delegation.list-secrets") in audit
    assert key.group(1) not in audit and after["validationKey"] not in audit


def test_the_forms_need_their_csrf_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    settings_page(person, shop)
    forged = person.client.post(
        f"/console/{shop.name}/signup-settings/signup", data={"terms_text": ""}
    )
    assert forged.status_code == 403
    assert wire(admin, shop, "signup")["enabled"] is True
    elsewhere = app.new_service(f"{shop.name}-x")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/signup-settings").status_code == 404
    assert other_person.get(f"/console/{shop.name}/notifications").status_code == 404


def notifications_page(person: Person, shop: ServiceRef) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/notifications")
    assert page.status_code == 200, page.text
    return page


def recipients(admin: httpx.Client, shop: ServiceRef, name: str) -> tuple[list[str], list[str]]:
    base = f"/notifications/{name}"
    emails = admin.get(shop.url(f"{base}/recipientEmails"), params=V).json()["value"]
    users = admin.get(shop.url(f"{base}/recipientUsers"), params=V).json()["value"]
    return (
        sorted(item["properties"]["userId"].rsplit("/", 1)[1] for item in users),
        sorted(item["name"] for item in emails),
    )


def test_notification_recipients_are_added_and_removed(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    admin.put(
        shop.url("/users/nosy"),
        params=V,
        json={
            "properties": {
                "email": "nosy@example.com",
                "firstName": "<script>x</script>",
                "lastName": "Nosy",
            }
        },
    ).raise_for_status()
    name = "RequestPublisherNotificationMessage"
    page = notifications_page(person, shop)
    for title in (
        "Subscription requests (requiring approval)",
        "New subscriptions",
        "BCC",
        "Close account message",
    ):
        assert title in page.text
    users_before, emails_before = recipients(admin, shop, name)

    added = person.submit(
        page, f"/console/{shop.name}/notifications/{name}/add", email="ops@example.org"
    )
    assert added.status_code == 303
    assert 'role="status">The recipient was added.' in person.follow(added).text
    as_user = person.submit(
        page, f"/console/{shop.name}/notifications/{name}/add", email="NOSY@example.com"
    )
    assert as_user.status_code == 303
    assert recipients(admin, shop, name) == (
        sorted([*users_before, "nosy"]),
        sorted([*emails_before, "ops@example.org"]),
    )
    again = person.submit(
        page, f"/console/{shop.name}/notifications/{name}/add", email="ops@example.org"
    )
    assert "Nothing needed to change" in person.follow(again).text
    shown = notifications_page(person, shop).text
    assert "&lt;script&gt;x&lt;/script&gt; Nosy" in shown and "<script>x" not in shown

    bad = person.submit(page, f"/console/{shop.name}/notifications/{name}/add", email="not-mail")
    assert bad.status_code == 400 and 'value="not-mail"' in bad.text
    unknown = person.submit(
        page, f"/console/{shop.name}/notifications/Nope/add", email="a@example.com"
    )
    assert unknown.status_code == 400
    assert recipients(admin, shop, name)[1] == sorted([*emails_before, "ops@example.org"])

    gone = person.submit(
        page, f"/console/{shop.name}/notifications/{name}/remove", email="ops@example.org"
    )
    assert "The recipient was removed." in person.follow(gone).text
    gone_user = person.submit(
        page, f"/console/{shop.name}/notifications/{name}/remove", user="nosy"
    )
    assert gone_user.status_code == 303
    assert recipients(admin, shop, name) == (users_before, emails_before)
    audit = person.get(f"/console/{shop.name}/audit", action="notification.").text
    assert logged("notification.add-email") in audit
    assert logged("notification.remove-user") in audit
