"""Subscriptions, user subscriptions and product subscriptions, driven through Azure's own SDK
against a live `apidesk serve` (reference §2.1, §2.3, §2.4, §2.10, §3.7, §4.10)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductContract,
    SubscriptionCreateParameters,
    SubscriptionUpdateParameters,
    UserCreateParameters,
)
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service

V = {"api-version": "2024-05-01"}
HEX24 = re.compile(r"^[0-9a-f]{24}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
SCOPE_RULE = "Subscription scope should be one of /apis, /apis/{apiId}, /products/{productId}"
LIMIT_REACHED = "Subscriptions limit reached for same user"
SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/subscriptions"
USER_SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/users/subscriptions"
PRODUCT_SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/products/subscriptions"
STALE_ETAG = '"AAAAAAAAAAA="'


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def with_headers(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, Any]:
    return deserialized, headers


def with_status(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, int]:
    return deserialized, pipeline_response.http_response.status_code


def new_user(sdk: ApiManagementClient, service: ServiceRef, user_id: str) -> Any:
    return sdk.user.create_or_update(
        service.resource_group,
        service.name,
        user_id,
        UserCreateParameters(
            email=f"{user_id}@example.com", first_name=user_id.title(), last_name="Tester"
        ),
    )


def new_product(
    sdk: ApiManagementClient,
    service: ServiceRef,
    product_id: str,
    *,
    limit: int | None = None,
    approval: bool = False,
) -> Any:
    return sdk.product.create_or_update(
        service.resource_group,
        service.name,
        product_id,
        ProductContract(
            display_name=product_id.title(),
            subscription_required=True,
            approval_required=approval,
            subscriptions_limit=limit,
            state="published",
        ),
    )


def new_api(http: httpx.Client, service: ServiceRef, api_id: str) -> None:
    response = http.put(
        service.url(f"/apis/{api_id}"),
        params=V,
        json={"properties": {"displayName": api_id.title(), "path": api_id}},
    )
    assert response.status_code == 201, response.text


def subscribe(
    sdk: ApiManagementClient,
    service: ServiceRef,
    sid: str,
    scope: str,
    owner: str | None = None,
    display_name: str | None = None,
    **extra: Any,
) -> Any:
    return sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        sid,
        SubscriptionCreateParameters(
            scope=scope,
            owner_id=f"/users/{owner}" if owner else None,
            display_name=display_name or sid,
            **extra,
        ),
    )


def patch(
    sdk: ApiManagementClient, service: ServiceRef, sid: str, if_match: str = "*", **changes: Any
) -> Any:
    return sdk.subscription.update(
        service.resource_group,
        service.name,
        sid,
        if_match=if_match,
        parameters=SubscriptionUpdateParameters(**changes),
    )


def get(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> Any:
    return sdk.subscription.get(service.resource_group, service.name, sid)


def etag_of(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> str:
    _, headers = sdk.subscription.get(service.resource_group, service.name, sid, cls=with_headers)
    return str(headers["ETag"])


def secrets(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> tuple[str, str]:
    keys = sdk.subscription.list_secrets(service.resource_group, service.name, sid)
    return keys.primary_key, keys.secondary_key


def names(items: Any) -> list[str]:
    return [item.name for item in items]


def listed(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[Any]:
    return list(sdk.subscription.list(service.resource_group, service.name, **kwargs))


def seeded(sdk: ApiManagementClient, service: ServiceRef) -> dict[str, str]:
    """The generated ids of the administrator's seed subscriptions, by product."""
    found: dict[str, str] = {}
    for item in listed(sdk, service, filter="userId eq '1'"):
        found[item.scope.rsplit("/", 1)[1]] = item.name
    return found


def error_messages(error: HttpResponseError) -> list[str]:
    body = error.response.json()["error"]
    return [body["message"], *[d["message"] for d in body.get("details") or []]]


def error_targets(error: HttpResponseError) -> list[str]:
    return [d["target"] for d in error.response.json()["error"].get("details") or []]


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


# ---------------------------------------------------------------------------------------------
# Dates and states (§4.10)
# ---------------------------------------------------------------------------------------------


