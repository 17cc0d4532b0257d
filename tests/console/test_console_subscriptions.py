"""The console's Subscriptions pages over HTTP: filter and page, approve or reject a request
(the developer hears, with the reason), suspend, activate and cancel, and the keys: hidden
until shown (each look audited, never cached), regenerated after a question, after which the
key check refuses the old key."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import update
from support import catalog
from support.console import Person, logged, signed_in_operator
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

from apidesk.storage.models import Subscription

V = {"api-version": "2024-05-01"}


def check(app: InProcessServer, shop: ServiceRef, key: str) -> int:
    headers = {"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key}
    with app.portal() as http:
        return http.get(f"/gateway/{shop.name}/check", headers=headers).status_code


def state(admin: httpx.Client, shop: ServiceRef, sid: str) -> dict[str, object]:
    answer = admin.get(shop.url(f"/subscriptions/{sid}"), params=V)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["properties"])


def page_of(person: Person, shop: ServiceRef, sid: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/subscriptions/{sid}")
    assert page.status_code == 200, page.text
    return page


def act(person: Person, shop: ServiceRef, sid: str, **fields: str) -> httpx.Response:
    return person.submit(
        page_of(person, shop, sid), f"/console/{shop.name}/subscriptions/{sid}/state", **fields
    )


def setup(admin: httpx.Client, shop: ServiceRef) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo", approvalRequired=True)
    catalog.user(admin, shop, "ada", email="ada@example.com", firstName="Ada")


def test_approve_and_reject_requests_and_the_developer_hears(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, mailbox: Mailbox
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "ada-1", "/products/gold", owner="ada", state="submitted")
    catalog.subscription(admin, shop, "ada-2", "/products/gold", owner="ada", state="submitted")
    listed = person.get(f"/console/{shop.name}/subscriptions", state="submitted").text
    assert "ada-1" in listed and "ada-2" in listed

    approved = act(person, shop, "ada-1", act="approve")
    assert approved.status_code == 303
    assert "The subscription is approved" in person.follow(approved).text
    assert state(admin, shop, "ada-1")["state"] == "active"
    mailbox.wait_for(to="ada@example.com", subject="Your subscription to the gold")
    # The publisher's recipients get a link to the subscription's page in the console.
    (notice,) = mailbox.wait_for(subject="New subscription to gold")
    assert f"/console/{shop.name}/subscriptions/ada-1" in notice.text

    # Rejecting cannot be undone: the page asks first, with the reason it will send.
    asked = act(person, shop, "ada-2", act="reject", reason="Partners <only>.")
    assert asked.status_code == 200 and "Reject the request for ada-2?" in asked.text
    assert "<q>Partners &lt;only&gt;.</q>" in asked.text
    assert state(admin, shop, "ada-2")["state"] == "submitted"
    rejected = person.submit(
        asked,
        f"/console/{shop.name}/subscriptions/ada-2/state",
        act="reject",
        reason="Partners <only>.",
        confirm="yes",
    )
    assert "The request is rejected" in person.follow(rejected).text
    props = state(admin, shop, "ada-2")
    assert (props["state"], props["stateComment"]) == ("rejected", "Partners <only>.")
    (mail,) = mailbox.wait_for(to="ada@example.com", subject="Your subscription request for")
    assert "Partners <only>." in mail.text
    # A rejected request offers no more actions; a forged one is refused and changes nothing.
    again = act(person, shop, "ada-2", act="approve")
    assert again.status_code == 400 and state(admin, shop, "ada-2")["state"] == "rejected"
    active_only = person.get(f"/console/{shop.name}/subscriptions", state="active").text
    assert "ada-1" in active_only and "ada-2" not in active_only
    audit = person.get(f"/console/{shop.name}/audit", action="subscription.update").text
    assert "subscriptions/ada-2" in audit and " (console)</td>" in audit


def test_suspend_activate_and_cancel_decide_the_key_check(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    key = catalog.subscription(admin, shop, "ada-s", "/products/gold", owner="ada")
    assert check(app, shop, key) == 200
    suspended = act(person, shop, "ada-s", act="suspend")
    assert "suspended" in person.follow(suspended).text
    assert check(app, shop, key) == 403
    act(person, shop, "ada-s", act="activate")
    assert check(app, shop, key) == 200
    shown = page_of(person, shop, "ada-s").text
    assert ">Suspend</button>" in shown and ">Cancel subscription</button>" in shown
    asked = act(person, shop, "ada-s", act="cancel")
    assert asked.status_code == 200 and "Cancel the subscription" in asked.text
    assert state(admin, shop, "ada-s")["state"] == "active"
    done = person.submit(
        asked, f"/console/{shop.name}/subscriptions/ada-s/state", act="cancel", confirm="yes"
    )
    assert "The subscription is cancelled." in person.follow(done).text
    assert check(app, shop, key) == 403


def test_keys_are_shown_on_request_and_regenerated_after_a_question(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    primary = catalog.subscription(admin, shop, "ada-k", "/products/gold", owner="ada")
    page = page_of(person, shop, "ada-k")
    assert primary not in page.text and page.headers["cache-control"] == "no-store"
    shown = person.submit(
        page, f"/console/{shop.name}/subscriptions/ada-k/keys", slot="primary", act="show"
    )
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert f'<code id="key-primary" class="link">{primary}</code>' in shown.text
    assert 'data-copy="key-primary"' in shown.text
    audit = person.get(f"/console/{shop.name}/audit", action="subscription.reveal").text
    assert logged("subscription.reveal-primary-key") in audit and primary not in audit

    asked = person.submit(
        page, f"/console/{shop.name}/subscriptions/ada-k/keys", slot="primary", act="regenerate"
    )
    assert "Regenerate the primary key?" in asked.text
    assert catalog.keys(admin, shop, "ada-k")[0] == primary
    done = person.submit(
        asked,
        f"/console/{shop.name}/subscriptions/ada-k/keys",
        slot="primary",
        act="regenerate",
        confirm="yes",
    )
    assert "A new primary key is in place" in person.follow(done).text
    fresh = catalog.keys(admin, shop, "ada-k")[0]
    assert fresh != primary
    assert check(app, shop, primary) == 401 or check(app, shop, primary) == 403
    assert check(app, shop, fresh) == 200
    bad = person.submit(
        page, f"/console/{shop.name}/subscriptions/ada-k/keys", slot="tertiary", act="show"
    )
    assert bad.status_code == 400


def test_paging_and_filters(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.user(admin, shop, "bob", email="bob@example.com")
    for n in range(30):
        catalog.subscription(
            admin, shop, f"s{n:02}", "/products/gold", owner="ada" if n % 3 else "bob"
        )
    first = person.get(f"/console/{shop.name}/subscriptions", product="gold")
    names = re.findall(r">(s\d\d)</a>", first.text)
    assert names == [f"s{n:02}" for n in range(29, 4, -1)]
    following = re.search(r'href="\?([^"]*after=[^"]*)">Next<', first.text)
    assert following is not None
    second = person.get(
        f"/console/{shop.name}/subscriptions?{following.group(1).replace('&amp;', '&')}"
    )
    assert re.findall(r">(s\d\d)</a>", second.text) == [f"s{n:02}" for n in range(4, -1, -1)]
    bobs = person.get(f"/console/{shop.name}/subscriptions", owner="BOB@example.com")
    assert re.findall(r">(s\d\d)</a>", bobs.text) == [f"s{n:02}" for n in range(27, -1, -3)]
    nobody = person.get(f"/console/{shop.name}/subscriptions", owner="zed@example.com")
    assert "No subscription matches" in nobody.text


def test_forms_need_their_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    key = catalog.subscription(admin, shop, "ada-f", "/products/gold", owner="ada")
    page_of(person, shop, "ada-f")
    forged = person.client.post(
        f"/console/{shop.name}/subscriptions/ada-f/state", data={"act": "suspend"}
    )
    assert forged.status_code == 403 and state(admin, shop, "ada-f")["state"] == "active"
    peek = person.client.post(
        f"/console/{shop.name}/subscriptions/ada-f/keys", data={"slot": "primary", "act": "show"}
    )
    assert peek.status_code == 403 and key not in peek.text
    assert person.get(f"/console/{shop.name}/subscriptions/none").status_code == 404
    elsewhere = app.new_service(f"{shop.name}-s")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/subscriptions/ada-f").status_code == 404


def test_search_by_name_and_names_are_text(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "mobile-app", "/products/gold", owner="ada")
    catalog.subscription(admin, shop, "web_shop", "/products/gold", owner="ada")
    catalog.put(
        admin,
        shop,
        "/subscriptions/evil",
        {"scope": "/products/gold", "displayName": "<script>alert(1)</script> 100%"},
    )
    found = person.get(f"/console/{shop.name}/subscriptions", search="MOBILE").text
    assert "mobile-app" in found and "web_shop" not in found
    # '_' and '%' are searched as themselves, not as wildcards.
    assert "web_shop" in person.get(f"/console/{shop.name}/subscriptions", search="b_s").text
    assert "web_shop" not in person.get(f"/console/{shop.name}/subscriptions", search="b%s").text
    evil = person.get(f"/console/{shop.name}/subscriptions", search="100%").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 100%" in evil and "<script>alert" not in evil
    assert "mobile-app" not in evil
    page = page_of(person, shop, "evil").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    rejected = person.get(f"/console/{shop.name}/subscriptions", search="nothing-like-it").text
    assert "No subscription matches" in rejected


def test_the_secondary_key_is_shown_and_regenerated_on_its_own(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "ada-2k", "/products/gold", owner="ada")
    primary, secondary = catalog.keys(admin, shop, "ada-2k")
    page = page_of(person, shop, "ada-2k")
    assert secondary not in page.text
    url = f"/console/{shop.name}/subscriptions/ada-2k/keys"
    shown = person.submit(page, url, slot="secondary", act="show")
    assert shown.headers["cache-control"] == "no-store"
    assert secondary in shown.text and primary not in shown.text
    audit = person.get(f"/console/{shop.name}/audit", action="subscription.reveal").text
    assert logged("subscription.reveal-secondary-key") in audit and secondary not in audit
    asked = person.submit(page, url, slot="secondary", act="regenerate")
    done = person.submit(asked, url, slot="secondary", act="regenerate", confirm="yes")
    assert "A new secondary key is in place" in person.follow(done).text
    assert catalog.keys(admin, shop, "ada-2k")[0] == primary
    assert catalog.keys(admin, shop, "ada-2k")[1] != secondary
    assert check(app, shop, secondary) in (401, 403)
    assert check(app, shop, primary) == 200


def test_another_instances_operator_changes_nothing(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    other_person: Person,
) -> None:
    setup(admin, shop)
    key = catalog.subscription(admin, shop, "ada-x", "/products/gold", owner="ada")
    elsewhere = app.new_service(f"{shop.name}-x")
    signed_in_operator(app, other_person, elsewhere.name)
    own = other_person.get(f"/console/{elsewhere.name}/subscriptions")
    assert own.status_code == 200
    theirs = f"/console/{shop.name}/subscriptions/ada-x"
    assert other_person.submit(own, f"{theirs}/state", act="suspend").status_code == 404
    shown = other_person.submit(own, f"{theirs}/keys", slot="primary", act="show")
    assert shown.status_code == 404 and key not in shown.text
    again = other_person.submit(
        own, f"{theirs}/keys", slot="primary", act="regenerate", confirm="yes"
    )
    assert again.status_code == 404
    assert state(admin, shop, "ada-x")["state"] == "active"
    assert catalog.keys(admin, shop, "ada-x")[0] == key
    assert check(app, shop, key) == 200


def test_a_reason_too_long_is_refused_in_the_words_of_the_form(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, mailbox: Mailbox
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "ada-l", "/products/gold", owner="ada", state="submitted")
    refused = act(person, shop, "ada-l", act="reject", reason="No. " * 3000)
    assert refused.status_code == 400
    assert 'role="alert">The reason must be at most 10000 characters' in refused.text
    assert "stateComment" not in refused.text
    assert "No. No. No." in refused.text  # what was typed is still in the form
    assert state(admin, shop, "ada-l")["state"] == "submitted"
    assert not mailbox.messages


def test_a_subscription_without_a_display_name_is_named_by_its_product_and_owner(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    """Not by its id (a hex string a developer's portal subscription gets): the id stays
    beside it, in muted text."""
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.user(admin, shop, "bob", email="bob@example.com", firstName="Bob", lastName="B")
    catalog.subscription(admin, shop, "0f3a9c", "/products/gold", owner="bob")
    with app.runtime.database.unit_of_work() as session:
        session.execute(
            update(Subscription).where(Subscription.name == "0f3a9c").values(display_name=None)
        )
    listed = person.get(f"/console/{shop.name}/subscriptions", owner="bob").text
    assert re.search(r'0f3a9c">gold · Bob B</a><div class="hint">0f3a9c</div>', listed), listed
    page = page_of(person, shop, "0f3a9c").text
    assert re.search(r"<h1>gold · Bob B <span", page)
    assert "<title>gold · Bob B · Subscriptions" in page
    mine = person.get(f"/console/{shop.name}/users/bob").text
    assert '0f3a9c">gold</a><div class="hint">0f3a9c</div>' in mine
