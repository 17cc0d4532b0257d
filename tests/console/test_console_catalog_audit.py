"""Each successful action of the console's Groups, Products and APIs pages leaves one audit
event naming the operator (source console), the action and its target, as the Audit log page
shows them."""

from __future__ import annotations

import html
import re

import httpx
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.console.audit_words import action_words

PRODUCT = {"display_name": "Gold", "subscription_required": "on", "subscriptions_limit": ""}
API = {"display_name": "Echo", "path": "echo", "service_url": "", "subscription_required": "on"}

# (form action, fields, expected audit action, expected audit target), in order.
STEPS: list[tuple[str, dict[str, str], str, str]] = [
    ("groups/new", {"display_name": "Temp", "type": "custom"}, "group.create", "groups/temp"),
    (
        "groups/partners",
        {"display_name": "Partners Ltd", "description": ""},
        "group.update",
        "groups/partners",
    ),
    ("groups/partners/members", {"user": "bob@example.com"}, "group.member-add", "groups/partners"),
    ("groups/partners/members/remove", {"user": "ada"}, "group.member-remove", "groups/partners"),
    ("products/new", {**PRODUCT, "display_name": "Silver"}, "product.create", "products/silver"),
    ("products/gold", {**PRODUCT, "terms": "Be kind."}, "product.update", "products/gold"),
    ("products/gold/groups", {"group": "developers"}, "product.group-link", "products/gold"),
    (
        "products/gold/groups/remove",
        {"group": "partners"},
        "product.group-unlink",
        "products/gold",
    ),
    ("products/gold/apis", {"api": "other"}, "product.api-add", "products/gold"),
    ("products/gold/apis/remove", {"api": "echo"}, "product.api-remove", "products/gold"),
    ("apis/new", {**API, "display_name": "Fresh", "path": "fresh"}, "api.create", "apis/fresh"),
    ("apis/echo", {**API, "display_name": "Echo v2"}, "api.update", "apis/echo"),
    ("groups/temp/delete", {"confirm": "yes"}, "group.delete", "groups/temp"),
    (
        "products/silver/delete",
        {"confirm": "yes", "delete_subscriptions": "on"},
        "product.delete",
        "products/silver",
    ),
    ("apis/fresh/delete", {"confirm": "yes"}, "api.delete", "apis/fresh"),
]
ROW = re.compile(
    r'<tr[^>]*>\s*<td class="nowrap">[^<]*</td>\s*<td[^>]*>([^<]*)</td>\s*<td>([^<]*)</td>'
    r"\s*<td[^>]*>([^<]*)</td>"
)


def test_every_catalog_action_is_audited_with_the_operator_and_console_as_source(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.api(admin, shop, "other", "other")
    catalog.product(admin, shop, "gold", "echo")
    catalog.put(admin, shop, "/groups/partners", {"displayName": "Partners"})
    catalog.put(admin, shop, "/products/gold/groups/partners")
    catalog.user(admin, shop, "ada", email="ada@example.com")
    catalog.user(admin, shop, "bob", email="bob@example.com")
    catalog.put(admin, shop, "/groups/partners/users/ada")
    email = signed_in_operator(app, person, shop.name)
    page = person.get(f"/console/{shop.name}/groups")
    for path, fields, _, _ in STEPS:
        done = person.submit(page, f"/console/{shop.name}/{path}", **fields)
        assert done.status_code == 303, (path, done.status_code, done.text[-600:])
        assert 'role="status"' in person.follow(done).text, path

    log = person.get(f"/console/{shop.name}/audit", actor=f"console:{email}").text
    events = [tuple(html.unescape(cell).strip() for cell in row) for row in ROW.findall(log)]
    assert events, log
    for _, _, action, target in STEPS:
        shown = (f"{email} (console)", action_words(action), target)
        assert events.count(shown) == 1, (action, target, events)
    assert all(actor == f"{email} (console)" for actor, _, _ in events)
