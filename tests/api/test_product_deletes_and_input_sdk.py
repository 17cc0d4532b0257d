"""Deleting products, one service's products unseen by another, and bad product bodies and
group links refused without a change, driven through Azure's own SDK against a live
`apidesk serve`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductGroupLinkContract,
)
from support.products import (
    SYSTEM_GROUPS,
    V,
    etag_of,
    linked_groups,
    new_group,
    new_product,
    product_names,
    subscribe,
)
from support.refusals import create_is_refused, updates_are_refused
from support.sdk import Statuses, client_for
from support.server import LiveServer, ServiceRef, create_service

# --- Deleting products -------------------------------------------------------------------------


def test_delete_answers_200_then_204_for_star(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "doomed")
    statuses = Statuses()
    sdk.product.delete(
        service.resource_group,
        service.name,
        "doomed",
        if_match=etag_of(sdk, service, "doomed"),
        cls=statuses,
    )
    sdk.product.delete(service.resource_group, service.name, "doomed", if_match="*", cls=statuses)
    assert statuses.seen == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        sdk.product.get(service.resource_group, service.name, "doomed")


def test_delete_with_stale_etag_keeps_the_product(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "keeper")
    with pytest.raises(HttpResponseError) as caught:
        sdk.product.delete(
            service.resource_group, service.name, "keeper", if_match='"AAAAAAAAAAA="'
        )
    assert caught.value.status_code == 412
    assert sdk.product.get_entity_tag(service.resource_group, service.name, "keeper") is True


@pytest.mark.parametrize("flag", [None, False])
def test_deleting_a_product_with_subscriptions_needs_delete_subscriptions(
    sdk: ApiManagementClient, service: ServiceRef, flag: bool | None
) -> None:
    before = [
        s.name
        for s in sdk.product_subscriptions.list(service.resource_group, service.name, "starter")
    ]
    assert len(before) == 1
    with pytest.raises(ResourceExistsError) as caught:
        sdk.product.delete(
            service.resource_group,
            service.name,
            "starter",
            if_match="*",
            delete_subscriptions=flag,
        )
    assert caught.value.status_code == 409
    assert sdk.product.get(service.resource_group, service.name, "starter").state == "published"
    after = [
        s.name
        for s in sdk.product_subscriptions.list(service.resource_group, service.name, "starter")
    ]
    assert after == before
    assert linked_groups(sdk, service, "starter") == SYSTEM_GROUPS


def test_deleting_a_product_with_delete_subscriptions_removes_them(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "goner", state="published")
    subscribe(sdk, service, "goner-sub", "goner")
    subscribe(sdk, service, "kept-sub", "unlimited")
    sdk.product_group.create_or_update(service.resource_group, service.name, "goner", "developers")
    sdk.product.delete(
        service.resource_group, service.name, "goner", if_match="*", delete_subscriptions=True
    )
    with pytest.raises(ResourceNotFoundError):
        sdk.product.get(service.resource_group, service.name, "goner")
    with pytest.raises(ResourceNotFoundError):
        sdk.subscription.get(service.resource_group, service.name, "goner-sub")
    assert sdk.subscription.get(service.resource_group, service.name, "kept-sub").state == (
        "active"
    )
    # The group it was linked to is untouched.
    assert sdk.group.get(service.resource_group, service.name, "developers").built_in is True


# --- Isolation and bad input -------------------------------------------------------------------


def test_second_service_sees_none_of_the_first_ones_products(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    new_product(sdk, service, "private", display_name="Private")
    new_group(sdk, service, "insiders")
    sdk.product_group.create_or_update(service.resource_group, service.name, "starter", "insiders")
    other = create_service(http)
    with client_for(server.url, server.token, other.subscription_id) as other_sdk:
        assert product_names(other_sdk, other) == ["starter", "unlimited"]
        assert linked_groups(other_sdk, other, "starter") == SYSTEM_GROUPS
        with pytest.raises(ResourceNotFoundError):
            other_sdk.product.get(other.resource_group, other.name, "private")
        # A group id of the first service cannot be linked in the second.
        with pytest.raises(HttpResponseError) as caught:
            other_sdk.product_group_link.create_or_update(
                other.resource_group,
                other.name,
                "starter",
                "foreign",
                ProductGroupLinkContract(group_id=f"{service.path}/groups/insiders"),
            )
        assert caught.value.status_code in (400, 404)
        assert linked_groups(other_sdk, other, "starter") == SYSTEM_GROUPS
    assert linked_groups(sdk, service, "starter") == [*SYSTEM_GROUPS, "insiders"]


BAD_PRODUCT_BODIES = [
    ("displayName too long", {"displayName": "x" * 301}, "displayName"),
    ("displayName missing", {"description": "no name"}, "displayName"),
    ("displayName empty", {"displayName": ""}, "displayName"),
    ("description too long", {"displayName": "P", "description": "d" * 1001}, "description"),
    ("state unknown", {"displayName": "P", "state": "live"}, "state"),
    (
        "subscriptionsLimit negative",
        {"displayName": "P", "subscriptionsLimit": -1},
        "subscriptionsLimit",
    ),
    (
        "subscriptionsLimit text",
        {"displayName": "P", "subscriptionsLimit": "many"},
        "subscriptionsLimit",
    ),
    (
        "subscriptionRequired text",
        {"displayName": "P", "subscriptionRequired": "yes"},
        "subscriptionRequired",
    ),
    (
        "approvalRequired text",
        {"displayName": "P", "approvalRequired": "maybe"},
        "approvalRequired",
    ),
    (
        "approval on an open product",
        {"displayName": "P", "subscriptionRequired": False, "approvalRequired": True},
        "approvalRequired",
    ),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_PRODUCT_BODIES, ids=[c[0] for c in BAD_PRODUCT_BODIES]
)
def test_bad_product_bodies_are_refused_and_create_nothing(
    http: httpx.Client, service: ServiceRef, case: str, properties: dict[str, Any], target: str
) -> None:
    create_is_refused(http, service.url("/products/bad"), properties, target)


BAD_PRODUCT_UPDATES = [
    ("displayName too long", {"displayName": "x" * 301}, "displayName"),
    ("displayName null", {"displayName": None}, "displayName"),
    ("state unknown", {"state": "live"}, "state"),
    ("subscriptionsLimit negative", {"subscriptionsLimit": -1}, "subscriptionsLimit"),
    ("opened while limited", {"subscriptionRequired": False}, "subscriptionsLimit"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"),
    BAD_PRODUCT_UPDATES,
    ids=[c[0] for c in BAD_PRODUCT_UPDATES],
)
def test_bad_product_updates_are_refused_and_change_nothing(
    http: httpx.Client, service: ServiceRef, case: str, properties: dict[str, Any], target: str
) -> None:
    updates_are_refused(http, service.url("/products/starter"), properties, target)


BAD_GROUP_LINKS = [
    ("groupId missing", {}, "groupId"),
    ("groupId empty", {"groupId": ""}, "groupId"),
    ("groupId of another service", {"groupId": "/subscriptions/x/groups/developers"}, "groupId"),
    ("groupId not a group", {"groupId": "/users/1"}, "groupId"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_GROUP_LINKS, ids=[c[0] for c in BAD_GROUP_LINKS]
)
def test_bad_group_links_are_refused_and_link_nothing(
    http: httpx.Client, service: ServiceRef, case: str, properties: dict[str, Any], target: str
) -> None:
    create_is_refused(http, service.url("/products/starter/groupLinks/badlink"), properties, target)
    listed = http.get(service.url("/products/starter/groupLinks"), params=V).json()
    assert listed["count"] == 3
