"""Lists of APIs, the APIs of products, one service's APIs unseen by another, and bad API bodies
refused without a change, driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductContract,
)
from support.apis import (
    api_names,
    new_api,
    product_api_names,
)
from support.refusals import create_is_refused, updates_are_refused
from support.sdk import Statuses, client_for
from support.server import LiveServer, ServiceRef, create_service

# --- Listing APIs ------------------------------------------------------------------------------


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    assert api_names(sdk, service) == []
    for index in range(5):
        new_api(sdk, service, f"page{index}")
    pager = sdk.api.list_by_service(service.resource_group, service.name, top=2).by_page()
    pages = [[a.name for a in page] for page in pager]
    assert pages == [["page0", "page1"], ["page2", "page3"], ["page4"]]


@pytest.fixture
def apis(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(
        sdk,
        service,
        "petstore",
        display_name="Pet Store",
        path="pets",
        description="Cats and dogs",
        service_url="https://pets.example.com",
    )
    new_api(
        sdk,
        service,
        "payments",
        display_name="Payments",
        path="v2/pay",
        service_url="https://pay.example.org",
    )
    new_api(sdk, service, "echo", display_name="Echo", path="echo")


@pytest.mark.usefixtures("apis")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'ECHO'", {"echo"}),
        ("name ne 'echo'", {"petstore", "payments"}),
        ("name gt 'payments'", {"petstore"}),
        ("startswith(name,'p')", {"petstore", "payments"}),
        ("contains(displayName,'store')", {"petstore"}),
        ("description eq 'Cats and dogs'", {"petstore"}),
        ("endswith(serviceUrl,'.org')", {"payments"}),
        ("substringof('example', serviceUrl)", {"petstore", "payments"}),
        ("path eq 'v2/pay'", {"payments"}),
        ("startswith(path,'e') or path eq 'pets'", {"echo", "petstore"}),
    ],
)
def test_api_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    assert set(api_names(sdk, service, filter=expression)) == expected


@pytest.mark.parametrize(
    "expression", ["subscriptionRequired eq true", "protocols eq 'https'", "isCurrent eq true"]
)
def test_api_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        api_names(sdk, service, filter=expression)
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["$filter"]


# --- Product APIs ------------------------------------------------------------------------------


def test_adding_an_api_to_a_product_answers_201_then_200(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "catalog", display_name="Catalog")
    statuses = Statuses()
    added = sdk.product_api.create_or_update(
        service.resource_group, service.name, "starter", "catalog", cls=statuses
    )
    sdk.product_api.create_or_update(
        service.resource_group, service.name, "starter", "CATALOG", cls=statuses
    )
    assert statuses.seen == [201, 200]
    assert added.name == "catalog"
    assert added.display_name == "Catalog"
    assert product_api_names(sdk, service, "starter") == ["catalog"]
    assert product_api_names(sdk, service, "unlimited") == []


def test_listed_product_apis_have_nested_ids(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "nested")
    sdk.product_api.create_or_update(service.resource_group, service.name, "unlimited", "nested")
    (api,) = sdk.product_api.list_by_product(service.resource_group, service.name, "unlimited")
    assert api.id == f"{service.path}/products/unlimited/apis/nested"
    assert api.type == "Microsoft.ApiManagement/service/products/apis"
    assert api.path == "nested"


def test_check_product_api(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "inside")
    new_api(sdk, service, "outside")
    sdk.product_api.create_or_update(service.resource_group, service.name, "starter", "inside")
    check = sdk.product_api.check_entity_exists
    assert check(service.resource_group, service.name, "starter", "inside") is True
    # This SDK method accepts only 204, so an API outside the product surfaces as an error.
    with pytest.raises(ResourceNotFoundError):
        check(service.resource_group, service.name, "starter", "outside")


def test_removing_an_api_from_a_product_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "removed")
    sdk.product_api.create_or_update(service.resource_group, service.name, "starter", "removed")
    statuses = Statuses()
    for _ in range(2):
        sdk.product_api.delete(
            service.resource_group, service.name, "starter", "removed", cls=statuses
        )
    assert statuses.seen == [200, 204]
    assert product_api_names(sdk, service, "starter") == []
    assert sdk.api.get(service.resource_group, service.name, "removed").name == "removed"


def test_linking_a_missing_api_or_product_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "real")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_api.create_or_update(service.resource_group, service.name, "starter", "nope")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_api.create_or_update(service.resource_group, service.name, "nothing", "real")
    assert product_api_names(sdk, service, "starter") == []


def test_deleting_a_product_removes_its_api_links_but_not_the_apis(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    sdk.product.create_or_update(
        service.resource_group, service.name, "bundle", ProductContract(display_name="Bundle")
    )
    new_api(sdk, service, "bundled")
    sdk.product_api.create_or_update(service.resource_group, service.name, "bundle", "bundled")
    sdk.product.delete(service.resource_group, service.name, "bundle", if_match="*")
    assert sdk.api.get(service.resource_group, service.name, "bundled").name == "bundled"
    sdk.product.create_or_update(
        service.resource_group, service.name, "bundle", ProductContract(display_name="Bundle")
    )
    assert product_api_names(sdk, service, "bundle") == []


# --- Isolation and bad input -------------------------------------------------------------------


def test_second_service_sees_none_of_the_first_ones_apis(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    new_api(sdk, service, "private", path="shared-path")
    sdk.product_api.create_or_update(service.resource_group, service.name, "starter", "private")
    other = create_service(http)
    with client_for(server.url, server.token, other.subscription_id) as other_sdk:
        assert api_names(other_sdk, other) == []
        assert product_api_names(other_sdk, other, "starter") == []
        with pytest.raises(ResourceNotFoundError):
            other_sdk.api.get(other.resource_group, other.name, "private")
        # Paths are unique per service only.
        assert new_api(other_sdk, other, "mine", path="shared-path").path == "shared-path"
    assert api_names(sdk, service) == ["private"]


BAD_API_BODIES = [
    ("displayName too long", {"displayName": "x" * 301, "path": "p"}, "displayName"),
    ("displayName empty", {"displayName": "", "path": "p"}, "displayName"),
    ("path with query", {"displayName": "A", "path": "p?x=1"}, "path"),
    ("path with fragment", {"displayName": "A", "path": "p#frag"}, "path"),
    ("path with space", {"displayName": "A", "path": "my api"}, "path"),
    ("path too long", {"displayName": "A", "path": "p" * 401}, "path"),
    ("protocols unknown", {"displayName": "A", "path": "p", "protocols": ["ftp"]}, "protocols"),
    ("protocols empty", {"displayName": "A", "path": "p", "protocols": []}, "protocols"),
    ("protocols not a list", {"displayName": "A", "path": "p", "protocols": "https"}, "protocols"),
    (
        "serviceUrl relative",
        {"displayName": "A", "path": "p", "serviceUrl": "backend"},
        "serviceUrl",
    ),
    (
        "serviceUrl other scheme",
        {"displayName": "A", "path": "p", "serviceUrl": "ftp://files.example.com"},
        "serviceUrl",
    ),
    (
        "subscriptionRequired text",
        {"displayName": "A", "path": "p", "subscriptionRequired": "yes"},
        "subscriptionRequired",
    ),
    (
        "header name with space",
        {"displayName": "A", "path": "p", "subscriptionKeyParameterNames": {"header": "My Key"}},
        "subscriptionKeyParameterNames.header",
    ),
    (
        "query name with ampersand",
        {"displayName": "A", "path": "p", "subscriptionKeyParameterNames": {"query": "a&b"}},
        "subscriptionKeyParameterNames.query",
    ),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_API_BODIES, ids=[c[0] for c in BAD_API_BODIES]
)
def test_bad_api_bodies_are_refused_and_create_nothing(
    http: httpx.Client, service: ServiceRef, case: str, properties: dict[str, Any], target: str
) -> None:
    create_is_refused(http, service.url("/apis/bad"), properties, target)


BAD_API_UPDATES = [
    ("displayName too long", {"displayName": "x" * 301}, "displayName"),
    ("displayName null", {"displayName": None}, "displayName"),
    ("path with query", {"path": "p?x=1"}, "path"),
    ("path null", {"path": None}, "path"),
    ("protocols unknown", {"protocols": ["https", "ftp"]}, "protocols"),
    ("serviceUrl relative", {"serviceUrl": "/backend"}, "serviceUrl"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_API_UPDATES, ids=[c[0] for c in BAD_API_UPDATES]
)
def test_bad_api_updates_are_refused_and_change_nothing(
    sdk: ApiManagementClient,
    http: httpx.Client,
    service: ServiceRef,
    case: str,
    properties: dict[str, Any],
    target: str,
) -> None:
    new_api(sdk, service, "steady", service_url="https://steady.example.com")
    updates_are_refused(http, service.url("/apis/steady"), properties, target)
