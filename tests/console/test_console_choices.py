"""A form field that names one of a page's choices (a Publish button's state, a key's Show or
Regenerate, a ticked box) is refused with the console's styled 400 page when it names
something else or nothing, and nothing changes: an unknown value is never acted on as if
it were one of the choices."""

from __future__ import annotations

import re

import httpx
import pytest
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
STYLED = '<link rel="stylesheet"'


def send(person: Person, page: str, action: str, **fields: str) -> httpx.Response:
    shown = person.get(page)
    assert shown.status_code == 200, shown.text
    return person.submit(shown, action, **fields)


def refused(answer: httpx.Response) -> None:
    assert answer.status_code == 400, (answer.status_code, answer.text)
    assert STYLED in answer.text


def state(admin: httpx.Client, shop: ServiceRef, product: str) -> str:
    answer = admin.get(shop.url(f"/products/{product}"), params=V)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["properties"]["state"])


@pytest.mark.parametrize("sent", [{}, {"state": "bogus"}, {"state": "PUBLISHED"}])
def test_a_product_state_that_is_not_a_choice_changes_nothing(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    sent: dict[str, str],
) -> None:
    signed_in_operator(app, person)
    catalog.product(admin, shop, "gold")
    here = f"/console/{shop.name}/products/gold"
    refused(send(person, here, f"{here}/state", **sent))
    assert state(admin, shop, "gold") == "published"
    # The page's own buttons still work.
    done = send(person, here, f"{here}/state", state="notPublished")
    assert done.status_code == 303 and state(admin, shop, "gold") == "notPublished"


def test_a_key_action_that_is_not_a_choice_shows_and_changes_nothing(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    catalog.user(admin, shop, "ada")
    primary = catalog.subscription(admin, shop, "s1", "/apis", owner="ada")
    here = f"/console/{shop.name}/subscriptions/s1"
    for sent in ({"slot": "primary", "act": "bogus"}, {"slot": "primary"}):
        answer = send(person, here, f"{here}/keys", **sent)
        refused(answer)
        assert primary not in answer.text
        assert catalog.keys(admin, shop, "s1")[0] == primary
    shown = send(person, here, f"{here}/keys", slot="primary", act="show")
    assert shown.status_code == 200 and primary in shown.text


def test_a_box_sent_with_a_value_a_browser_never_sends_changes_nothing(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    new = f"/console/{shop.name}/products/new"
    before = admin.get(shop.url("/products"), params=V).json()["value"]
    refused(send(person, new, new, display_name="Odd box", subscription_required="yes"))
    assert admin.get(shop.url("/products"), params=V).json()["value"] == before

    settings = f"/console/{shop.name}/signup-settings"
    page = person.get(settings)
    assert page.status_code == 200, page.text
    action = re.search(r'action="([^"]*/signup-settings/signup)"', page.text)
    assert action, page.text
    wire = admin.get(shop.url("/portalsettings/signup"), params=V).json()["properties"]
    refused(person.submit(page, action.group(1), enabled="true"))
    assert admin.get(shop.url("/portalsettings/signup"), params=V).json()["properties"] == wire