def test_active_create_sets_created_and_start_dates(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    created = subscribe(sdk, service, "dated", "/apis")
    after = datetime.now(UTC) + timedelta(seconds=5)
    assert before <= created.created_date <= after
    assert before <= created.start_date <= after
    assert created.end_date is None
    assert created.expiration_date is None


def test_submitted_gets_a_start_date_when_activated(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "ada")
    created = subscribe(sdk, service, "pending", "/products/unlimited", owner="ada")
    assert created.state == "submitted"
    assert created.created_date is not None
    assert created.start_date is None
    activated = patch(sdk, service, "pending", state="active")
    assert activated.state == "active"
    assert activated.start_date is not None
    assert activated.start_date >= created.created_date
    assert activated.end_date is None


@pytest.mark.parametrize("state", ["cancelled", "expired"])
def test_ending_a_subscription_sets_end_date(
    sdk: ApiManagementClient, service: ServiceRef, state: str
) -> None:
    created = subscribe(sdk, service, "ending", "/apis")
    assert created.end_date is None
    ended = patch(sdk, service, "ending", state=state)
    assert ended.state == state
    assert ended.end_date is not None
    assert ended.end_date >= created.created_date
    assert ended.start_date == created.start_date


def test_rejecting_keeps_the_state_comment(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    subscribe(sdk, service, "request", "/products/unlimited", owner="ada")
    rejected = patch(sdk, service, "request", state="rejected", state_comment="No budget this year")
    assert rejected.state == "rejected"
    assert rejected.state_comment == "No budget this year"
    fetched = get(sdk, service, "request")
    assert (fetched.state, fetched.state_comment) == ("rejected", "No budget this year")


def test_expiration_date_is_settable_and_changes_no_state(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "expiring", "/apis")
    past = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    updated = patch(sdk, service, "expiring", expiration_date=past)
    assert updated.expiration_date == past
    fetched = get(sdk, service, "expiring")
    assert fetched.expiration_date == past
    assert fetched.state == "active"
    assert fetched.end_date is None


# ---------------------------------------------------------------------------------------------
# subscriptionsLimit
# ---------------------------------------------------------------------------------------------


def test_limit_reached_for_same_user(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    new_product(sdk, service, "gold", limit=2)
    subscribe(sdk, service, "gold-1", "/products/gold", owner="ada")
    subscribe(sdk, service, "gold-2", "/products/gold", owner="ada")
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "gold-3", "/products/gold", owner="ada")
    assert caught.value.status_code == 400
    body = caught.value.response.json()
    assert body["error"]["code"] == "ValidationError"
    assert body["error"]["message"] == LIMIT_REACHED
    assert body["error"]["details"] is None
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "gold-3")


def test_seeded_admin_holds_the_only_starter_place(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "admin-again", "/products/starter", owner="1")
    assert caught.value.status_code == 400
    assert caught.value.error.message == LIMIT_REACHED


@pytest.mark.parametrize("state", ["active", "suspended", "submitted"])
def test_held_states_count_toward_the_limit(
    sdk: ApiManagementClient, service: ServiceRef, state: str
) -> None:
    new_user(sdk, service, "ada")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "held", "/products/gold", owner="ada", state=state)
    with pytest.raises(HttpResponseError) as caught:
        subscribe(sdk, service, "next", "/products/gold", owner="ada")
    assert caught.value.status_code == 400
    assert caught.value.error.message == LIMIT_REACHED


@pytest.mark.parametrize("state", ["cancelled", "rejected", "expired"])
def test_ended_subscriptions_free_their_place(
    sdk: ApiManagementClient, service: ServiceRef, state: str
) -> None:
    new_user(sdk, service, "ada")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "old", "/products/gold", owner="ada")
    patch(sdk, service, "old", state=state)
    created = subscribe(sdk, service, "new", "/products/gold", owner="ada")
    assert created.state == "active"


@pytest.mark.parametrize("state", ["cancelled", "rejected", "expired"])
def test_subscriptions_created_ended_take_no_place(
    sdk: ApiManagementClient, service: ServiceRef, state: str
) -> None:
    new_user(sdk, service, "ada")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "archived", "/products/gold", owner="ada", state=state)
    assert subscribe(sdk, service, "current", "/products/gold", owner="ada").state == "active"


def test_reactivating_when_the_limit_is_full_is_refused(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "ada")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "first", "/products/gold", owner="ada")
    patch(sdk, service, "first", state="cancelled")
    subscribe(sdk, service, "second", "/products/gold", owner="ada")
    with pytest.raises(HttpResponseError) as caught:
        patch(sdk, service, "first", state="active")
    assert caught.value.status_code == 400
    assert caught.value.error.message == LIMIT_REACHED
    assert get(sdk, service, "first").state == "cancelled"


