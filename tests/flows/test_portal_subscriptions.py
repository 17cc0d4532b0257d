"""A developer's own subscriptions on the portal: the list, keys shown on request (audited,
never cached), regenerating a key (the old one then fails the gateway check), and nothing of
anyone else's."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from sqlalchemy import select
from support import catalog
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.models import AuditEvent

PASSWORD = "correct horse battery staple"


def arrange(admin: httpx.Client, shop: ServiceRef) -> dict[str, str]:
    """Users `dev` and `rival`; `dev` owns `mine` (product Gold), `rival` owns `theirs`."""
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo", displayName="Gold plan")
    for user in ("dev", "rival"):
        catalog.user(admin, shop, user, password=PASSWORD)
    return {
        "mine": catalog.subscription(admin, shop, "mine", "/products/gold", owner="dev"),
        "theirs": catalog.subscription(admin, shop, "theirs", "/products/gold", owner="rival"),
    }


def sign_in(browser: Browser, shop: ServiceRef, user: str) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    response = browser.submit(
        page, f"/portal/{shop.name}/signin", email=f"{user}@example.com", password=PASSWORD
    )
    assert response.status_code == 303, response.text


def gateway(app: InProcessServer, shop: ServiceRef, key: str) -> int:
    headers = {
        "X-Original-URI": "/echo/items",
        "X-Original-Method": "GET",
        "Ocp-Apim-Subscription-Key": key,
    }
    return httpx.get(f"{app.url}/gateway/{shop.name}/check", headers=headers).status_code


def test_list_shows_only_own_subscriptions_linked_from_home(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    sign_in(browser, shop, "dev")
    home = browser.get(f"/portal/{shop.name}/")
    assert f'href="/portal/{shop.name}/subscriptions"' in home.text
    page = browser.get(f"/portal/{shop.name}/subscriptions")
    assert page.status_code == 200
    assert f'href="/portal/{shop.name}/subscriptions/mine"' in page.text
    assert "Gold plan" in page.text and "active" in page.text
    assert "theirs" not in page.text


def test_keys_are_hidden_until_shown_and_showing_is_audited(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    keys = arrange(admin, shop)
    sign_in(browser, shop, "dev")
    url = f"/portal/{shop.name}/subscriptions/mine"
    page = browser.get(url)
    assert page.status_code == 200
    assert keys["mine"] not in page.text
    shown = browser.submit(page, f"{url}/keys")
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert keys["mine"] in shown.text
    _, secondary = catalog.keys(admin, shop, "mine")
    assert secondary in shown.text
    with app.runtime.database.unit_of_work(write=False) as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.instance_name == shop.name,
                AuditEvent.action == "subscription.list-secrets",
            )
        ).all()
    assert "user:dev" in actors


def test_regenerating_asks_first_then_old_key_fails_at_the_gateway(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    keys = arrange(admin, shop)
    old = keys["mine"]
    assert gateway(app, shop, old) == 200
    sign_in(browser, shop, "dev")
    url = f"/portal/{shop.name}/subscriptions/mine"
    confirm = browser.get(f"{url}/regenerate?key=primary")
    assert confirm.status_code == 200
    assert gateway(app, shop, old) == 200  # asking changes nothing
    done = browser.submit(confirm, f"{url}/regenerate", key="primary")
    assert done.status_code == 200, done.text
    assert 'role="status"' in done.text and "primary key" in done.text
    new, _ = catalog.keys(admin, shop, "mine")
    assert new != old
    assert gateway(app, shop, old) == 401
    assert gateway(app, shop, new) == 200
    assert gateway(app, shop, keys["theirs"]) == 200


def test_another_developers_subscription_is_not_found(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    keys = arrange(admin, shop)
    sign_in(browser, shop, "dev")
    own = browser.get(f"/portal/{shop.name}/subscriptions/mine")
    for path in ("theirs", "nosuch"):
        url = f"/portal/{shop.name}/subscriptions/{path}"
        assert browser.get(url).status_code == 404
        assert browser.get(f"{url}/regenerate?key=primary").status_code == 404
        for action, fields in (("keys", {}), ("regenerate", {"key": "primary"})):
            refused = browser.submit(own, f"{url}/{action}", **fields)
            assert refused.status_code == 404
            assert keys["theirs"] not in refused.text
            assert "Not found" in refused.text
    assert catalog.keys(admin, shop, "theirs")[0] == keys["theirs"]


def test_without_csrf_nothing_is_shown_or_changed(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    keys = arrange(admin, shop)
    sign_in(browser, shop, "dev")
    url = f"/portal/{shop.name}/subscriptions/mine"
    regenerate = browser.client.post(f"{url}/regenerate", data={"key": "primary"})
    assert regenerate.status_code == 403
    show = browser.client.post(f"{url}/keys", data={"csrf": "forged"})
    assert show.status_code == 403 and keys["mine"] not in show.text
    assert catalog.keys(admin, shop, "mine")[0] == keys["mine"]
    assert gateway(app, shop, keys["mine"]) == 200


def test_signed_out_and_blocked_users_are_sent_to_sign_in(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    signin = f"/portal/{shop.name}/signin"
    for path in ("subscriptions", "subscriptions/mine"):
        response = browser.get(f"/portal/{shop.name}/{path}")
        back = quote(f"/portal/{shop.name}/{path}", safe="")
        assert response.status_code == 303
        assert response.headers["location"] == f"{signin}?returnUrl={back}"
    sign_in(browser, shop, "dev")
    page = browser.get(f"/portal/{shop.name}/subscriptions/mine")
    assert page.status_code == 200
    catalog.patch(admin, shop, "/users/dev", {"state": "blocked"})
    for path in ("subscriptions", "subscriptions/mine"):
        response = browser.get(f"/portal/{shop.name}/{path}")
        back = quote(f"/portal/{shop.name}/{path}", safe="")
        assert response.status_code == 303
        assert response.headers["location"] == f"{signin}?returnUrl={back}"
    # A form sent without a session has no page to come back to: sign-in leads home.
    shown = browser.submit(page, f"/portal/{shop.name}/subscriptions/mine/keys")
    assert shown.status_code == 303 and shown.headers["location"] == signin


def test_keys_are_offered_only_where_a_call_can_use_them(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    for sid, state in (("asked", "submitted"), ("paused", "suspended"), ("ended", "cancelled")):
        catalog.subscription(admin, shop, sid, "/products/gold", owner="dev", state=state)
    sign_in(browser, shop, "dev")

    def page(sid: str) -> str:
        shown = browser.get(f"/portal/{shop.name}/subscriptions/{sid}")
        assert shown.status_code == 200, shown.text
        return shown.text

    for sid in ("mine", "paused"):  # active, and suspended until the publisher activates it
        assert "Show keys" in page(sid) and "Regenerate primary key" in page(sid)
    waiting = page("asked")
    assert "waits for the publisher's approval" in waiting
    assert "Show keys" not in waiting and "Regenerate" not in waiting
    ended = page("ended")
    assert "This subscription is cancelled: its keys no longer" in ended
    assert "Show keys" not in ended and "Regenerate" not in ended


def test_a_form_for_keys_the_page_does_not_offer_is_refused(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    arrange(admin, shop)
    held = {
        sid: catalog.subscription(admin, shop, sid, "/products/gold", owner="dev", state=state)
        for sid, state in (("asked", "submitted"), ("ended", "cancelled"))
    }
    sign_in(browser, shop, "dev")
    said = {"asked": "The keys come once the request is approved.", "ended": "no longer work."}
    for sid, key in held.items():
        url = f"/portal/{shop.name}/subscriptions/{sid}"
        page = browser.get(url)
        shown = browser.submit(page, f"{url}/keys")
        assert shown.status_code == 400 and said[sid] in shown.text
        assert key not in shown.text
        # The question before regenerating is not asked: the subscription's page says why.
        asked = browser.get(f"{url}/regenerate?key=primary")
        assert asked.status_code == 303 and asked.headers["location"] == url
        made = browser.submit(page, f"{url}/regenerate", key="primary")
        assert made.status_code == 400 and said[sid] in made.text
        assert catalog.keys(admin, shop, sid)[0] == key
