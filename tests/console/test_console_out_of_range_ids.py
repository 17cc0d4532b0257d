"""A record id a request gives (a path segment, a paging position) past what an id column
holds (PostgreSQL's int4: 2,147,483,647) names no record: the page answers as for any id that
names nothing, never with a 500, and changes nothing. One checked conversion
(apidesk.domain.numbers) reads every such id."""

from __future__ import annotations

import re

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef
from support.snapshot import snapshot

from apidesk.domain import numbers
from apidesk.domain.context import Context
from apidesk.domain.notifications import outbox
from apidesk.errors import NotFound

V = {"api-version": "2024-05-01"}
PAST = ["2147483648", "9999999999", "999999999999999999", "0" * 30 + "2147483648", "0"]


def put(admin: httpx.Client, shop: ServiceRef, path: str, properties: dict[str, object]) -> None:
    answer = admin.put(shop.url(path), params=V, json={"properties": properties})
    assert answer.status_code in (200, 201), answer.text


def test_the_conversion_keeps_to_the_id_columns() -> None:
    assert numbers.record_id("2147483647") == 2147483647
    assert numbers.record_id("0002147483647") == 2147483647
    for text in [*PAST, "", "-1", "+1", " 1", "1_0", "²", "\u0661", "9" * 5000, None]:
        assert numbers.record_id(text) is None, text


def rows(page: httpx.Response) -> list[str]:
    return re.findall(r"<tr\b.*?</tr>", page.text, flags=re.S)


@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_subscription_list_position_past_any_id_is_no_position(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, direction: str
) -> None:
    put(admin, shop, "/users/ada", {"email": "ada@example.com", "firstName": "A", "lastName": "L"})
    put(admin, shop, "/products/gold", {"displayName": "Gold", "state": "published"})
    scope = {"scope": "/products/gold", "ownerId": "/users/ada", "displayName": "Ada's key"}
    put(admin, shop, "/subscriptions/s1", scope)
    signed_in_operator(app, person)
    first = person.get(f"/console/{shop.name}/subscriptions")
    assert first.status_code == 200 and "Ada&#39;s key" in first.text
    for text in PAST:
        page = person.get(f"/console/{shop.name}/subscriptions", **{direction: text})
        assert page.status_code == 200, (text, page.text[-500:])
        assert rows(page) == rows(first), text


def test_retrying_an_outbox_message_past_any_id_is_no_such_message(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/outbox")
    before = snapshot(app)
    for text in PAST:
        refused = person.submit(page, f"/console/{shop.name}/outbox/{text}/retry")
        assert refused.status_code == 400, (text, refused.status_code, refused.text[-500:])
        assert "no outbox message" in refused.text and "<!doctype html>" in refused.text.lower()
    assert snapshot(app) == before


def test_the_command_lines_outbox_takes_such_an_id_for_no_message(app: InProcessServer) -> None:
    # `apidesk outbox show|retry ID` reads its id as any int; the domain checks the range.
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "tests")
        for number in (2**31, 10**18, 0, -1):
            with pytest.raises(NotFound):
                outbox.get_or_raise(ctx, number)
            with pytest.raises(NotFound):
                outbox.retry(ctx, number)
