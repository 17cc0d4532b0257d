"""The console's Products pages over HTTP: + Add product with approval, limit and terms,
publish, linked groups and APIs, delete after a question (with or without its
subscriptions); what the console saves is what the management API reads."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from support import catalog
from support.console import Person, logged, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
FORM = {"subscription_required": "on", "description": "", "terms": "", "subscriptions_limit": ""}


def create(person: Person, shop: ServiceRef, **fields: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/products/new")
    assert page.status_code == 200, page.text
    return person.submit(page, f"/console/{shop.name}/products/new", **{**FORM, **fields})


def wire(admin: httpx.Client, shop: ServiceRef, product: str) -> dict[str, object]:
    answer = admin.get(shop.url(f"/products/{product}"), params=V)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["properties"])


def test_a_product_with_approval_limit_terms_groups_and_apis(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    before = person.get(f"/console/{shop.name}/products")
    assert before.status_code == 200 and "+ Add product" in before.text
    made = create(
        person,
        shop,
        display_name="Gold plan",
        description="For partners",
        approval_required="on",
        subscriptions_limit="2",
        terms="Be <nice>.",
    )
    assert made.status_code == 303, made.text
    product = urlsplit(made.headers["location"]).path.rsplit("/", 1)[1]
    assert product == "gold-plan"
    page = person.follow(made)
    assert 'role="status">The product was added.' in page.text
    assert "Be &lt;nice&gt;." in page.text
    props = wire(admin, shop, product)
    assert (
        props["displayName"],
        props["approvalRequired"],
        props["subscriptionsLimit"],
        props["terms"],
        props["state"],
    ) == ("Gold plan", True, 2, "Be <nice>.", "notPublished")

    published = person.submit(
        page, f"/console/{shop.name}/products/{product}/state", state="published"
    )
    assert "The product is published" in person.follow(published).text
    assert wire(admin, shop, product)["state"] == "published"

    catalog.api(admin, shop, "echo", "echo")
    page = person.get(f"/console/{shop.name}/products/{product}")
    linked = person.submit(
        page, f"/console/{shop.name}/products/{product}/groups", group="developers"
    )
    assert "The group can now see the product." in person.follow(linked).text
    added = person.submit(page, f"/console/{shop.name}/products/{product}/apis", api="echo")
    assert "The API is part of the product." in person.follow(added).text
    groups = admin.get(shop.url(f"/products/{product}/groups"), params=V).json()["value"]
    apis = admin.get(shop.url(f"/products/{product}/apis"), params=V).json()["value"]
    assert [g["name"] for g in groups] == ["developers"] and [a["name"] for a in apis] == ["echo"]
    unlinked = person.submit(
        page, f"/console/{shop.name}/products/{product}/groups/remove", group="developers"
    )
    assert "no longer sees" in person.follow(unlinked).text
    removed = person.submit(
        page, f"/console/{shop.name}/products/{product}/apis/remove", api="echo"
    )
    assert person.follow(removed).status_code == 200
    assert admin.get(shop.url(f"/products/{product}/apis"), params=V).json()["value"] == []

    edited = person.submit(
        page,
        f"/console/{shop.name}/products/{product}",
        display_name="Gold",
        subscription_required="on",
        subscriptions_limit="",
        terms="",
        description="",
    )
    assert edited.status_code == 303
    props = wire(admin, shop, product)
    assert (props["displayName"], props["approvalRequired"], props.get("subscriptionsLimit")) == (
        "Gold",
        False,
        None,
    )
    audit = person.get(f"/console/{shop.name}/audit", action="product.").text
    assert logged("product.group-link") in audit and logged("product.api-add") in audit


def test_bad_input_saves_nothing(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    existing = admin.get(shop.url("/products"), params=V).json()["value"]
    limit = create(person, shop, display_name="Silver <i>", subscriptions_limit="many")
    assert limit.status_code == 400 and "whole number" in limit.text
    assert 'value="Silver &lt;i&gt;"' in limit.text and 'value="many"' in limit.text
    # A digit Python's str.isdigit takes and int() refuses: the same page, never a 500.
    superscript = create(person, shop, display_name="Silver", subscriptions_limit="²")
    assert superscript.status_code == 400 and "whole number" in superscript.text
    rule = create(
        person, shop, display_name="Free", subscription_required="", approval_required="on"
    )
    assert rule.status_code == 400
    assert "Requires approval needs Requires subscription." in rule.text
    assert "approvalRequired" not in rule.text
    nameless = create(person, shop, display_name="")
    assert nameless.status_code == 400
    assert "Display name is required." in nameless.text and "displayName" not in nameless.text
    assert admin.get(shop.url("/products"), params=V).json()["value"] == existing


def test_delete_asks_and_keeps_a_product_with_subscriptions_unless_told(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    catalog.user(admin, shop, "ada", email="ada@example.com")
    catalog.subscription(admin, shop, "ada-gold", "/products/gold", owner="ada")
    page = person.get(f"/console/{shop.name}/products/gold")
    asked = person.submit(page, f"/console/{shop.name}/products/gold/delete")
    assert asked.status_code == 200 and "It has 1 subscription." in asked.text
    assert "· 1 subscription</p>" in asked.text and "(s)" not in asked.text
    kept = person.submit(asked, f"/console/{shop.name}/products/gold/delete", confirm="yes")
    assert kept.status_code == 400 and "has 1 subscription" in kept.text
    assert "choose Delete subscriptions" in kept.text and "deleteSubscriptions" not in kept.text
    assert admin.get(shop.url("/products/gold"), params=V).status_code == 200
    gone = person.submit(
        asked,
        f"/console/{shop.name}/products/gold/delete",
        confirm="yes",
        delete_subscriptions="on",
    )
    assert "The product was deleted." in person.follow(gone).text
    assert admin.get(shop.url("/products/gold"), params=V).status_code == 404
    assert admin.get(shop.url("/subscriptions/ada-gold"), params=V).status_code == 404


def test_forms_need_their_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    existing = admin.get(shop.url("/products"), params=V).json()["value"]
    person.get(f"/console/{shop.name}/products/new")
    forged = person.client.post(f"/console/{shop.name}/products/new", data={"display_name": "F"})
    assert forged.status_code == 403
    assert admin.get(shop.url("/products"), params=V).json()["value"] == existing
    assert person.get(f"/console/{shop.name}/products/none").status_code == 404
    elsewhere = app.new_service(f"{shop.name}-p")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/products").status_code == 404