def test_moving_a_subscription_to_a_full_user_is_refused(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "ada")
    new_user(sdk, service, "bob")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "adas", "/products/gold", owner="ada")
    subscribe(sdk, service, "bobs", "/products/gold", owner="bob")
    with pytest.raises(HttpResponseError) as caught:
        patch(sdk, service, "bobs", owner_id="/users/ada")
    assert caught.value.status_code == 400
    assert caught.value.error.message == LIMIT_REACHED
    assert get(sdk, service, "bobs").owner_id == service.url("/users/bob")


def test_limit_applies_per_user(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    new_user(sdk, service, "bob")
    new_product(sdk, service, "gold", limit=1)
    subscribe(sdk, service, "adas", "/products/gold", owner="ada")
    assert subscribe(sdk, service, "bobs", "/products/gold", owner="bob").state == "active"


def test_standalone_subscriptions_have_no_limit(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "gold", limit=1)
    for index in range(3):
        subscribe(sdk, service, f"free-{index}", "/products/gold")
    found = list(sdk.product_subscriptions.list(service.resource_group, service.name, "gold"))
    assert sorted(names(found)) == ["free-0", "free-1", "free-2"]


# ---------------------------------------------------------------------------------------------
# If-Match on PATCH and DELETE
# ---------------------------------------------------------------------------------------------


def test_patch_without_if_match_is_refused(http: httpx.Client, service: ServiceRef) -> None:
    http.put(
        service.url("/subscriptions/unguarded"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Unguarded"}},
    ).raise_for_status()
    response = http.patch(
        service.url("/subscriptions/unguarded"),
        params=V,
        json={"properties": {"displayName": "Changed"}},
    )
    assert response.status_code == 400, response.text
    body = http.get(service.url("/subscriptions/unguarded"), params=V).json()
    assert body["properties"]["displayName"] == "Unguarded"


def test_patch_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "stale", "/apis", display_name="Original")
    etag = etag_of(sdk, service, "stale")
    patch(sdk, service, "stale", if_match=etag, display_name="One")
    with pytest.raises(HttpResponseError) as caught:
        patch(sdk, service, "stale", if_match=etag, display_name="Two")
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert get(sdk, service, "stale").display_name == "One"


def test_patch_with_current_etag_answers_a_new_one(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "current", "/apis")
    etag = etag_of(sdk, service, "current")
    updated, headers = sdk.subscription.update(
        service.resource_group,
        service.name,
        "current",
        if_match=etag,
        parameters=SubscriptionUpdateParameters(display_name="Fresh"),
        cls=with_headers,
    )
    assert updated.display_name == "Fresh"
    assert headers["ETag"] != etag
    assert headers["ETag"] == etag_of(sdk, service, "current")


def test_patch_with_star_always_matches(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "starred", "/apis")
    assert patch(sdk, service, "starred", if_match="*", allow_tracing=True).allow_tracing is True


def test_patch_of_missing_subscription_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(ResourceNotFoundError):
        patch(sdk, service, "missing", display_name="Nobody")


def test_delete_answers_200_then_204(sdk: ApiManagementClient, service: ServiceRef) -> None:
    subscribe(sdk, service, "doomed", "/apis")
    etag = etag_of(sdk, service, "doomed")
    _, first = sdk.subscription.delete(
        service.resource_group, service.name, "doomed", if_match=etag, cls=with_status
    )
    assert first == 200
    with pytest.raises(ResourceNotFoundError):
        get(sdk, service, "doomed")
    _, again = sdk.subscription.delete(
        service.resource_group, service.name, "doomed", if_match="*", cls=with_status
    )
    assert again == 204


def test_delete_of_missing_with_concrete_etag_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "gone", "/apis")
    etag = etag_of(sdk, service, "gone")
    sdk.subscription.delete(service.resource_group, service.name, "gone", if_match="*")
    with pytest.raises(ResourceNotFoundError):
        sdk.subscription.delete(service.resource_group, service.name, "gone", if_match=etag)


