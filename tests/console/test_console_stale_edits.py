"""A Groups, Products or APIs page saved after someone else changed the same entity does not
undo that change: the save is refused with 409 and the form comes back with what was typed;
saving again from that page goes through (the operator has now seen the newer entity)."""

from __future__ import annotations

import re

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.console.wording import CHANGED_SINCE

V = {"api-version": "2024-05-01"}
PRODUCT_FORM = {
    "subscription_required": "on",
    "description": "",
    "terms": "",
    "subscriptions_limit": "",
}
API_FORM = {"path": "stale", "service_url": "", "header_name": "", "query_name": ""}
CASES = [
    ("groups", {"displayName": "Before"}, {"description": ""}),
    ("products", {"displayName": "Before"}, PRODUCT_FORM),
    ("apis", {"displayName": "Before", "path": "stale"}, API_FORM),
]


def etag(page: httpx.Response) -> str:
    """The entity tag the page's form was made from, as a browser would send it back."""
    found = re.search(r'name="etag" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.mark.parametrize(("kind", "made", "form"), CASES, ids=[case[0] for case in CASES])
def test_a_stale_page_does_not_undo_a_newer_change(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    kind: str,
    made: dict[str, object],
    form: dict[str, str],
) -> None:
    url = shop.url(f"/{kind}/stale")
    assert admin.put(url, params=V, json={"properties": made}).status_code in (200, 201)
    signed_in_operator(app, person)
    page_url = f"/console/{shop.name}/{kind}/stale"
    opened = person.get(page_url)
    assert opened.status_code == 200 and 'name="etag"' in opened.text

    changed = admin.patch(
        url, params=V, headers={"If-Match": "*"}, json={"properties": {"displayName": "Theirs"}}
    )
    assert changed.status_code in (200, 204), changed.text

    refused = person.submit(opened, page_url, **form, etag=etag(opened), display_name="Mine")
    assert refused.status_code == 409, refused.text
    assert CHANGED_SINCE in refused.text and 'value="Mine"' in refused.text
    wire = admin.get(url, params=V).json()["properties"]
    assert wire["displayName"] == "Theirs"

    again = person.submit(refused, page_url, **form, etag=etag(refused), display_name="Mine")
    assert again.status_code == 303, again.text
    assert admin.get(url, params=V).json()["properties"]["displayName"] == "Mine"
