"""Lists of subscriptions through Azure's own SDK against a live `apidesk serve`: filters and
paging, a user's and a product's subscriptions, what deleting the owner or the product does
to them, and isolation between services (reference §2.3, §2.4, §2.10, §3.7)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from support.sdk import client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service
from support.subscriptions import (
    PRODUCT_SUBSCRIPTIONS_TYPE,
    USER_SUBSCRIPTIONS_TYPE,
    V,
    etag_of,
    get,
    listed,
    names,
    new_api,
    new_product,
    new_user,
    patch,
    secrets,
    seeded,
    subscribe,
)

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
