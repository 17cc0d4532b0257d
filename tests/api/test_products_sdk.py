"""Products driven through Azure's own SDK against a live `apidesk serve`: the seeded ones,
creating, reading, changing and listing them. Product groups and links are in
test_product_groups_sdk.py; deleting, isolation and bad input in
test_product_deletes_and_input_sdk.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductContract,
    ProductUpdateParameters,
)
from support.products import (
    SYSTEM_GROUPS,
    UPPER_GUID,
    V,
    etag_of,
    linked_groups,
    new_group,
    new_product,
    product_names,
)
from support.sdk import Statuses, with_headers
from support.server import ServiceRef

# --- Seed products -----------------------------------------------------------------------------


def test_seed_products(sdk: ApiManagementClient, service: ServiceRef) -> None:
    products = {
        p.name: p for p in sdk.product.list_by_service(service.resource_group, service.name)
    }
    assert list(products) == ["starter", "unlimited"]
    starter, unlimited = products["starter"], products["unlimited"]
    assert (starter.display_name, unlimited.display_name) == ("Starter", "Unlimited")
    for product, approval in ((starter, False), (unlimited, True)):
        assert product.type == "Microsoft.ApiManagement/service/products"
        assert product.id.endswith(f"/service/{service.name}/products/{product.name}")
        assert product.subscription_required is True
        assert product.approval_required is approval
        assert product.subscriptions_limit == 1
        assert product.state == "published"


@pytest.mark.parametrize("product_id", ["starter", "unlimited"])
def test_seed_products_are_visible_to_every_system_group_in_both_views(
    sdk: ApiManagementClient, service: ServiceRef, product_id: str
) -> None:
    assert linked_groups(sdk, service, product_id) == SYSTEM_GROUPS
    links = list(
        sdk.product_group_link.list_by_product(service.resource_group, service.name, product_id)
    )
    assert sorted(link.group_id for link in links) == [
        f"{service.path}/groups/{g}" for g in SYSTEM_GROUPS
    ]
    for link in links:
        assert UPPER_GUID.match(link.name), link.name
        assert link.type == "Microsoft.ApiManagement/service/products/groupLinks"
        assert link.id == f"{service.path}/products/{product_id}/groupLinks/{link.name}"


# --- Creating, reading and changing products ---------------------------------------------------


def test_product_created_with_only_a_display_name_gets_defaults(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    product = new_product(sdk, service, "bare", display_name="Bare")
    assert product.name == "bare"
    assert product.display_name == "Bare"
    assert product.subscription_required is True
    assert product.approval_required is False
    assert product.state == "notPublished"
    assert product.subscriptions_limit is None
    assert linked_groups(sdk, service, "bare") == []
    fetched = sdk.product.get(service.resource_group, service.name, "BARE")
    assert fetched.as_dict() == product.as_dict()


def test_put_answers_201_then_200_and_merges(sdk: ApiManagementClient, service: ServiceRef) -> None:
    statuses = Statuses()
    sdk.product.create_or_update(
        service.resource_group,
        service.name,
        "gold",
        ProductContract(display_name="Gold", description="shiny", subscriptions_limit=3),
        cls=statuses,
    )
    updated = sdk.product.create_or_update(
        service.resource_group,
        service.name,
        "gold",
        ProductContract(state="published", terms="Be nice."),
        cls=statuses,
    )
    assert statuses.seen == [201, 200]
    assert updated.display_name == "Gold"
    assert updated.description == "shiny"
    assert updated.subscriptions_limit == 3
    assert updated.state == "published"
    assert updated.terms == "Be nice."


def test_open_product_without_subscription(sdk: ApiManagementClient, service: ServiceRef) -> None:
    product = new_product(sdk, service, "open", subscription_required=False)
    assert product.subscription_required is False
    assert product.approval_required is False
    assert product.subscriptions_limit is None


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"approval_required": True}, "approvalRequired"),
        ({"subscriptions_limit": 5}, "subscriptionsLimit"),
    ],
)
def test_subscription_rules_need_subscription_required(
    sdk: ApiManagementClient, service: ServiceRef, fields: dict[str, Any], target: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        new_product(sdk, service, "contradiction", subscription_required=False, **fields)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert [d.target for d in caught.value.error.details] == [target]
    with pytest.raises(ResourceNotFoundError):
        sdk.product.get(service.resource_group, service.name, "contradiction")


def test_opening_a_product_that_has_a_subscription_limit_is_refused(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    before = sdk.product.get(service.resource_group, service.name, "unlimited").as_dict()
    with pytest.raises(HttpResponseError) as caught:
        sdk.product.update(
            service.resource_group,
            service.name,
            "unlimited",
            if_match="*",
            parameters=ProductUpdateParameters(subscription_required=False),
        )
    assert caught.value.status_code == 400
    assert {d.target for d in caught.value.error.details} == {
        "approvalRequired",
        "subscriptionsLimit",
    }
    assert sdk.product.get(service.resource_group, service.name, "unlimited").as_dict() == before


def test_a_product_can_be_opened_when_its_subscription_rules_are_cleared_too(
    http: httpx.Client, service: ServiceRef, sdk: ApiManagementClient
) -> None:
    response = http.patch(
        service.url("/products/unlimited"),
        params=V,
        json={
            "properties": {
                "subscriptionRequired": False,
                "approvalRequired": False,
                "subscriptionsLimit": None,
            }
        },
        headers={"If-Match": "*"},
    )
    assert response.status_code == 200, response.text
    product = sdk.product.get(service.resource_group, service.name, "unlimited")
    assert product.subscription_required is False
    assert product.approval_required is False
    assert product.subscriptions_limit is None


def test_etag_changes_on_every_write_and_head_returns_it(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_product(sdk, service, "tagged")
    first = etag_of(sdk, service, "tagged")
    assert sdk.product.get_entity_tag(service.resource_group, service.name, "tagged") is True
    assert http.head(service.url("/products/tagged"), params=V).headers["ETag"] == first
    _, written = sdk.product.update(
        service.resource_group,
        service.name,
        "tagged",
        if_match=first,
        parameters=ProductUpdateParameters(description="changed"),
        cls=with_headers,
    )
    assert written["ETag"] != first
    assert etag_of(sdk, service, "tagged") == written["ETag"]


def test_patch_changes_only_the_given_fields(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_product(sdk, service, "patchme", description="kept", subscriptions_limit=2)
    patched = sdk.product.update(
        service.resource_group,
        service.name,
        "patchme",
        if_match=etag_of(sdk, service, "patchme"),
        parameters=ProductUpdateParameters(state="published"),
    )
    assert patched.state == "published"
    assert patched.description == "kept"
    assert patched.subscriptions_limit == 2


def test_patch_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_product(sdk, service, "stale")
    stale = etag_of(sdk, service, "stale")
    sdk.product.update(
        service.resource_group,
        service.name,
        "stale",
        if_match=stale,
        parameters=ProductUpdateParameters(description="one"),
    )
    with pytest.raises(HttpResponseError) as caught:
        sdk.product.update(
            service.resource_group,
            service.name,
            "stale",
            if_match=stale,
            parameters=ProductUpdateParameters(description="two"),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.product.get(service.resource_group, service.name, "stale").description == "one"


def test_patch_without_if_match_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_product(sdk, service, "noifmatch", description="original")
    response = http.patch(
        service.url("/products/noifmatch"), params=V, json={"properties": {"description": "x"}}
    )
    assert response.status_code == 400, response.text
    assert [d["target"] for d in response.json()["error"]["details"]] == ["If-Match"]
    product = sdk.product.get(service.resource_group, service.name, "noifmatch")
    assert product.description == "original"


def test_missing_product_is_not_found(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.product.get(service.resource_group, service.name, "ghost")
    with pytest.raises(ResourceNotFoundError):
        sdk.product.get_entity_tag(service.resource_group, service.name, "ghost")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group.list_by_product(service.resource_group, service.name, "ghost").next()


# --- Listing products --------------------------------------------------------------------------


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    for index in range(3):
        new_product(sdk, service, f"page{index}")
    pager = sdk.product.list_by_service(service.resource_group, service.name, top=2).by_page()
    pages = [[p.name for p in page] for page in pager]
    assert pages == [["starter", "unlimited"], ["page0", "page1"], ["page2"]]


@pytest.fixture
def catalogue(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_product(
        sdk,
        service,
        "gold",
        display_name="Gold Plan",
        description="Premium support",
        terms="Pay monthly",
        state="published",
    )
    new_product(
        sdk,
        service,
        "silver",
        display_name="Silver Plan",
        description="Standard support",
        terms="Pay yearly",
    )


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'GOLD'", {"gold"}),
        ("name ne 'gold' and name ne 'starter'", {"silver", "unlimited"}),
        ("name gt 'silver'", {"starter", "unlimited"}),
        ("name le 'gold'", {"gold"}),
        ("startswith(displayName,'S')", {"silver", "starter"}),
        ("endswith(displayName,'plan')", {"gold", "silver"}),
        ("contains(description,'PREMIUM')", {"gold"}),
        ("substringof('month', terms)", {"gold"}),
        ("terms ge 'Pay' and terms lt 'Pay y'", {"gold"}),
        ("description eq 'Standard support'", {"silver"}),
        ("state eq 'notPublished'", {"silver"}),
        ("state eq 'published' and startswith(name,'s')", {"starter"}),
    ],
)
def test_product_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    assert set(product_names(sdk, service, filter=expression)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "state ne 'published'",
        "startswith(state,'pub')",
        "subscriptionRequired eq true",
        "approvalRequired eq false",
        "groups eq 'developers'",
    ],
)
def test_product_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        product_names(sdk, service, filter=expression)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert [d.target for d in caught.value.error.details] == ["$filter"]


def test_expand_groups_adds_the_groups_that_see_each_product(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_product(sdk, service, "hidden")
    new_group(sdk, service, "vip", display_name="VIP")
    new_product(sdk, service, "vipsonly")
    sdk.product_group.create_or_update(service.resource_group, service.name, "vipsonly", "vip")
    body = http.get(service.url("/products"), params={**V, "expandGroups": "true"}).json()
    groups = {
        p["name"]: [g["displayName"] for g in p["properties"]["groups"]] for p in body["value"]
    }
    assert groups == {
        "starter": ["Administrators", "Developers", "Guests"],
        "unlimited": ["Administrators", "Developers", "Guests"],
        "hidden": [],
        "vipsonly": ["VIP"],
    }
    vip = body["value"][-1]["properties"]["groups"][0]
    assert vip["type"] == "custom" and vip["builtIn"] is False
    plain = http.get(service.url("/products"), params=V).json()
    assert all("groups" not in p["properties"] for p in plain["value"])


def test_listing_by_tags_is_not_supported(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(HttpResponseError) as caught:
        product_names(sdk, service, tags="gold")
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["tags"]