def test_delete_with_stale_etag_keeps_the_subscription(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    subscribe(sdk, service, "kept", "/apis")
    with pytest.raises(HttpResponseError) as caught:
        sdk.subscription.delete(service.resource_group, service.name, "kept", if_match=STALE_ETAG)
    assert caught.value.status_code == 412
    assert get(sdk, service, "kept").name == "kept"


def test_delete_without_if_match_is_refused(http: httpx.Client, service: ServiceRef) -> None:
    http.put(
        service.url("/subscriptions/kept"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Kept"}},
    ).raise_for_status()
    response = http.delete(service.url("/subscriptions/kept"), params=V)
    assert response.status_code == 400, response.text
    assert http.get(service.url("/subscriptions/kept"), params=V).status_code == 200


# ---------------------------------------------------------------------------------------------
# Lists: filters and paging (§2.10, §0.5)
# ---------------------------------------------------------------------------------------------


def catalog(sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client) -> None:
    """ada: gold (active), echo API (suspended); bob: gold (rejected); a standalone on /apis."""
    new_user(sdk, service, "ada")
    new_user(sdk, service, "bob")
    new_product(sdk, service, "gold")
    new_api(http, service, "echo")
    subscribe(sdk, service, "ada-gold", "/products/gold", owner="ada", display_name="Ada Gold")
    subscribe(
        sdk,
        service,
        "ada-echo",
        "/apis/echo",
        owner="ada",
        display_name="Ada Echo",
        state="suspended",
    )
    subscribe(sdk, service, "bob-gold", "/products/gold", owner="bob", display_name="Bob Gold")
    patch(sdk, service, "bob-gold", state="rejected", state_comment="No budget")
    subscribe(sdk, service, "shared", "/apis", display_name="Shared Access")


FILTERS = [
    ("name eq 'ada-gold'", {"ada-gold"}),
    ("name eq 'ADA-GOLD'", {"ada-gold"}),
    ("name ne 'master' and startswith(name,'ada')", {"ada-gold", "ada-echo"}),
    ("name gt 'ada-f' and name lt 'ada-z'", {"ada-gold"}),
    ("startswith(name,'ada-')", {"ada-gold", "ada-echo"}),
    ("endswith(displayName,'GOLD')", {"ada-gold", "bob-gold"}),
    ("contains(displayName,'echo')", {"ada-echo"}),
    ("substringof('access', displayName)", {"shared", "master"}),
    ("displayName eq 'built-in all-access subscription'", {"master"}),
    ("stateComment eq 'No budget'", {"bob-gold"}),
    ("contains(stateComment,'budget')", {"bob-gold"}),
    ("state eq 'suspended'", {"ada-echo"}),
    ("state eq 'rejected' or state eq 'suspended'", {"bob-gold", "ada-echo"}),
    ("state eq 'active' and startswith(name,'ada')", {"ada-gold"}),
    ("ownerId eq '/users/ada'", {"ada-gold", "ada-echo"}),
    ("ownerId eq '{service}/users/bob'", {"bob-gold"}),
    ("ownerId eq '/users/1'", {"@starter", "@unlimited"}),
    ("userId eq 'bob'", {"bob-gold"}),
    ("userId eq '/users/bob'", {"bob-gold"}),
    ("userId eq 'ADA'", {"ada-gold", "ada-echo"}),
    ("userId eq '1'", {"@starter", "@unlimited"}),
    ("productId eq 'gold'", {"ada-gold", "bob-gold"}),
    ("productId eq 'starter'", {"@starter"}),
    ("productId ne 'gold' and userId eq 'ada'", {"ada-echo"}),
    # eq on userId and productId compares ids (a reference): under `not` it still keeps the
    # subscriptions without an owner or a product, and an unknown name matches nothing.
    ("not (productId eq 'gold')", {"master", "@starter", "@unlimited", "ada-echo", "shared"}),
    ("not (userId eq 'ada')", {"master", "@starter", "@unlimited", "bob-gold", "shared"}),
    ("productId eq 'nothing'", set()),
    ("not (userId eq 'nobody') and state eq 'suspended'", {"ada-echo"}),
    ("scope eq '/products/gold'", {"ada-gold", "bob-gold"}),
    ("scope eq '{service}/products/gold'", {"ada-gold", "bob-gold"}),
    ("scope eq '/apis/echo'", {"ada-echo"}),
    ("scope eq '{service}/apis'", {"shared"}),
    ("startswith(scope,'/apis')", {"ada-echo", "shared"}),
    ("endswith(scope,'/unlimited')", {"@unlimited"}),
    ("contains(scope,'gold')", {"ada-gold", "bob-gold"}),
    ("substringof('echo', scope)", {"ada-echo"}),
    ("endswith(ownerId,'/users/ada')", {"ada-gold", "ada-echo"}),
    ("endswith(ownerId,'da')", {"ada-gold", "ada-echo"}),
    ("startswith(userId,'b')", {"bob-gold"}),
    ("contains(productId,'old')", {"ada-gold", "bob-gold"}),
]


@pytest.mark.parametrize(("expression", "expected"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filters(
    sdk: ApiManagementClient,
    service: ServiceRef,
    http: httpx.Client,
    expression: str,
    expected: set[str],
) -> None:
    catalog(sdk, service, http)
    seeds = seeded(sdk, service)
    want = {seeds[name[1:]] if name.startswith("@") else name for name in expected}
    found = {
        item.name
        for item in listed(sdk, service, filter=expression.replace("{service}", service.path))
    }
    assert found == want


@pytest.mark.parametrize(
    "expression",
    [
        "state gt 'active'",
        "state ne 'active'",
        "startswith(state,'act')",
        "primaryKey eq 'x'",
        "createdDate ge 2020-01-01T00:00:00Z",
    ],
)
def test_unsupported_filters_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        listed(sdk, service, filter=expression)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    for index in range(7):
        subscribe(sdk, service, f"page{index}", "/apis")
    seeds = seeded(sdk, service)
    pager = sdk.subscription.list(service.resource_group, service.name, top=3).by_page()
    pages = [list(page) for page in pager]
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    everything = [item.name for page in pages for item in page]
    assert len(set(everything)) == 10
    assert set(everything) == {"master", *seeds.values(), *[f"page{i}" for i in range(7)]}
    assert everything[-7:] == [f"page{i}" for i in range(7)]


def test_skip_top_and_count(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    for index in range(4):
        subscribe(sdk, service, f"s{index}", "/apis")
    params = {**V, "$filter": "startswith(name,'s')", "$top": 2, "$skip": 1}
    body = http.get(service.url("/subscriptions"), params=params).json()
    assert body["count"] == 4
    assert [item["name"] for item in body["value"]] == ["s1", "s2"]
    link = urlparse(body["nextLink"])
    assert link.scheme == "http" and link.netloc
    query = parse_qs(link.query)
    assert query["$skip"] == ["3"]
    assert query["$top"] == ["2"]
    assert query["$filter"] == ["startswith(name,'s')"]
    last = http.get(body["nextLink"]).json()
    assert [item["name"] for item in last["value"]] == ["s3"]
    assert last["count"] == 4
    assert not last.get("nextLink")


@pytest.mark.parametrize(("param", "value"), [("$top", 0), ("$skip", -1)])
def test_bad_paging_parameters_are_refused(
    http: httpx.Client, service: ServiceRef, param: str, value: int
) -> None:
    response = http.get(service.url("/subscriptions"), params={**V, param: value})
    assert response.status_code == 400, response.text


# ---------------------------------------------------------------------------------------------
# A user's subscriptions and a product's subscriptions
# ---------------------------------------------------------------------------------------------


def test_user_subscription_list_shows_only_that_users(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    items = list(sdk.user_subscription.list(service.resource_group, service.name, "ada"))
    assert sorted(names(items)) == ["ada-echo", "ada-gold"]
    for item in items:
        assert item.type == USER_SUBSCRIPTIONS_TYPE
        assert item.id == service.url(f"/users/ada/subscriptions/{item.name}")
        assert item.owner_id == service.url("/users/ada")


def test_user_subscription_list_of_admin_has_the_seeds(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    items = list(sdk.user_subscription.list(service.resource_group, service.name, "1"))
    assert sorted(names(items)) == sorted(seeded(sdk, service).values())


def test_user_subscription_list_filters(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    items = sdk.user_subscription.list(
        service.resource_group, service.name, "ada", filter="productId eq 'gold'"
    )
    assert names(items) == ["ada-gold"]


def test_user_subscription_list_has_no_state_filter(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        list(
            sdk.user_subscription.list(
                service.resource_group, service.name, "1", filter="state eq 'active'"
            )
        )
    assert caught.value.status_code == 400


def test_user_subscription_list_pages(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    for index in range(5):
        subscribe(sdk, service, f"u{index}", "/apis", owner="ada")
    pager = sdk.user_subscription.list(service.resource_group, service.name, "ada", top=2).by_page()
    pages = [names(page) for page in pager]
    assert pages == [["u0", "u1"], ["u2", "u3"], ["u4"]]


def test_user_subscription_get(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "ada")
    subscribe(sdk, service, "adas", "/products/starter", owner="ada")
    item, headers = sdk.user_subscription.get(
        service.resource_group, service.name, "ada", "adas", cls=with_headers
    )
    assert item.name == "adas"
    assert item.type == USER_SUBSCRIPTIONS_TYPE
    assert item.id == service.url("/users/ada/subscriptions/adas")
    assert item.scope == service.url("/products/starter")
    assert headers["ETag"] == etag_of(sdk, service, "adas")


def test_user_subscription_get_of_another_users_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "ada")
    new_user(sdk, service, "bob")
    subscribe(sdk, service, "bobs", "/products/starter", owner="bob")
    subscribe(sdk, service, "nobodys", "/apis")
    for sid in ("bobs", "nobodys", "master"):
        with pytest.raises(ResourceNotFoundError):
            sdk.user_subscription.get(service.resource_group, service.name, "ada", sid)


def test_user_subscriptions_of_missing_user_are_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(ResourceNotFoundError):
        list(sdk.user_subscription.list(service.resource_group, service.name, "ghost"))


def test_product_subscriptions_show_only_that_products(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    items = list(sdk.product_subscriptions.list(service.resource_group, service.name, "gold"))
    assert sorted(names(items)) == ["ada-gold", "bob-gold"]
    for item in items:
        assert item.type == PRODUCT_SUBSCRIPTIONS_TYPE
        assert item.id == service.url(f"/products/gold/subscriptions/{item.name}")
        assert item.scope == service.url("/products/gold")


def test_product_subscriptions_filter_by_state(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    items = sdk.product_subscriptions.list(
        service.resource_group, service.name, "gold", filter="state eq 'rejected'"
    )
    assert names(items) == ["bob-gold"]


def test_product_subscriptions_of_missing_product_are_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(ResourceNotFoundError):
        list(sdk.product_subscriptions.list(service.resource_group, service.name, "ghost"))


# ---------------------------------------------------------------------------------------------
# Deleting the owner or the product
# ---------------------------------------------------------------------------------------------


def test_deleting_a_user_with_delete_subscriptions_removes_them(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    sdk.user.begin_delete(
        service.resource_group, service.name, "ada", if_match="*", delete_subscriptions=True
    ).result()
    for sid in ("ada-gold", "ada-echo"):
        with pytest.raises(ResourceNotFoundError):
            get(sdk, service, sid)
    assert get(sdk, service, "bob-gold").owner_id == service.url("/users/bob")


def test_deleting_a_user_keeps_subscriptions_cancelled_without_owner(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    sdk.user.begin_delete(service.resource_group, service.name, "ada", if_match="*").result()
    for sid in ("ada-gold", "ada-echo"):
        kept = get(sdk, service, sid)
        assert kept.state == "cancelled"
        assert kept.owner_id is None
        assert kept.end_date is not None
        assert "ada" in kept.state_comment
        assert "deleted" in kept.state_comment.lower()
    assert get(sdk, service, "bob-gold").state == "rejected"


def test_deleting_a_product_with_delete_subscriptions_removes_them(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    sdk.product.delete(
        service.resource_group, service.name, "gold", if_match="*", delete_subscriptions=True
    )
    for sid in ("ada-gold", "bob-gold"):
        with pytest.raises(ResourceNotFoundError):
            get(sdk, service, sid)
    assert get(sdk, service, "ada-echo").state == "suspended"


def test_deleting_a_product_with_subscriptions_is_a_conflict(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    catalog(sdk, service, http)
    with pytest.raises(ResourceExistsError) as caught:
        sdk.product.delete(service.resource_group, service.name, "gold", if_match="*")
    assert caught.value.status_code == 409
    assert sdk.product.get(service.resource_group, service.name, "gold").name == "gold"
    assert get(sdk, service, "ada-gold").state == "active"


# ---------------------------------------------------------------------------------------------
# Isolation between services
# ---------------------------------------------------------------------------------------------


def test_another_service_sees_none_of_these_subscriptions(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    subscribe(sdk, service, "mine", "/apis", display_name="Mine")
    other = create_service(http)
    other_sdk = client_for(server.url, server.token, other.subscription_id)
    try:
        theirs = listed(other_sdk, other)
        assert len(theirs) == 3
        assert "mine" not in names(theirs)
        assert not set(names(theirs)) & set(seeded(sdk, service).values())
        with pytest.raises(ResourceNotFoundError):
            get(other_sdk, other, "mine")
        with pytest.raises(ResourceNotFoundError):
            other_sdk.subscription.list_secrets(other.resource_group, other.name, "mine")
        created = subscribe(other_sdk, other, "mine", "/apis", display_name="Theirs")
        assert created.id == other.url("/subscriptions/mine")
        assert created.scope == other.url("/apis")
        other_keys = secrets(other_sdk, other, "mine")
    finally:
        other_sdk.close()
    assert get(sdk, service, "mine").display_name == "Mine"
    assert secrets(sdk, service, "mine") != other_keys
