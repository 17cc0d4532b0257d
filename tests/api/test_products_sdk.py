"""Products, product groups and product group links, driven through Azure's own SDK against a
live `apidesk serve`."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    ProductContract,
    ProductGroupLinkContract,
    ProductUpdateParameters,
    SubscriptionCreateParameters,
)
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service

V = {"api-version": "2024-05-01"}
SYSTEM_GROUPS = ["administrators", "developers", "guests"]
UPPER_GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def with_headers(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, Any]:
    return deserialized, headers


class Statuses:
    """Pass as `cls=`: records each response's status code and returns the model."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
        self.seen.append(pipeline_response.http_response.status_code)
        return deserialized


def new_product(
    sdk: ApiManagementClient, service: ServiceRef, product_id: str, **fields: Any
) -> Any:
    fields.setdefault("display_name", product_id.title())
    return sdk.product.create_or_update(
        service.resource_group, service.name, product_id, ProductContract(**fields)
    )


def new_group(sdk: ApiManagementClient, service: ServiceRef, group_id: str, **fields: Any) -> Any:
    fields.setdefault("display_name", group_id.title())
    return sdk.group.create_or_update(
        service.resource_group, service.name, group_id, GroupCreateParameters(**fields)
    )


def subscribe(sdk: ApiManagementClient, service: ServiceRef, sid: str, product_id: str) -> Any:
    return sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        sid,
        SubscriptionCreateParameters(
            scope=f"/products/{product_id}", display_name=sid, state="active"
        ),
    )


def product_names(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[str]:
    return [
        p.name for p in sdk.product.list_by_service(service.resource_group, service.name, **kwargs)
    ]


def linked_groups(
    sdk: ApiManagementClient, service: ServiceRef, product_id: str, **kwargs: Any
) -> list[str]:
    return [
        g.name
        for g in sdk.product_group.list_by_product(
            service.resource_group, service.name, product_id, **kwargs
        )
    ]


def group_links(
    sdk: ApiManagementClient, service: ServiceRef, product_id: str, **kwargs: Any
) -> dict[str, str]:
    """Link name → the bare id of the linked group."""
    return {
        link.name: link.group_id.rsplit("/", 1)[-1]
        for link in sdk.product_group_link.list_by_product(
            service.resource_group, service.name, product_id, **kwargs
        )
    }


def etag_of(sdk: ApiManagementClient, service: ServiceRef, product_id: str) -> str:
    _, headers = sdk.product.get(service.resource_group, service.name, product_id, cls=with_headers)
    return str(headers["ETag"])


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


# --- Product groups ----------------------------------------------------------------------------


def test_linking_a_group_answers_201_then_200_with_the_group(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "club")
    new_group(sdk, service, "members", display_name="Members")
    statuses = Statuses()
    linked = sdk.product_group.create_or_update(
        service.resource_group, service.name, "club", "members", cls=statuses
    )
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "club", "MEMBERS", cls=statuses
    )
    assert statuses.seen == [201, 200]
    assert linked.name == "members"
    assert linked.display_name == "Members"
    assert linked.type == "Microsoft.ApiManagement/service/products/groups"
    assert linked.id == f"{service.path}/groups/members"
    assert linked_groups(sdk, service, "club") == ["members"]


def test_listed_product_groups_have_nested_ids(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    (admins, *_) = sdk.product_group.list_by_product(
        service.resource_group, service.name, "starter"
    )
    assert admins.id == f"{service.path}/products/starter/groups/administrators"
    assert admins.type == "Microsoft.ApiManagement/service/products/groups"
    assert admins.built_in is True


def test_check_product_group(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_product(sdk, service, "checked")
    sdk.product_group.create_or_update(service.resource_group, service.name, "checked", "guests")
    check = sdk.product_group.check_entity_exists
    assert check(service.resource_group, service.name, "checked", "guests") is True
    # This SDK method accepts only 204, so a missing link surfaces as an error.
    with pytest.raises(ResourceNotFoundError):
        check(service.resource_group, service.name, "checked", "developers")


def test_unlinking_a_group_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "unlinked")
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "unlinked", "developers"
    )
    statuses = Statuses()
    for _ in range(2):
        sdk.product_group.delete(
            service.resource_group, service.name, "unlinked", "developers", cls=statuses
        )
    assert statuses.seen == [200, 204]
    assert linked_groups(sdk, service, "unlinked") == []
    assert group_links(sdk, service, "unlinked") == {}


