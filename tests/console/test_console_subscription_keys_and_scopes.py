"""The console offers a subscription's keys only while a call can use them, now or once the
request is approved or the subscription activated again, and refuses a form that asks for
the keys of an ended or rejected one; a subscription that no product holds names its scope
as APIM's pages do (All APIs, API echo), not as a path."""

from __future__ import annotations

import httpx
import pytest
from support import catalog
from support.console import Person, logged, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.web.wording import scope_words


def setup(admin: httpx.Client, shop: ServiceRef) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    catalog.user(admin, shop, "ada", email="ada@example.com", firstName="Ada")


def page_of(person: Person, shop: ServiceRef, sid: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/subscriptions/{sid}")
    assert page.status_code == 200, page.text
    return page


@pytest.mark.parametrize("ended", ["cancelled", "rejected", "expired"])
def test_an_ended_subscription_offers_no_keys_and_a_form_for_them_is_refused(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, ended: str
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "gone", "/products/gold", owner="ada", state=ended)
    primary, secondary = catalog.keys(admin, shop, "gone")
    page = page_of(person, shop, "gone")
    assert f"The keys of a {ended} subscription no longer work" in page.text
    assert "Show primary key" not in page.text and "Regenerate primary key" not in page.text

    url = f"/console/{shop.name}/subscriptions/gone/keys"
    shown = person.submit(page, url, slot="primary", act="show")
    assert shown.status_code == 400
    assert f"The keys of a {ended} subscription no longer work." in shown.text
    assert primary not in shown.text
    again = person.submit(page, url, slot="secondary", act="regenerate", confirm="yes")
    assert again.status_code == 400 and secondary not in again.text
    assert catalog.keys(admin, shop, "gone") == (primary, secondary)
    audit = person.get(f"/console/{shop.name}/audit", action="subscription.re").text
    assert logged("subscription.reveal-primary-key") not in audit
    assert logged("subscription.regenerate-secondary-key") not in audit
    assert "No event matches." in audit


@pytest.mark.parametrize("held", ["submitted", "active", "suspended"])
def test_keys_are_offered_while_they_work_or_will(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, held: str
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    primary = catalog.subscription(admin, shop, "held", "/products/gold", owner="ada", state=held)
    page = page_of(person, shop, "held")
    assert "Show primary key" in page.text and "no longer work" not in page.text
    url = f"/console/{shop.name}/subscriptions/held/keys"
    shown = person.submit(page, url, slot="primary", act="show")
    assert shown.status_code == 200 and primary in shown.text


def test_scopes_without_a_product_are_named_as_apim_names_them(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    setup(admin, shop)
    catalog.subscription(admin, shop, "echo-only", "/apis/echo", owner="ada")
    listed = person.get(f"/console/{shop.name}/subscriptions").text
    assert "<td>All APIs</td>" in listed and "<td>API echo</td>" in listed
    built_in = page_of(person, shop, "master").text
    assert "<dt>Product</dt><dd>All APIs</dd>" in built_in
    assert "<dt>Product</dt><dd>API echo</dd>" in page_of(person, shop, "echo-only").text


def test_scope_words() -> None:
    assert scope_words("/") == "All APIs"
    assert scope_words("/apis/echo") == "API echo"
    # Anything else is shown as it is (a product's scope is shown by its product's name).
    assert scope_words("/products/gold") == "/products/gold"
    assert scope_words("/apis/") == "/apis/"
