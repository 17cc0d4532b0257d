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
        "users/nobody",  # a page's own lookup (PageNotFound)
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
    assert "<h1>Not found</h1>" in page.text
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
