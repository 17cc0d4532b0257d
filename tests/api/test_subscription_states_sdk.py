"""A subscription's dates and states, its product's subscriptionsLimit, and If-Match on PATCH
and DELETE, through Azure's own SDK against a live `apidesk serve` (reference §2.1, §4.10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    SubscriptionUpdateParameters,
)
from support.sdk import with_headers, with_status
from support.server import ServiceRef
from support.subscriptions import (
    LIMIT_REACHED,
    STALE_ETAG,
    V,
    etag_of,
    get,
    names,
    new_product,
    new_user,
    patch,
    subscribe,
)

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
