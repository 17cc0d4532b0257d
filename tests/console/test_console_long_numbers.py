"""A whole number typed into a form or sent in a request may be thousands of digits long;
`int()` refuses more than 4,300 (a ValueError) and PostgreSQL's int4 anything past
2,147,483,647. Every such number goes through one bounded parser
(apidesk.domain.numbers.whole: ASCII digits and their count checked before `int()`), so
it gets its field's usual problem, a 4xx, and nothing is saved."""

from __future__ import annotations

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef
from support.snapshot import snapshot

from apidesk.api.management.routes.services import _host_and_port
from apidesk.domain import numbers

V = {"api-version": "2024-05-01"}
FORM = {"subscription_required": "on", "description": "", "terms": ""}
HUGE = "9" * 4301
TOO_BIG = [HUGE, "1" + "0" * 5000, "2147483648", "99999999999999999999", "-1", "1e3", "٣"]


def test_the_parser_counts_digits_before_reading_them() -> None:
    assert numbers.whole("0") == 0
    assert numbers.whole("2147483647") == 2147483647
    assert numbers.whole("000000000000000000000042") == 42
    assert numbers.whole("443", 1, 65535) == 443
    for text in [*TOO_BIG, "", " 1", "1 ", "+1", "1_000", "²", None]:
        assert numbers.whole(text) is None, text
    assert numbers.whole("65536", 1, 65535) is None
    assert numbers.whole("0", 1, 65535) is None


@pytest.mark.parametrize("where", ["new", "gold"])
def test_a_product_limit_of_thousands_of_digits_is_the_fields_problem(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, where: str
) -> None:
    gold = {"displayName": "Gold", "state": "published"}
    made = admin.put(shop.url("/products/gold"), params=V, json={"properties": gold})
    assert made.status_code == 201, made.text
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/products/{where}")
    assert page.status_code == 200
    before = snapshot(app)
    for text in TOO_BIG:
        fields = {**FORM, "display_name": "Big", "subscriptions_limit": text}
        if where == "gold":
            fields["etag"] = "*"
        refused = person.submit(page, f"/console/{shop.name}/products/{where}", **fields)
        assert refused.status_code == 400, (text[:20], refused.status_code, refused.text[-300:])
        assert "whole number" in refused.text and "<!doctype html>" in refused.text.lower()
    assert snapshot(app) == before


def test_the_apis_whole_numbers_are_bounded(app: InProcessServer, shop: ServiceRef) -> None:
    before = snapshot(app)
    with app.client() as api:
        for name in ("$top", "$skip"):
            for text in (HUGE, "2147483648"):
                listed = api.get(shop.url("/users"), params={**V, name: text})
                assert listed.status_code == 400, (name, text[:20], listed.text[:300])
                assert listed.json()["error"]["code"], listed.text[:300]
        for limit in (HUGE, "2147483648"):
            raw = f'{{"properties": {{"displayName": "Big", "subscriptionsLimit": {limit}}}}}'
            made = api.put(
                shop.url("/products/big"),
                params=V,
                content=raw,
                headers={"Content-Type": "application/json"},
            )
            assert made.status_code == 400, (limit[:20], made.status_code, made.text[:300])
            assert made.json()["error"]["code"], made.text[:300]
    assert snapshot(app) == before


def test_a_portal_address_port_is_bounded() -> None:
    assert _host_and_port("dev.example.com:8443") == "dev.example.com:8443"
    assert _host_and_port("dev.example.com:0443") == "dev.example.com"
    for port in (HUGE, "65536", "0", "-1", "٣", ""):
        assert _host_and_port(f"dev.example.com:{port}") is None, port[:20]