def test_linking_a_missing_group_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "lonely")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group.create_or_update(service.resource_group, service.name, "lonely", "nope")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group.create_or_update(
            service.resource_group, service.name, "nothing", "developers"
        )
    assert linked_groups(sdk, service, "lonely") == []


@pytest.fixture
def vip_on_starter(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "vip", display_name="VIP", description="very important")
    sdk.product_group.create_or_update(service.resource_group, service.name, "starter", "vip")


@pytest.mark.usefixtures("vip_on_starter")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'GUESTS'", {"guests"}),
        ("name gt 'developers'", {"guests", "vip"}),
        ("name le 'developers'", {"administrators", "developers"}),
        ("displayName eq 'Administrators'", {"administrators"}),
        ("displayName ne 'Guests'", {"administrators", "developers", "vip"}),
        ("description eq 'very important'", {"vip"}),
        ("description ne 'very important' and name lt 'g'", {"administrators", "developers"}),
    ],
)
def test_product_group_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    assert set(linked_groups(sdk, service, "starter", filter=expression)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "startswith(name,'a')",
        "contains(displayName,'dev')",
        "displayName gt 'A'",
        "description le 'z'",
        "externalId eq 'x'",
    ],
)
def test_product_group_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        linked_groups(sdk, service, "starter", filter=expression)
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["$filter"]


# --- Product group links -----------------------------------------------------------------------


@pytest.mark.parametrize("form", ["full", "short"])
def test_group_link_answers_201_then_200(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    new_product(sdk, service, "linked")
    group_id = f"{service.path}/groups/guests" if form == "full" else "/groups/guests"
    statuses = Statuses()
    for _ in range(2):
        link = sdk.product_group_link.create_or_update(
            service.resource_group,
            service.name,
            "linked",
            "link1",
            ProductGroupLinkContract(group_id=group_id),
            cls=statuses,
        )
    assert statuses.seen == [201, 200]
    assert link.name == "link1"
    assert link.group_id == f"{service.path}/groups/guests"
    assert link.type == "Microsoft.ApiManagement/service/products/groupLinks"
    assert link.id == f"{service.path}/products/linked/groupLinks/link1"
    fetched = sdk.product_group_link.get(service.resource_group, service.name, "linked", "LINK1")
    assert fetched.as_dict() == link.as_dict()


def test_group_link_get_returns_an_etag(sdk: ApiManagementClient, service: ServiceRef) -> None:
    (name, _), *_ = group_links(sdk, service, "starter").items()
    _, headers = sdk.product_group_link.get(
        service.resource_group, service.name, "starter", name, cls=with_headers
    )
    assert headers["ETag"]


def test_a_link_name_cannot_move_to_another_group(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "moving")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "moving",
        "link1",
        ProductGroupLinkContract(group_id="/groups/guests"),
    )
    with pytest.raises(ResourceExistsError):
        sdk.product_group_link.create_or_update(
            service.resource_group,
            service.name,
            "moving",
            "link1",
            ProductGroupLinkContract(group_id="/groups/developers"),
        )
    assert group_links(sdk, service, "moving") == {"link1": "guests"}


def test_a_new_link_name_for_an_already_linked_group_adds_no_second_link(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    statuses = Statuses()
    link = sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "starter",
        "another",
        ProductGroupLinkContract(group_id="/groups/developers"),
        cls=statuses,
    )
    assert statuses.seen == [200]
    assert link.group_id == f"{service.path}/groups/developers"
    assert sorted(group_links(sdk, service, "starter").values()) == SYSTEM_GROUPS
    assert linked_groups(sdk, service, "starter") == SYSTEM_GROUPS


