"""Every state-changing form of the console's Groups, Products and APIs pages refuses a post
without the page's CSRF token (400) and answers 404 to an operator limited to another
instance; neither changes anything the management API reads. Edits refused for bad input
leave the entity as it was (no half-saved form)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
GROUP = {"display_name": "X", "description": "x", "type": "custom", "external_id": ""}
PRODUCT = {"display_name": "X", "subscription_required": "on", "subscriptions_limit": "3"}
API = {"display_name": "X", "path": "x", "service_url": "", "subscription_required": "on"}

# Each state-changing action of the three pages, with a form that would succeed.
ACTIONS: list[tuple[str, dict[str, str]]] = [
    ("groups/new", GROUP),
    ("groups/partners", {"display_name": "Renamed", "description": ""}),
    ("groups/partners/delete", {"confirm": "yes"}),
    ("groups/partners/members", {"user": "bob@example.com"}),
    ("groups/partners/members/remove", {"user": "ada"}),
    ("products/new", PRODUCT),
    ("products/gold", {**PRODUCT, "display_name": "Renamed"}),
    ("products/gold/state", {"state": "notPublished"}),
    ("products/gold/delete", {"confirm": "yes", "delete_subscriptions": "on"}),
    ("products/gold/groups", {"group": "developers"}),
    ("products/gold/groups/remove", {"group": "partners"}),
    ("products/gold/apis", {"api": "other"}),
    ("products/gold/apis/remove", {"api": "echo"}),
    ("apis/new", API),
    ("apis/echo", {**API, "display_name": "Renamed", "path": "echo"}),
    ("apis/echo/delete", {"confirm": "yes"}),
]


def catalog_state(admin: httpx.Client, shop: ServiceRef) -> dict[str, Any]:
    """What the management API reads of the catalog: groups with members, products with
    their groups and APIs, APIs."""

    def read(path: str) -> Any:
        answer = admin.get(shop.url(path), params=V)
        assert answer.status_code == 200, answer.text
        return answer.json()

    state: dict[str, Any] = {}
    for kind in ("groups", "products", "apis"):
        for item in read(f"/{kind}")["value"]:
            state[f"{kind}/{item['name']}"] = item["properties"]
    state["members"] = [u["name"] for u in read("/groups/partners/users")["value"]]
    state["product groups"] = [g["name"] for g in read("/products/gold/groups")["value"]]
    state["product apis"] = [a["name"] for a in read("/products/gold/apis")["value"]]
    return state


@pytest.fixture
def stocked(admin: httpx.Client, shop: ServiceRef) -> ServiceRef:
    catalog.api(admin, shop, "echo", "echo")
    catalog.api(admin, shop, "other", "other")
    catalog.product(admin, shop, "gold", "echo")
    catalog.put(admin, shop, "/groups/partners", {"displayName": "Partners"})
    catalog.put(admin, shop, "/products/gold/groups/partners")
    catalog.user(admin, shop, "ada", email="ada@example.com")
    catalog.user(admin, shop, "bob", email="bob@example.com")
    catalog.put(admin, shop, "/groups/partners/users/ada")
    return shop


def test_no_action_without_the_forms_token(
    app: InProcessServer, stocked: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person, stocked.name)
    before = catalog_state(admin, stocked)
    for path, fields in ACTIONS:
        refused = person.client.post(f"/console/{stocked.name}/{path}", data=fields)
        assert refused.status_code == 403, (path, refused.status_code)
        assert "<nav" in refused.text, path  # the console's own styled page
    for path, fields in ACTIONS:
        forged = person.client.post(
            f"/console/{stocked.name}/{path}", data={"csrf": "not-the-token", **fields}
        )
        assert forged.status_code == 403, (path, forged.status_code)
        assert "Form not accepted" in forged.text and "<nav" in forged.text, path
    assert catalog_state(admin, stocked) == before


def test_an_operator_of_another_instance_gets_404_and_changes_nothing(
    app: InProcessServer,
    stocked: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    elsewhere = app.new_service(f"{stocked.name}-x")
    signed_in_operator(app, other_person, elsewhere.name)
    own = other_person.get(f"/console/{elsewhere.name}/groups")
    assert own.status_code == 200
    before = catalog_state(admin, stocked)
    for path in ("groups/partners", "products/gold", "apis/echo", "groups/new", "apis/new"):
        assert other_person.get(f"/console/{stocked.name}/{path}").status_code == 404, path
    for path, fields in ACTIONS:
        answer = other_person.submit(own, f"/console/{stocked.name}/{path}", **fields)
        assert answer.status_code == 404, (path, answer.status_code)
    assert catalog_state(admin, stocked) == before

    # The same forms from the instance's own operator do change it: the guards above are what
    # refused them.
    signed_in_operator(app, person, stocked.name)
    page = person.get(f"/console/{stocked.name}/groups/partners")
    added = person.submit(
        page, f"/console/{stocked.name}/groups/partners/members", user="bob@example.com"
    )
    assert added.status_code == 303
    assert catalog_state(admin, stocked)["members"] == ["ada", "bob"]


def test_refused_edits_leave_the_entity_as_it_was(
    app: InProcessServer, stocked: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person, stocked.name)
    before = catalog_state(admin, stocked)
    page = person.get(f"/console/{stocked.name}/products/gold")
    edits = [
        ("products/gold", {**PRODUCT, "display_name": "Renamed", "subscriptions_limit": "-1"}),
        (
            "products/gold",
            {"display_name": "Renamed", "subscription_required": "", "approval_required": "on"},
        ),
        ("apis/echo", {**API, "display_name": "Renamed", "path": "other"}),
        ("apis/echo", {**API, "display_name": "Renamed", "path": "echo", "service_url": "ftp:x"}),
        ("groups/partners", {"display_name": "", "description": "Renamed"}),
        ("groups/partners/members", {"user": "nobody@example.com"}),
        ("products/gold/groups", {"group": "no-such-group"}),
        ("products/gold/apis", {"api": "no-such-api"}),
    ]
    for path, fields in edits:
        refused = person.submit(page, f"/console/{stocked.name}/{path}", **fields)
        assert refused.status_code in (400, 404, 409), (path, refused.status_code)
        assert "<nav" in refused.text and 'role="alert"' in refused.text, path
    assert catalog_state(admin, stocked) == before
