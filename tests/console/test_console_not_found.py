"""The console's 404 page keeps a signed-in operator's header, and the navigation of the
instance the address names when they manage it, so a mistyped or stale address is not a dead
end; an instance they do not manage is named nowhere on the page, and a visitor who is not
signed in gets the bare page."""

from __future__ import annotations

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

NAVIGATION = 'aria-label="Console"'


def nav_of(page: httpx.Response, service: str) -> bool:
    return NAVIGATION in page.text and f'href="/console/{service}/users"' in page.text


@pytest.mark.parametrize(
    "missing",
    [
        "users/nobody",  # a page's own lookup (PageNotFound, naming the user: below)
        "no-such-page",  # a path no route takes
        "subscriptions/none/regenerate",  # nor this one
    ],
)
def test_a_missing_page_of_a_managed_instance_keeps_its_navigation(
    app: InProcessServer, shop: ServiceRef, person: Person, missing: str
) -> None:
    email = signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/{missing}")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text or "<h1>No such user</h1>" in page.text
    assert nav_of(page, shop.name) and email in page.text and "Sign out" in page.text


def test_an_instance_the_operator_does_not_manage_is_named_nowhere(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    theirs = app.new_service(f"{shop.name}-x")
    email = signed_in_operator(app, person, shop.name)
    for address in (f"/console/{theirs.name}/users", f"/console/{theirs.name}/no-such-page"):
        page = person.get(address)
        assert page.status_code == 404
        assert email in page.text and NAVIGATION not in page.text
        assert theirs.name not in page.text


def test_a_visitor_not_signed_in_gets_the_bare_page(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    for address in (f"/console/{shop.name}/no-such-page", "/console/static/nothing.css"):
        page = person.get(address)
        assert page.status_code == 404 and "<h1>Not found</h1>" in page.text
        assert NAVIGATION not in page.text and "Sign out" not in page.text


def test_a_missing_asset_for_an_operator_keeps_the_header(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = signed_in_operator(app, person)
    page = person.get("/console/static/nothing.css")
    assert page.status_code == 404 and email in page.text and NAVIGATION not in page.text


@pytest.mark.parametrize(
    ("path", "title", "kind", "back", "listing"),
    [
        ("users/nobody", "No such user", "user", "users", "Users"),
        ("users/nobody/edit", "No such user", "user", "users", "Users"),
        ("groups/nobody", "No such group", "group", "groups", "Groups"),
        ("products/nobody", "No such product", "product", "products", "Products"),
        (
            "subscriptions/nobody",
            "No such subscription",
            "subscription",
            "subscriptions",
            "Subscriptions",
        ),
        ("apis/nobody", "No such API", "API", "apis", "APIs"),
        (
            "templates/nobody",
            "No such template",
            "e-mail template",
            "templates",
            "E-mail templates",
        ),
    ],
)
def test_a_missing_thing_of_a_managed_instance_is_named_with_the_way_back_to_its_list(
    app: InProcessServer,
    shop: ServiceRef,
    person: Person,
    path: str,
    title: str,
    kind: str,
    back: str,
    listing: str,
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/{path}")
    assert page.status_code == 404
    assert f"<h1>{title}</h1>" in page.text
    assert f"There is no {kind} &#39;nobody&#39; in {shop.name}." in page.text
    way_back = f'<p class="crumbs"><a href="/console/{shop.name}/{back}">← {listing}</a></p>'
    assert way_back in page.text
    assert f'href="/console/{shop.name}/{back}" aria-current="page"' in page.text


def test_a_missing_users_action_changes_nothing_and_names_the_user(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/users")
    gone = person.submit(page, f"/console/{shop.name}/users/nobody/block")
    assert gone.status_code == 404 and "There is no user &#39;nobody&#39;" in gone.text
