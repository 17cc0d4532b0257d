"""Subscriptions through Azure's own SDK against a live `apidesk serve`: the seeded ones,
create and update (reference §2.1, §2.3). Keys, states and limits, and lists are in
test_subscription_keys_sdk.py, test_subscription_states_sdk.py and
test_subscription_lists_sdk.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    SubscriptionCreateParameters,
)
from support.sdk import with_status
from support.server import ServiceRef
from support.subscriptions import (
    HEX24,
    SCOPE_RULE,
    STALE_ETAG,
    SUBSCRIPTIONS_TYPE,
    V,
    error_messages,
    error_targets,
    get,
    listed,
    new_api,
    new_product,
    new_user,
    patch,
    secrets,
    subscribe,
)

# ---------------------------------------------------------------------------------------------
# Seed data
# ---------------------------------------------------------------------------------------------


def test_fresh_service_has_master_subscription(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    master = get(sdk, service, "master")
    assert master.name == "master"
    assert master.id == service.url("/subscriptions/master")
    assert master.type == SUBSCRIPTIONS_TYPE
    assert master.display_name == "Built-in all-access subscription"
    assert master.scope == service.path + "/"
    assert master.state == "active"
    assert master.owner_id is None
    assert master.allow_tracing is False


def test_fresh_service_has_two_admin_subscriptions(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    items = [item for item in listed(sdk, service) if item.name != "master"]
    assert len(items) == 2
    assert sorted(item.scope for item in items) == [
        service.url("/products/starter"),
        service.url("/products/unlimited"),
    ]
    for item in items:
        assert HEX24.match(item.name), item.name
        assert item.owner_id == service.url("/users/1")
        assert item.state == "active"
        assert item.allow_tracing is False


def test_master_cannot_be_deleted(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(HttpResponseError) as caught:
        sdk.subscription.delete(service.resource_group, service.name, "master", if_match="*")
    assert caught.value.status_code == 400
    assert get(sdk, service, "master").state == "active"


@pytest.mark.parametrize(
    "change",
    [{"scope": "/products/starter"}, {"scope": "/apis"}, {"owner_id": "/users/1"}],
    ids=["scope-to-product", "scope-to-apis", "owner"],
)
def test_master_keeps_its_scope_and_owner(
    sdk: ApiManagementClient, service: ServiceRef, change: dict[str, str]
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        patch(sdk, service, "master", **change)
    assert caught.value.status_code == 400
    master = get(sdk, service, "master")
    assert master.scope == service.path + "/"
    assert master.owner_id is None


@pytest.mark.parametrize("form", ["short", "full"])
def test_service_scope_is_refused_on_create(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    scope = "/" if form == "short" else service.path + "/"
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "allaccess", scope, display_name="All access")
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert SCOPE_RULE in error_messages(caught.value), caught.value.response.text()
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "allaccess")


# ---------------------------------------------------------------------------------------------
# Create and update
# ---------------------------------------------------------------------------------------------


def test_create_with_short_ids_answers_full_ids(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "ada")
    created, status = sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        "ada-starter",
        SubscriptionCreateParameters(
            scope="/products/starter", owner_id="/users/ada", display_name="Ada on Starter"
        ),
        cls=with_status,
    )
    assert status == 201
    assert created.name == "ada-starter"
    assert created.id == service.url("/subscriptions/ada-starter")
    assert created.type == SUBSCRIPTIONS_TYPE
    assert created.scope == service.url("/products/starter")
    assert created.owner_id == service.url("/users/ada")
    assert created.display_name == "Ada on Starter"


def test_create_with_full_ids(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    created = sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        "full",
        SubscriptionCreateParameters(
            scope=service.url("/products/starter"),
            owner_id=service.url("/users/ada"),
            display_name="Full ids",
        ),
    )
    assert created.scope == service.url("/products/starter")
    assert created.owner_id == service.url("/users/ada")
    assert get(sdk, service, "full").scope == service.url("/products/starter")


@pytest.mark.parametrize("form", ["short", "full"])
def test_create_scoped_to_all_apis(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    scope = "/apis" if form == "short" else service.url("/apis")
    created = subscribe(sdk, service, "every-api", scope)
    assert created.scope == service.url("/apis")
    assert created.owner_id is None


@pytest.mark.parametrize("form", ["short", "full"])
def test_create_scoped_to_one_api(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, form: str
) -> None:
    new_api(http, service, "echo")
    scope = "/apis/echo" if form == "short" else service.url("/apis/echo")
    created = subscribe(sdk, service, "echo-only", scope)
    assert created.scope == service.url("/apis/echo")
    assert get(sdk, service, "echo-only").scope == service.url("/apis/echo")


def test_missing_owner_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "orphan", "/products/starter", owner="ghost")
    assert caught.value.status_code == 400
    assert error_targets(caught.value) == ["ownerId"]
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "orphan")


@pytest.mark.parametrize("scope", ["/products/nowhere", "/apis/nowhere"])
def test_missing_scope_target_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, scope: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "lost", scope)
    assert caught.value.status_code == 400
    assert error_targets(caught.value) == ["scope"]
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "lost")


@pytest.mark.parametrize(
    "display_name", [None, "", "x" * 101], ids=["missing", "empty", "too-long"]
)
def test_display_name_is_required_on_create(
    http: httpx.Client, service: ServiceRef, display_name: str | None
) -> None:
    properties: dict[str, Any] = {"scope": "/apis"}
    if display_name is not None:
        properties["displayName"] = display_name
    response = http.put(
        service.url("/subscriptions/nameless"), params=V, json={"properties": properties}
    )
    assert response.status_code == 400, response.text
    assert "displayName" in [d["target"] for d in response.json()["error"]["details"]]
    assert http.get(service.url("/subscriptions/nameless"), params=V).status_code == 404


def test_display_name_of_100_characters_is_accepted(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    created = subscribe(sdk, service, "longname", "/apis", display_name="n" * 100)
    assert created.display_name == "n" * 100


def test_scope_is_required_on_create(http: httpx.Client, service: ServiceRef) -> None:
    response = http.put(
        service.url("/subscriptions/scopeless"),
        params=V,
        json={"properties": {"displayName": "No scope"}},
    )
    assert response.status_code == 400, response.text
    assert "scope" in [d["target"] for d in response.json()["error"]["details"]]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("/products/starter", "active"),
        ("/products/unlimited", "submitted"),
        ("/products/needs-approval", "submitted"),
        ("/products/open", "active"),
        ("/apis", "active"),
    ],
)
def test_state_defaults_follow_approval_required(
    sdk: ApiManagementClient, service: ServiceRef, scope: str, expected: str
) -> None:
    new_product(sdk, service, "needs-approval", approval=True)
    new_product(sdk, service, "open", approval=False)
    new_user(sdk, service, "ada")
    created = subscribe(sdk, service, "defaulted", scope, owner="ada")
    assert created.state == expected
    assert get(sdk, service, "defaulted").state == expected


@pytest.mark.parametrize(
    ("scope", "state"),
    [("/products/unlimited", "active"), ("/products/starter", "suspended")],
)
def test_explicit_state_wins(
    sdk: ApiManagementClient, service: ServiceRef, scope: str, state: str
) -> None:
    new_user(sdk, service, "ada")
    created = subscribe(sdk, service, "explicit", scope, owner="ada", state=state)
    assert created.state == state


def test_put_answers_201_then_200_and_merges(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    first, first_status = sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        "merged",
        SubscriptionCreateParameters(
            scope="/products/starter",
            owner_id="/users/ada",
            display_name="Before",
            allow_tracing=True,
        ),
        cls=with_status,
    )
    keys_before = secrets(sdk, service, "merged")
    second, second_status = sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        "merged",
        SubscriptionCreateParameters(display_name="After"),
        cls=with_status,
    )
    assert (first_status, second_status) == (201, 200)
    assert second.display_name == "After"
    assert second.scope == first.scope
    assert second.owner_id == first.owner_id
    assert second.state == first.state
    assert second.allow_tracing is True
    assert second.created_date == first.created_date
    assert secrets(sdk, service, "merged") == keys_before


def test_put_with_stale_if_match_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "guarded", "/apis", display_name="Guarded")
    with pytest.raises(HttpResponseError) as caught:
        sdk.subscription.create_or_update(
            service.resource_group,
            service.name,
            "guarded",
            SubscriptionCreateParameters(display_name="Overwritten"),
            if_match=STALE_ETAG,
        )
    assert caught.value.status_code == 412
    assert get(sdk, service, "guarded").display_name == "Guarded"


def test_subscription_ids_are_case_insensitive(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "MixedCase", "/apis")
    assert get(sdk, service, "mixedcase").name == "MixedCase"
    _, status = sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        "MIXEDCASE",
        SubscriptionCreateParameters(display_name="Renamed"),
        cls=with_status,
    )
    assert status == 200
    assert [s.name for s in listed(sdk, service, filter="displayName eq 'Renamed'")] == [
        "MixedCase"
    ]


def test_get_entity_tag(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "tagged", "/apis")
    assert sdk.subscription.get_entity_tag(service.resource_group, service.name, "tagged") is True
    with pytest.raises(ResourceNotFoundError):
        sdk.subscription.get_entity_tag(service.resource_group, service.name, "untagged")
