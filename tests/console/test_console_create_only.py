"""+ Add product, group or API only ever adds: should the id made from the display name be taken
between the check that found it free and the insert (a concurrent add of the same name),
the add is refused with the console's 409 page and the record already there is left as it
was, never overwritten with the second form's values."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.domain import naming

V = {"api-version": "2024-05-01"}
STYLED = '<link rel="stylesheet"'


@pytest.fixture
def blind_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """The id check sees no record: what a concurrent add that has not committed yet does."""

    def blind(display_name: str, taken: object, *, fallback: str) -> str:
        return naming.slug(display_name, fallback)

    monkeypatch.setattr(naming, "free_id", blind)


def add(person: Person, shop: ServiceRef, kind: str, **fields: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/{kind}/new")
    assert page.status_code == 200, page.text
    return person.submit(page, f"/console/{shop.name}/{kind}/new", **fields)


def wire(admin: httpx.Client, shop: ServiceRef, path: str) -> dict[str, object]:
    answer = admin.get(shop.url(path), params=V)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["properties"])


def count(admin: httpx.Client, shop: ServiceRef, collection: str) -> int:
    answer = admin.get(shop.url(f"/{collection}"), params=V)
    assert answer.status_code == 200, answer.text
    return len(answer.json()["value"])


@pytest.mark.usefixtures("blind_ids")
def test_an_add_whose_id_was_taken_meanwhile_overwrites_nothing(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    cases = [
        ("products", "/products/dup", {"subscription_required": "on"}, {}),
        ("groups", "/groups/dup", {"type": "custom"}, {}),
        ("apis", "/apis/dup", {"path": "first"}, {"path": "second"}),
    ]
    for kind, path, first, second in cases:
        before = count(admin, shop, kind)
        made = add(person, shop, kind, display_name="Dup", description="first", **first)
        assert made.status_code == 303, made.text
        assert urlsplit(made.headers["location"]).path.endswith(f"/{kind}/dup")
        kept = wire(admin, shop, path)
        again = add(
            person, shop, kind, display_name="Dup", description="second", **{**first, **second}
        )
        assert again.status_code == 409, (kind, again.status_code, again.text)
        assert STYLED in again.text
        assert wire(admin, shop, path) == kept, kind
        assert wire(admin, shop, path)["description"] == "first"
        assert count(admin, shop, kind) == before + 1, kind
