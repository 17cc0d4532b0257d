"""Bad input gets a clear 4xx in the ARM error shape, names the field, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
GOOD = {"properties": {"email": "good@example.com", "firstName": "Good", "lastName": "Person"}}


def props(**changes: Any) -> dict[str, Any]:
    body = {**GOOD["properties"], **changes}
    return {"properties": {k: v for k, v in body.items() if v is not ...}}


BAD_PUT_BODIES = [
    ("missing email", props(email=...), "email"),
    ("missing first name", props(firstName=...), "firstName"),
    ("missing last name", props(lastName=...), "lastName"),
    ("empty email", props(email=""), "email"),
    ("malformed email", props(email="not-an-address"), "email"),
    ("email too long", props(email="a" * 250 + "@example.com"), "email"),
    ("email as number", props(email=42), "email"),
    ("first name empty", props(firstName=""), "firstName"),
    ("first name too long", props(firstName="x" * 101), "firstName"),
    ("last name too long", props(lastName="y" * 101), "lastName"),
    ("first name blank", props(firstName="   "), "firstName"),
    ("first name as list", props(firstName=["a"]), "firstName"),
    ("unknown state", props(state="sleeping"), "state"),
    ("deleted state", props(state="deleted"), "state"),
    ("unknown confirmation", props(confirmation="maybe"), "confirmation"),
    ("unknown app type", props(appType="mobile"), "appType"),
    ("identities not a list", props(identities={"provider": "Basic"}), "identities"),
    ("identity without provider", props(identities=[{"id": "x"}]), "identities[0].provider"),
    (
        "identity with empty id",
        props(identities=[{"provider": "Basic", "id": ""}]),
        "identities[0].id",
    ),
    ("weak password", props(password="1234567"), "password"),
    ("password as number", props(password=12345678), "password"),
    ("properties as string", {"properties": "nope"}, "properties"),
    ("body as array", [], "body"),
]


@pytest.mark.parametrize(
    ("case", "body", "target"), BAD_PUT_BODIES, ids=[c[0] for c in BAD_PUT_BODIES]
)
def test_bad_user_bodies_are_400_naming_the_field(
    http: httpx.Client, service: ServiceRef, case: str, body: Any, target: str
) -> None:
    response = http.put(service.url("/users/someone"), params=V, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [detail["target"] for detail in error["details"]], error
    assert http.get(service.url("/users/someone"), params=V).status_code == 404


def test_every_missing_field_is_named_at_once(http: httpx.Client, service: ServiceRef) -> None:
    response = http.put(service.url("/users/u"), params=V, json={"properties": {}})
    assert response.status_code == 400
    targets = {d["target"] for d in response.json()["error"]["details"]}
    assert targets == {"email", "firstName", "lastName"}


@pytest.mark.parametrize(
    ("case", "content", "headers"),
    [
        ("malformed json", b'{"properties": {', {"content-type": "application/json"}),
        ("trailing garbage", b'{"properties": {}} x', {"content-type": "application/json"}),
        ("not utf-8", b'{"properties": {"email": "\xff"}}', {"content-type": "application/json"}),
        ("empty body", b"", {"content-type": "application/json"}),
        ("plain text", b"hello", {"content-type": "text/plain"}),
    ],
)
def test_unreadable_bodies_are_400(
    http: httpx.Client, service: ServiceRef, case: str, content: bytes, headers: dict[str, str]
) -> None:
    response = http.put(service.url("/users/u"), params=V, content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ValidationError"


def test_bodies_over_one_mebibyte_are_413(http: httpx.Client, service: ServiceRef) -> None:
    huge = props(note="n" * (1024 * 1024 + 10))
    response = http.put(service.url("/users/big"), params=V, json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"
    assert http.get(service.url("/users/big"), params=V).status_code == 404


def test_chunked_bodies_over_the_limit_are_413(http: httpx.Client, service: ServiceRef) -> None:
    def chunks() -> Any:
        yield b'{"properties": {"note": "'
        for _ in range(300):
            yield b"z" * 4096
        yield b'"}}'

    response = http.put(
        service.url("/users/chunked"),
        params=V,
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_an_oversized_body_is_not_carried_out(http: httpx.Client, service: ServiceRef) -> None:
    """A valid request followed by padding: refused as a whole, nothing created."""

    def chunks() -> Any:
        yield json.dumps(GOOD).encode()
        for _ in range(300):
            yield b" " * 4096

    response = http.put(
        service.url("/users/chunky"),
        params=V,
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert http.get(service.url("/users/chunky"), params=V).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/users/a%00b?api-version=2024-05-01",
        "/users?api-version=2024-05-01&$filter=name%20eq%20%27a%00%27",
    ],
)
def test_nul_characters_in_urls_are_400(http: httpx.Client, service: ServiceRef, url: str) -> None:
    response = http.get(f"{service.path}{url}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ValidationError"


@pytest.mark.parametrize(
    ("params", "target"),
    [
        ({"$top": "0"}, "$top"),
        ({"$top": "-1"}, "$top"),
        ({"$top": "lots"}, "$top"),
        ({"$skip": "-1"}, "$skip"),
        ({"$skip": "1.5"}, "$skip"),
        ({"$filter": "nosuchfield eq 'x'"}, "$filter"),
        ({"$filter": "state gt 'active'"}, "$filter"),
        ({"$filter": "email eq"}, "$filter"),
        ({"$filter": "email eq 'unterminated"}, "$filter"),
        ({"$filter": "((((email eq 'a')"}, "$filter"),
        ({"$filter": "groups eq 'x'"}, "$filter"),
        ({"$filter": "registrationDate ge 'yesterday'"}, "$filter"),
        ({"$filter": ""}, "$filter"),
        ({"expandGroups": "perhaps"}, "expandGroups"),
    ],
)
def test_bad_list_queries_are_400(
    http: httpx.Client, service: ServiceRef, params: dict[str, str], target: str
) -> None:
    response = http.get(service.url("/users"), params={**V, **params})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert [d["target"] for d in error["details"]] == [target]


def test_api_version_is_required_and_checked(http: httpx.Client, service: ServiceRef) -> None:
    missing = http.get(service.url("/users"))
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    wrong = http.get(service.url("/users"), params={"api-version": "2019-01-01"})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "InvalidApiVersionParameter"


def test_missing_or_wrong_token_is_401(http: httpx.Client, service: ServiceRef) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer apd_wrong"},
        {"Authorization": "Basic abc"},
    ):
        response = httpx.get(f"{http.base_url}{service.url('/users')}", params=V, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "AuthenticationFailed"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_token_changes_nothing_whatever_the_request(
    http: httpx.Client, service: ServiceRef
) -> None:
    """The token is checked in the handler's own unit of work, before anything is read or
    written: valid requests of every kind with a wrong token are 401 and leave no trace, and
    one that carries a password is refused the same way (argon2 never runs for it)."""
    http.put(service.url("/users/kept"), params=V, json=GOOD).raise_for_status()
    before = http.get(service.url("/users/kept"), params=V).json()
    wrong = {"Authorization": "Bearer apd_" + "x" * 40, "If-Match": "*"}
    attempts = [
        ("PUT", "/users/intruder", {"properties": {**GOOD["properties"], "email": "i@x.io"}}),
        ("PUT", "/users/intruder2", {"properties": {**GOOD["properties"], "password": "Pw-1" * 4}}),
        ("PATCH", "/users/kept", {"properties": {"note": "changed"}}),
        ("PATCH", "/users/kept", {"properties": {"password": "another-long-password-1"}}),
        ("DELETE", "/users/kept", None),
        ("GET", "/users/kept", None),
        ("POST", "/users/kept/generateSsoUrl", None),
    ]
    for method, path, body in attempts:
        response = httpx.request(
            method, f"{http.base_url}{service.url(path)}", params=V, json=body, headers=wrong
        )
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert http.get(service.url("/users/kept"), params=V).json() == before
    for name in ("intruder", "intruder2"):
        assert http.get(service.url(f"/users/{name}"), params=V).status_code == 404


def test_patch_and_delete_require_if_match(http: httpx.Client, service: ServiceRef) -> None:
    http.put(service.url("/users/careful"), params=V, json=GOOD).raise_for_status()
    patch = http.patch(service.url("/users/careful"), params=V, json={"properties": {"note": "x"}})
    assert patch.status_code == 400
    assert patch.json()["error"]["details"][0]["target"] == "If-Match"
    delete = http.delete(service.url("/users/careful"), params=V)
    assert delete.status_code == 400
    assert (
        http.get(service.url("/users/careful"), params=V).json()["properties"].get("note") is None
    )


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (
            "/subscriptions/not-a-uuid/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x/users",
            400,
            "InvalidSubscriptionId",
        ),
        (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/-bad-/users",
            400,
            "ValidationError",
        ),
        (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/nosuchservice/users",
            404,
            "ResourceNotFound",
        ),
        ("/no/such/route", 404, "NotFound"),
    ],
)
def test_bad_paths(http: httpx.Client, path: str, status: int, code: str) -> None:
    response = http.get(path, params=V)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_too_long_user_id_is_400(http: httpx.Client, service: ServiceRef) -> None:
    response = http.put(service.url("/users/" + "u" * 81), params=V, json=GOOD)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["target"] == "userId"


def test_wrong_method_is_405(http: httpx.Client, service: ServiceRef) -> None:
    response = http.post(service.url("/users"), params=V, json=GOOD)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "MethodNotAllowed"


def test_failed_update_changes_nothing(http: httpx.Client, service: ServiceRef) -> None:
    http.put(service.url("/users/whole"), params=V, json=GOOD).raise_for_status()
    before = http.get(service.url("/users/whole"), params=V)
    bad = http.patch(
        service.url("/users/whole"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"firstName": "Changed", "email": "broken"}},
    )
    assert bad.status_code == 400
    after = http.get(service.url("/users/whole"), params=V)
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


def test_service_put_validates_its_body(http: httpx.Client) -> None:
    path = (
        "/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg"
        "/providers/Microsoft.ApiManagement/service/badbody"
    )
    response = http.put(
        path,
        params=V,
        json={"location": "x", "sku": {"name": "Gold"}, "properties": {"publisherEmail": "nope"}},
    )
    assert response.status_code == 400
    targets = {d["target"] for d in response.json()["error"]["details"]}
    assert {"sku.name", "publisherEmail", "publisherName"} <= targets
    assert http.get(path, params=V).status_code == 404


def test_a_long_passphrase_is_accepted(http: httpx.Client, service: ServiceRef) -> None:
    # The strength estimate reads a prefix of the password; the rest still counts as typed.
    phrase = "violet harbour lanterns drift past " * 4
    response = http.put(service.url("/users/longphrase"), params=V, json=props(password=phrase))
    assert response.status_code == 201, response.text


def test_a_template_that_would_compile_for_minutes_is_refused(
    http: httpx.Client, service: ServiceRef
) -> None:
    body = "<html><body>" + "#* " * 60_000 + "</body></html>"
    response = http.put(
        service.url("/templates/NewDeveloperNotificationMessage"),
        params=V,
        json={"properties": {"body": body}},
    )
    assert response.status_code == 400, response.text
    assert "never closed" in response.text