def test_deleting_a_group_link_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "unlinking")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "unlinking",
        "link1",
        ProductGroupLinkContract(group_id="/groups/developers"),
    )
    statuses = Statuses()
    for _ in range(2):
        sdk.product_group_link.delete(
            service.resource_group, service.name, "unlinking", "link1", cls=statuses
        )
    assert statuses.seen == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group_link.get(service.resource_group, service.name, "unlinking", "link1")


@pytest.mark.parametrize("form", ["full", "short"])
def test_group_links_filter_on_group_id(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    prefix = service.path if form == "full" else ""
    found = group_links(sdk, service, "starter", filter=f"groupId eq '{prefix}/groups/developers'")
    assert list(found.values()) == ["developers"]
    others = group_links(sdk, service, "starter", filter=f"groupId ne '{prefix}/groups/guests'")
    assert sorted(others.values()) == ["administrators", "developers"]


def test_group_links_filter_with_functions(sdk: ApiManagementClient, service: ServiceRef) -> None:
    found = group_links(sdk, service, "starter", filter="endswith(groupId,'/groups/guests')")
    assert list(found.values()) == ["guests"]
    with pytest.raises(HttpResponseError) as caught:
        group_links(sdk, service, "starter", filter="name eq 'x'")
    assert caught.value.status_code == 400


def test_a_link_made_as_a_product_group_shows_as_a_group_link_and_back(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "both")
    new_group(sdk, service, "viaold")
    new_group(sdk, service, "vianew")
    sdk.product_group.create_or_update(service.resource_group, service.name, "both", "viaold")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "both",
        "newlink",
        ProductGroupLinkContract(group_id=f"{service.path}/groups/vianew"),
    )
    links = group_links(sdk, service, "both")
    assert sorted(links.values()) == ["vianew", "viaold"]
    generated = next(name for name, group in links.items() if group == "viaold")
    assert UPPER_GUID.match(generated)
    assert links["newlink"] == "vianew"
    assert linked_groups(sdk, service, "both") == ["viaold", "vianew"]
    check = sdk.product_group.check_entity_exists
    assert check(service.resource_group, service.name, "both", "vianew") is True
    # Linking the group again through the other view is "already linked".
    statuses = Statuses()
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "both", "vianew", cls=statuses
    )
    assert statuses.seen == [200]
    assert len(group_links(sdk, service, "both")) == 2


def test_unlinking_through_one_view_removes_it_from_the_other(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "split")
    sdk.product_group.create_or_update(service.resource_group, service.name, "split", "guests")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "split",
        "devlink",
        ProductGroupLinkContract(group_id="/groups/developers"),
    )
    guests_link = next(n for n, g in group_links(sdk, service, "split").items() if g == "guests")
    sdk.product_group_link.delete(service.resource_group, service.name, "split", guests_link)
    sdk.product_group.delete(service.resource_group, service.name, "split", "developers")
    assert linked_groups(sdk, service, "split") == []
    assert group_links(sdk, service, "split") == {}


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
    response = http.put(service.url("/products/bad"), params=V, json={"properties": properties})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"]], error
    assert http.get(service.url("/products/bad"), params=V).status_code == 404


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
    before = http.get(service.url("/products/starter"), params=V)
    for method in ("PUT", "PATCH"):
        response = http.request(
            method,
            service.url("/products/starter"),
            params=V,
            json={"properties": properties},
            headers={"If-Match": "*"},
        )
        assert response.status_code == 400, (method, response.text)
        assert target in [d["target"] for d in response.json()["error"]["details"]]
    after = http.get(service.url("/products/starter"), params=V)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


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
    url = service.url("/products/starter/groupLinks/badlink")
    response = http.put(url, params=V, json={"properties": properties})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"]], error
    assert http.get(url, params=V).status_code == 404
    listed = http.get(service.url("/products/starter/groupLinks"), params=V).json()
    assert listed["count"] == 3
