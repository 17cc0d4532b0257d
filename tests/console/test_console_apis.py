"""The console's APIs pages over HTTP: + Add API, edit, delete after a question; what the
console saves is what the management API reads and what the key check applies."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}


def add(person: Person, shop: ServiceRef, **fields: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/apis/new")
    assert page.status_code == 200, page.text
    form = {"header_name": "", "query_name": "", "subscription_required": "on", **fields}
    return person.submit(page, f"/console/{shop.name}/apis/new", **form)


def check(app: InProcessServer, shop: ServiceRef, path: str, key: str | None = None) -> int:
    headers = {"X-Original-URI": path}
    if key:
        headers["Ocp-Apim-Subscription-Key"] = key
    with app.portal() as http:
        return http.get(f"/gateway/{shop.name}/check", headers=headers).status_code


def test_an_added_api_is_what_the_api_reads_and_the_key_check_applies(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    assert "No API yet" in person.get(f"/console/{shop.name}/apis").text
    added = add(person, shop, display_name="Echo API", path="/echo/", service_url="")
    assert added.status_code == 303, added.text
    api_id = urlsplit(added.headers["location"]).path.rsplit("/", 1)[1]
    assert api_id == "echo-api"
    assert 'role="status">The API was added.' in person.follow(added).text
    wire = admin.get(shop.url(f"/apis/{api_id}"), params=V).json()["properties"]
    assert (wire["displayName"], wire["path"], wire["subscriptionRequired"]) == (
        "Echo API",
        "echo",
        True,
    )
    assert check(app, shop, "/echo/hello") == 401  # a key is required and none was sent

    # Not required any more: the same call passes without a key.
    page = person.get(f"/console/{shop.name}/apis/{api_id}")
    saved = person.submit(
        page,
        f"/console/{shop.name}/apis/{api_id}",
        display_name="Echo API",
        path="echo",
        service_url="https://backend.example.com",
        header_name="X-Key",
        query_name="key",
    )
    assert saved.status_code == 303, saved.text
    assert check(app, shop, "/echo/hello") == 200
    wire = admin.get(shop.url(f"/apis/{api_id}"), params=V).json()["properties"]
    assert wire["serviceUrl"] == "https://backend.example.com"
    assert wire["subscriptionKeyParameterNames"] == {"header": "X-Key", "query": "key"}

    second = add(person, shop, display_name="Echo API", path="echo2")
    assert urlsplit(second.headers["location"]).path.endswith("/apis/echo-api-2")
    listed = person.get(f"/console/{shop.name}/apis").text
    assert "<code>/echo</code>" in listed and "<code>/echo2</code>" in listed


def test_bad_input_saves_nothing(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    assert add(person, shop, display_name="One", path="one").status_code == 303
    taken = add(person, shop, display_name="Two <b>", path="ONE")
    assert taken.status_code == 400 and "already used" in taken.text
    assert 'value="Two &lt;b&gt;"' in taken.text
    bad = add(person, shop, display_name="Three", path="a?b", service_url="not a url")
    assert bad.status_code == 400
    assert "API URL suffix is a relative URL" in bad.text
    assert "Web service URL must be an absolute http(s)" in bad.text
    assert "serviceUrl" not in bad.text and "'path'" not in bad.text
    header = add(person, shop, display_name="Four", path="four", header_name="bad header")
    assert header.status_code == 400 and "Header name must be a valid" in header.text
    assert "subscriptionKeyParameterNames" not in header.text
    names = [a["name"] for a in admin.get(shop.url("/apis"), params=V).json()["value"]]
    assert names == ["one"]


def test_delete_asks_then_removes_the_api_and_its_product_link(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    catalog.api(admin, shop, "weather", "weather")
    catalog.product(admin, shop, "gold", "weather")
    page = person.get(f"/console/{shop.name}/apis/weather")
    asked = person.submit(page, f"/console/{shop.name}/apis/weather/delete")
    assert asked.status_code == 200 and "Delete the API" in asked.text
    assert admin.get(shop.url("/apis/weather"), params=V).status_code == 200
    done = person.submit(asked, f"/console/{shop.name}/apis/weather/delete", confirm="yes")
    assert 'role="status">The API was deleted.' in person.follow(done).text
    assert admin.get(shop.url("/apis/weather"), params=V).status_code == 404
    linked = admin.get(shop.url("/products/gold/apis"), params=V).json()["value"]
    assert linked == []
    assert person.get(f"/console/{shop.name}/apis/weather").status_code == 404
    audit = person.get(f"/console/{shop.name}/audit", action="api.").text
    assert "<td>API deleted</td>" in audit and " (console)</td>" in audit


def test_forms_need_their_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    person.get(f"/console/{shop.name}/apis/new")
    forged = person.client.post(
        f"/console/{shop.name}/apis/new", data={"display_name": "F", "path": "f"}
    )
    assert forged.status_code == 403
    assert admin.get(shop.url("/apis"), params=V).json()["value"] == []
    elsewhere = app.new_service(f"{shop.name}-a")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/apis").status_code == 404
