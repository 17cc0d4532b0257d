"""The portal's Products pages and subscribing: what each visitor's groups may see (Guests for
anyone not signed in), approval, the per-user limit and the terms; renaming and cancelling
one's own subscription; delegated subscriptions; and nothing of another developer's."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from sqlalchemy import select
from support import catalog
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.openssl import hmac_sha512_base64
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.models import AuditEvent

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def sign_in(browser: Browser, shop: ServiceRef, user: str) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    done = browser.submit(
        page, f"/portal/{shop.name}/signin", email=f"{user}@example.com", password=PASSWORD
    )
    assert done.status_code == 303, done.text


def link(admin: httpx.Client, shop: ServiceRef, product: str, group: str) -> None:
    admin.put(shop.url(f"/products/{product}/groups/{group}"), params=V).raise_for_status()


def arrange(admin: httpx.Client, shop: ServiceRef) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "open", "echo", displayName="Open plan")
    catalog.product(
        admin,
        shop,
        "gold",
        "echo",
        displayName="Gold plan",
        approvalRequired=True,
        subscriptionsLimit=1,
        terms="No <scraping>.",
    )
    catalog.product(admin, shop, "hidden", "echo", displayName="Hidden plan", state="notPublished")
    link(admin, shop, "open", "guests")
    link(admin, shop, "open", "developers")
    link(admin, shop, "gold", "developers")
    link(admin, shop, "hidden", "developers")
    for user in ("dev", "rival"):
        catalog.user(admin, shop, user, password=PASSWORD)


def delegate_subscriptions(admin: httpx.Client, shop: ServiceRef) -> bytes:
    """Turn subscription delegation on; the raw validation key the signatures use."""
    admin.patch(
        shop.url("/portalsettings/delegation"),
        params=V,
        headers={"If-Match": "*"},
        json={
            "properties": {"url": "https://publisher.example/d", "subscriptions": {"enabled": True}}
        },
    ).raise_for_status()
    secrets = admin.post(shop.url("/portalsettings/delegation/listSecrets"), params=V)
    return base64.b64decode(secrets.json()["validationKey"])


def state_of(admin: httpx.Client, shop: ServiceRef, sid: str) -> str:
    return str(admin.get(shop.url(f"/subscriptions/{sid}"), params=V).json()["properties"]["state"])


def expire(admin: httpx.Client, shop: ServiceRef, sid: str) -> None:
    admin.patch(
        shop.url(f"/subscriptions/{sid}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "expired"}},
    ).raise_for_status()


def subscribe(browser: Browser, shop: ServiceRef, product: str, **fields: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/products/{product}")
    assert page.status_code == 200, page.text
    return browser.submit(page, f"/portal/{shop.name}/products/{product}/subscribe", **fields)


def test_guests_and_developers_see_what_their_groups_see(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    guest = browser.get(f"/portal/{shop.name}/products")
    assert "Open plan" in guest.text and "Gold plan" not in guest.text
    assert browser.get(f"/portal/{shop.name}/products/gold").status_code == 404
    assert "Sign in</a> to subscribe" in browser.get(f"/portal/{shop.name}/products/open").text
    sign_in(browser, shop, "dev")
    listed = browser.get(f"/portal/{shop.name}/products").text
    assert "Open plan" in listed and "Gold plan" in listed and "Hidden plan" not in listed
    page = browser.get(f"/portal/{shop.name}/products/gold")
    assert "No &lt;scraping&gt;." in page.text and "/echo" in page.text
    assert browser.get(f"/portal/{shop.name}/products/hidden").status_code == 404


def test_subscribing_without_approval_gives_keys_at_once(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    sign_in(browser, shop, "dev")
    done = subscribe(browser, shop, "open", name="My <app>")
    assert done.status_code == 303, done.text
    page = browser.get(done.headers["location"])
    assert "You are subscribed" in page.text and "My &lt;app&gt;" in page.text
    sid = urlsplit(done.headers["location"]).path.rsplit("/", 1)[1]
    props = admin.get(shop.url(f"/subscriptions/{sid}"), params=V).json()["properties"]
    assert (props["state"], props["displayName"]) == ("active", "My <app>")
    assert props["ownerId"].endswith("/users/dev") and props["scope"].endswith("/products/open")


def test_approval_terms_and_the_limit(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, mailbox: Mailbox
) -> None:
    arrange(admin, shop)
    sign_in(browser, shop, "dev")
    no_terms = subscribe(browser, shop, "gold", name="Try")
    assert no_terms.status_code == 400 and "Accept the terms" in no_terms.text
    assert 'value="Try"' in no_terms.text
    requested = subscribe(browser, shop, "gold", name="Try", consent="yes")
    assert requested.status_code == 303
    assert "Your request is sent" in browser.get(requested.headers["location"]).text
    sid = urlsplit(requested.headers["location"]).path.rsplit("/", 1)[1]
    assert (
        admin.get(shop.url(f"/subscriptions/{sid}"), params=V).json()["properties"]["state"]
        == "submitted"
    )
    mailbox.wait_for(to="dev@example.com")
    over = subscribe(browser, shop, "gold", name="Second", consent="yes")
    assert over.status_code == 400
    assert "You already hold as many subscriptions to this product as it allows." in over.text
    mine = admin.get(
        shop.url("/subscriptions"), params={**V, "$filter": "productId eq 'gold'"}
    ).json()["value"]
    assert len(mine) == 1


def test_rename_and_cancel_own_subscription(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    key = catalog.subscription(admin, shop, "mine", "/products/open", owner="dev")
    sign_in(browser, shop, "dev")
    page = browser.get(f"/portal/{shop.name}/subscriptions/mine")
    renamed = browser.submit(page, f"/portal/{shop.name}/subscriptions/mine/rename", name="Prod")
    assert renamed.status_code == 303
    assert "The subscription was renamed." in browser.get(renamed.headers["location"]).text
    empty = browser.submit(page, f"/portal/{shop.name}/subscriptions/mine/rename", name=" ")
    assert empty.status_code == 400 and 'role="alert"' in empty.text
    before = admin.get(shop.url("/subscriptions"), params=V).json()["value"]
    for action, fields in (("rename", {"name": "Forged"}), ("cancel", {})):
        forged = browser.client.post(
            f"/portal/{shop.name}/subscriptions/mine/{action}", data={"csrf": "x", **fields}
        )
        assert forged.status_code == 403 and 'role="alert"' in forged.text, action
    no_form = browser.client.post(
        f"/portal/{shop.name}/products/open/subscribe", data={"name": "Forged"}
    )
    assert no_form.status_code == 403 and 'role="alert"' in no_form.text
    assert admin.get(shop.url("/subscriptions"), params=V).json()["value"] == before
    asked = browser.get(f"/portal/{shop.name}/subscriptions/mine/cancel")
    assert asked.status_code == 200 and "Cancel the subscription Prod?" in asked.text
    done = browser.submit(asked, f"/portal/{shop.name}/subscriptions/mine/cancel")
    assert done.status_code == 303
    props = admin.get(shop.url("/subscriptions/mine"), params=V).json()["properties"]
    assert (props["state"], props["displayName"]) == ("cancelled", "Prod")
    headers = {"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": key}
    assert httpx.get(f"{app.url}/gateway/{shop.name}/check", headers=headers).status_code == 403


def test_nothing_of_another_developer_can_be_seen_or_changed(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    theirs = catalog.subscription(admin, shop, "theirs", "/products/open", owner="rival")
    catalog.subscription(admin, shop, "mine", "/products/open", owner="dev")
    catalog.subscription(admin, shop, "their-old", "/products/open", owner="rival")
    expire(admin, shop, "their-old")
    delegate_subscriptions(admin, shop)  # so that Renew is offered at all
    sign_in(browser, shop, "dev")
    form_page = browser.get(f"/portal/{shop.name}/subscriptions/mine")
    renew = browser.submit(form_page, f"/portal/{shop.name}/subscriptions/their-old/renew")
    assert renew.status_code == 404 and "publisher.example" not in renew.headers.get("location", "")
    base = f"/portal/{shop.name}/subscriptions/theirs"
    assert browser.get(base).status_code == 404
    assert browser.get(f"{base}/cancel").status_code == 404
    assert browser.get(f"{base}/regenerate?key=primary").status_code == 404
    for action, fields in (
        ("keys", {}),
        ("regenerate", {"key": "primary"}),
        ("rename", {"name": "Stolen"}),
        ("cancel", {}),
    ):
        answer = browser.submit(form_page, f"{base}/{action}", **fields)
        assert answer.status_code == 404, action
        assert theirs not in answer.text
    props = admin.get(shop.url("/subscriptions/theirs"), params=V).json()["properties"]
    assert (props["state"], props["displayName"]) == ("active", "theirs")
    assert catalog.keys(admin, shop, "theirs")[0] == theirs
    assert "theirs" not in browser.get(f"/portal/{shop.name}/subscriptions").text


def test_delegated_subscriptions_go_to_the_publisher(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    catalog.subscription(admin, shop, "mine", "/products/open", owner="dev")
    sign_in(browser, shop, "dev")
    product_page = browser.get(f"/portal/{shop.name}/products/open")
    cancel_page = browser.get(f"/portal/{shop.name}/subscriptions/mine/cancel")
    key = delegate_subscriptions(admin, shop)
    sent = browser.submit(product_page, f"/portal/{shop.name}/products/open/subscribe", name="x")
    assert sent.status_code == 303
    query = parse_qs(urlsplit(sent.headers["location"]).query)
    assert (query["operation"], query["productId"], query["userId"]) == (
        ["Subscribe"],
        ["open"],
        ["dev"],
    )
    signed = f"{query['salt'][0]}\nopen\ndev"
    assert query["sig"] == [hmac_sha512_base64(key, signed)]
    gone = browser.submit(cancel_page, f"/portal/{shop.name}/subscriptions/mine/cancel")
    query = parse_qs(urlsplit(gone.headers["location"]).query)
    assert (query["operation"], query["subscriptionId"]) == (["Unsubscribe"], ["mine"])
    assert query["sig"] == [hmac_sha512_base64(key, f"{query['salt'][0]}\nmine")]
    assert (
        admin.get(shop.url("/subscriptions/mine"), params=V).json()["properties"]["state"]
        == "active"
    )


def test_an_expired_subscription_is_renewed_on_the_publishers_site(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    catalog.subscription(admin, shop, "old", "/products/open", owner="dev")
    catalog.subscription(admin, shop, "live", "/products/open", owner="dev")
    expire(admin, shop, "old")
    sign_in(browser, shop, "dev")
    here = f"/portal/{shop.name}/subscriptions"
    page = browser.get(f"{here}/old")
    assert "Renew subscription" not in page.text and "subscribe to it again" in page.text
    assert "Cancel subscription" not in page.text
    refused = browser.submit(page, f"{here}/old/renew")
    assert refused.status_code == 400 and "Renewal is not offered here" in refused.text
    assert 'role="alert"' in refused.text and state_of(admin, shop, "old") == "expired"

    key = delegate_subscriptions(admin, shop)
    page = browser.get(f"{here}/old")
    assert "Renew subscription" in page.text
    assert "Renew subscription" not in browser.get(f"{here}/live").text
    live = browser.submit(page, f"{here}/live/renew")
    assert live.status_code == 400 and "Only an expired subscription is renewed" in live.text
    forged = browser.client.post(f"{here}/old/renew", data={"csrf": "forged"})
    assert forged.status_code == 403 and "location" not in forged.headers
    sent = browser.submit(page, f"{here}/old/renew")
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    query = parse_qs(target.query)
    assert (target.netloc, target.path) == ("publisher.example", "/d")
    assert (query["operation"], query["subscriptionId"]) == (["Renew"], ["old"])
    assert query["sig"] == [hmac_sha512_base64(key, f"{query['salt'][0]}\nold")]
    assert "userId" not in query
    assert state_of(admin, shop, "old") == "expired"  # the publisher renews it, not the portal


def test_with_sign_in_required_anonymous_visitors_are_sent_to_sign_in(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    admin.put(
        shop.url("/portalsettings/signin"), params=V, json={"properties": {"enabled": True}}
    ).raise_for_status()
    for path in ("products", "products/open"):
        answer = browser.get(f"/portal/{shop.name}/{path}")
        back = quote(f"/portal/{shop.name}/{path}", safe="")
        wanted = f"/portal/{shop.name}/signin?returnUrl={back}"
        assert answer.status_code == 303 and answer.headers["location"] == wanted, path
    sign_in(browser, shop, "dev")
    assert "Open plan" in browser.get(f"/portal/{shop.name}/products").text
    assert browser.get(f"/portal/{shop.name}/products/open").status_code == 200


def test_subscribing_renaming_and_cancelling_are_audited_as_the_developer(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    sign_in(browser, shop, "dev")
    done = subscribe(browser, shop, "open", name="Audited")
    sid = urlsplit(done.headers["location"]).path.rsplit("/", 1)[1]
    page = browser.get(f"/portal/{shop.name}/subscriptions/{sid}")
    browser.submit(page, f"/portal/{shop.name}/subscriptions/{sid}/rename", name="Renamed")
    browser.submit(page, f"/portal/{shop.name}/subscriptions/{sid}/cancel")
    with app.runtime.database.unit_of_work(write=False) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.target, AuditEvent.changes)
            .where(AuditEvent.instance_name == shop.name, AuditEvent.target.contains(sid))
            .order_by(AuditEvent.id)
        ).all()
    assert [(action, actor, changes) for action, actor, _, changes in rows] == [
        (
            "subscription.create",
            "user:dev",
            {
                "scope": "/products/open",
                "ownerId": "dev",
                "state": "active",
                "displayName": "Audited",
            },
        ),
        ("subscription.update", "user:dev", {"displayName": "Renamed"}),
        ("subscription.update", "user:dev", {"state": "cancelled"}),
    ]
