"""A subscription's keys through Azure's own SDK against a live `apidesk serve`: generated
and given, never shown but by listSecrets, regenerated, unique within a service (reference
§2.1)."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from support.sdk import client_for, with_headers, with_status
from support.server import LiveServer, ServiceRef, create_service
from support.subscriptions import (
    HEX32,
    V,
    error_targets,
    etag_of,
    get,
    new_user,
    patch,
    secrets,
    subscribe,
)

# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def test_generated_keys_are_32_lowercase_hex(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "generated", "/apis")
    primary, secondary = secrets(sdk, service, "generated")
    assert HEX32.match(primary), primary
    assert HEX32.match(secondary), secondary
    assert primary != secondary


def test_given_keys_are_kept(sdk: ApiManagementClient, service: ServiceRef) -> None:
    primary = "Primary-Key_given.by~client"
    secondary = "k" * 256
    subscribe(sdk, service, "given", "/apis", primary_key=primary, secondary_key=secondary)
    assert secrets(sdk, service, "given") == (primary, secondary)


@pytest.mark.parametrize("value", ["", "k" * 257], ids=["empty", "257-characters"])
@pytest.mark.parametrize("field", ["primaryKey", "secondaryKey"])
def test_key_outside_1_to_256_characters_is_refused(
    http: httpx.Client, service: ServiceRef, field: str, value: str
) -> None:
    response = http.put(
        service.url("/subscriptions/badkey"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Bad key", field: value}},
    )
    assert response.status_code == 400, response.text
    assert field in [d["target"] for d in response.json()["error"]["details"]]
    assert http.get(service.url("/subscriptions/badkey"), params=V).status_code == 404


def test_keys_never_appear_in_responses(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_user(sdk, service, "ada")
    primary, secondary = "visible-primary-key-0001", "visible-secondary-key-0002"
    bodies = [
        http.put(
            service.url("/subscriptions/hidden"),
            params=V,
            json={
                "properties": {
                    "scope": "/products/starter",
                    "ownerId": "/users/ada",
                    "displayName": "Hidden",
                    "primaryKey": primary,
                    "secondaryKey": secondary,
                }
            },
        ),
        http.get(service.url("/subscriptions/hidden"), params=V),
        http.get(service.url("/subscriptions"), params=V),
        http.patch(
            service.url("/subscriptions/hidden"),
            params=V,
            headers={"If-Match": "*"},
            json={"properties": {"displayName": "Still hidden"}},
        ),
        http.put(
            service.url("/subscriptions/hidden"),
            params=V,
            json={"properties": {"displayName": "Hidden again"}},
        ),
        http.get(service.url("/users/ada/subscriptions"), params=V),
        http.get(service.url("/users/ada/subscriptions/hidden"), params=V),
        http.get(service.url("/products/starter/subscriptions"), params=V),
    ]
    for response in bodies:
        assert response.status_code in (200, 201), response.text
        assert primary not in response.text
        assert secondary not in response.text
        assert "primaryKey" not in response.text
        assert "secondaryKey" not in response.text
    assert secrets(sdk, service, "hidden") == (primary, secondary)


def test_list_secrets_answers_the_current_etag(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "secretive", "/apis")
    keys, headers = sdk.subscription.list_secrets(
        service.resource_group, service.name, "secretive", cls=with_headers
    )
    assert keys.primary_key and keys.secondary_key
    assert headers["ETag"]
    assert headers["ETag"] == etag_of(sdk, service, "secretive")


@pytest.mark.parametrize("slot", ["primary", "secondary"])
def test_regenerating_a_key_replaces_only_that_key(
    sdk: ApiManagementClient, service: ServiceRef, slot: str
) -> None:
    subscribe(sdk, service, "rotating", "/apis")
    before = secrets(sdk, service, "rotating")
    etag_before = etag_of(sdk, service, "rotating")
    operation = getattr(sdk.subscription, f"regenerate_{slot}_key")
    _, status = operation(service.resource_group, service.name, "rotating", cls=with_status)
    assert status == 204
    after = secrets(sdk, service, "rotating")
    changed, kept = (0, 1) if slot == "primary" else (1, 0)
    assert after[changed] != before[changed]
    assert HEX32.match(after[changed])
    assert after[kept] == before[kept]
    assert etag_of(sdk, service, "rotating") != etag_before


@pytest.mark.parametrize(
    ("given", "taken_from"),
    [
        ("primaryKey", "primaryKey"),
        ("primaryKey", "secondaryKey"),
        ("secondaryKey", "primaryKey"),
        ("secondaryKey", "secondaryKey"),
    ],
)
def test_key_of_another_subscription_is_a_conflict(
    http: httpx.Client, service: ServiceRef, given: str, taken_from: str
) -> None:
    first = {"primaryKey": "first-primary", "secondaryKey": "first-secondary"}
    response = http.put(
        service.url("/subscriptions/first"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "First", **first}},
    )
    assert response.status_code == 201, response.text
    response = http.put(
        service.url("/subscriptions/second"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Second", given: first[taken_from]}},
    )
    assert response.status_code == 409, response.text
    assert [d["target"] for d in response.json()["error"]["details"]] == [given]
    assert http.get(service.url("/subscriptions/second"), params=V).status_code == 404


@pytest.mark.parametrize("field", ["primary_key", "secondary_key"])
def test_patching_in_another_subscriptions_key_is_a_conflict(
    sdk: ApiManagementClient, service: ServiceRef, field: str
) -> None:
    subscribe(sdk, service, "owner-of-key", "/apis", primary_key="shared-secret")
    subscribe(sdk, service, "borrower", "/apis")
    before = secrets(sdk, service, "borrower")
    with pytest.raises(ResourceExistsError) as caught:
        patch(sdk, service, "borrower", **{field: "shared-secret"})
    assert caught.value.status_code == 409
    assert error_targets(caught.value) == [
        "primaryKey" if field == "primary_key" else "secondaryKey"
    ]
    assert secrets(sdk, service, "borrower") == before


def test_same_key_in_another_service_is_fine(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    subscribe(sdk, service, "here", "/apis", primary_key="portable-key", secondary_key="other-1")
    other = create_service(http)
    other_sdk = client_for(server.url, server.token, other.subscription_id)
    try:
        subscribe(
            other_sdk, other, "there", "/apis", primary_key="portable-key", secondary_key="other-2"
        )
        assert secrets(other_sdk, other, "there") == ("portable-key", "other-2")
    finally:
        other_sdk.close()
    assert secrets(sdk, service, "here") == ("portable-key", "other-1")


def test_primary_equal_to_secondary_is_refused_on_create(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "twins", "/apis", primary_key="same-key", secondary_key="same-key")
    assert caught.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "twins")


def test_primary_equal_to_secondary_is_refused_on_patch(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "twins", "/apis", primary_key="one-key", secondary_key="two-key")
    with pytest.raises(HttpResponseError) as caught:
        patch(sdk, service, "twins", secondary_key="one-key")
    assert caught.value.status_code == 400
    assert secrets(sdk, service, "twins") == ("one-key", "two-key")


def test_a_subscription_may_keep_its_own_key_on_patch(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "steady", "/apis", primary_key="steady-one", secondary_key="steady-2")
    patch(sdk, service, "steady", primary_key="steady-one", secondary_key="steady-two")
    assert secrets(sdk, service, "steady") == ("steady-one", "steady-two")
