"""APIs and the APIs of products, driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ApiCreateOrUpdateParameter,
    ApiUpdateContract,
    ProductContract,
    SubscriptionCreateParameters,
    SubscriptionKeyParameterNamesContract,
)
from support.sdk import Statuses, client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service

V = {"api-version": "2024-05-01"}


def new_api(sdk: ApiManagementClient, service: ServiceRef, api_id: str, **fields: Any) -> Any:
    fields.setdefault("display_name", api_id.title())
    fields.setdefault("path", api_id)
    return sdk.api.begin_create_or_update(
        service.resource_group,
        service.name,
        api_id,
        ApiCreateOrUpdateParameter(**fields),
    ).result()


def api_names(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[str]:
    return [a.name for a in sdk.api.list_by_service(service.resource_group, service.name, **kwargs)]


def product_api_names(sdk: ApiManagementClient, service: ServiceRef, product_id: str) -> list[str]:
    return [
        a.name
        for a in sdk.product_api.list_by_product(service.resource_group, service.name, product_id)
    ]


def etag_of(sdk: ApiManagementClient, service: ServiceRef, api_id: str) -> str:
    _, headers = sdk.api.get(service.resource_group, service.name, api_id, cls=with_headers)
    return str(headers["ETag"])


def subscribe(sdk: ApiManagementClient, service: ServiceRef, sid: str, scope: str) -> Any:
    return sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        sid,
        SubscriptionCreateParameters(scope=scope, display_name=sid, state="active"),
    )


# --- Creating, reading and changing APIs -------------------------------------------------------


def test_create_api_fills_defaults(sdk: ApiManagementClient, service: ServiceRef) -> None:
    api = new_api(sdk, service, "echo", display_name="Echo API", path="echo")
    assert api.name == "echo"
    assert api.id == f"{service.path}/apis/echo"
    assert api.type == "Microsoft.ApiManagement/service/apis"
    assert api.display_name == "Echo API"
    assert api.path == "echo"
    assert api.protocols == ["https"]
    assert api.subscription_required is True
    assert api.subscription_key_parameter_names.header == "Ocp-Apim-Subscription-Key"
    assert api.subscription_key_parameter_names.query == "subscription-key"
    fetched = sdk.api.get(service.resource_group, service.name, "ECHO")
    assert fetched.as_dict() == api.as_dict()


def test_create_api_with_every_field(sdk: ApiManagementClient, service: ServiceRef) -> None:
    api = new_api(
        sdk,
        service,
        "weather",
        display_name="Weather",
        description="Forecasts",
        path="v1/weather",
        service_url="https://backend.example.com/weather",
        protocols=["http", "https"],
        subscription_required=False,
        subscription_key_parameter_names=SubscriptionKeyParameterNamesContract(
            header="X-Weather-Key", query="wkey"
        ),
    )
    assert api.description == "Forecasts"
    assert api.path == "v1/weather"
    assert api.service_url == "https://backend.example.com/weather"
    assert api.protocols == ["http", "https"]
    assert api.subscription_required is False
    assert api.subscription_key_parameter_names.header == "X-Weather-Key"
    assert api.subscription_key_parameter_names.query == "wkey"


def test_put_answers_201_then_200_and_merges(sdk: ApiManagementClient, service: ServiceRef) -> None:
    statuses = Statuses()
    sdk.api.begin_create_or_update(
        service.resource_group,
        service.name,
        "merged",
        ApiCreateOrUpdateParameter(display_name="Merged", path="merged", description="first"),
        raw_response_hook=statuses,
    ).result()
    updated = sdk.api.begin_create_or_update(
        service.resource_group,
        service.name,
        "merged",
        ApiCreateOrUpdateParameter(description="second", protocols=["http"]),
        raw_response_hook=statuses,
    ).result()
    assert statuses.seen == [201, 200]
    assert updated.display_name == "Merged"
    assert updated.path == "merged"
    assert updated.description == "second"
    assert updated.protocols == ["http"]


def test_display_name_and_path_are_required_on_create(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        sdk.api.begin_create_or_update(
            service.resource_group,
            service.name,
            "nameless",
            ApiCreateOrUpdateParameter(description="no name, no path"),
        ).result()
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert {d.target for d in caught.value.error.details} == {"displayName", "path"}
    with pytest.raises(ResourceNotFoundError):
        sdk.api.get(service.resource_group, service.name, "nameless")


@pytest.mark.parametrize("clash", ["orders", "ORDERS", "/orders/"])
def test_paths_are_unique_per_service_ignoring_case(
    sdk: ApiManagementClient, service: ServiceRef, clash: str
) -> None:
    new_api(sdk, service, "orders", path="orders")
    with pytest.raises(ResourceExistsError) as caught:
        new_api(sdk, service, "orders2", path=clash)
    assert caught.value.status_code == 409
    assert [d.target for d in caught.value.error.details] == ["path"]
    with pytest.raises(ResourceNotFoundError):
        sdk.api.get(service.resource_group, service.name, "orders2")


def test_moving_an_api_onto_a_taken_path_is_a_conflict(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "first", path="first")
    new_api(sdk, service, "second", path="second")
    with pytest.raises(ResourceExistsError) as caught:
        sdk.api.update(
            service.resource_group,
            service.name,
            "second",
            if_match="*",
            parameters=ApiUpdateContract(path="First"),
        )
    assert [d.target for d in caught.value.error.details] == ["path"]
    assert sdk.api.get(service.resource_group, service.name, "second").path == "second"
    # Changing only the casing of its own path is fine.
    renamed = sdk.api.update(
        service.resource_group,
        service.name,
        "second",
        if_match="*",
        parameters=ApiUpdateContract(path="Second"),
    )
    assert renamed.path == "Second"


def test_etag_changes_on_every_write_and_head_returns_it(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_api(sdk, service, "tagged")
    first = etag_of(sdk, service, "tagged")
    assert sdk.api.get_entity_tag(service.resource_group, service.name, "tagged") is True
    assert http.head(service.url("/apis/tagged"), params=V).headers["ETag"] == first
    _, written = sdk.api.update(
        service.resource_group,
        service.name,
        "tagged",
        if_match=first,
        parameters=ApiUpdateContract(description="changed"),
        cls=with_headers,
    )
    assert written["ETag"] != first
    assert etag_of(sdk, service, "tagged") == written["ETag"]


def test_patch_changes_only_the_given_fields(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(
        sdk,
        service,
        "patchme",
        service_url="https://backend.example.com",
        subscription_key_parameter_names=SubscriptionKeyParameterNamesContract(header="X-Key"),
    )
    patched = sdk.api.update(
        service.resource_group,
        service.name,
        "patchme",
        if_match=etag_of(sdk, service, "patchme"),
        parameters=ApiUpdateContract(subscription_required=False),
    )
    assert patched.subscription_required is False
    assert patched.service_url == "https://backend.example.com"
    assert patched.path == "patchme"
    assert patched.subscription_key_parameter_names.header == "X-Key"
    assert patched.subscription_key_parameter_names.query == "subscription-key"


def test_patch_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "stale")
    stale = etag_of(sdk, service, "stale")
    sdk.api.update(
        service.resource_group,
        service.name,
        "stale",
        if_match=stale,
        parameters=ApiUpdateContract(description="one"),
    )
    with pytest.raises(HttpResponseError) as caught:
        sdk.api.update(
            service.resource_group,
            service.name,
            "stale",
            if_match=stale,
            parameters=ApiUpdateContract(description="two"),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.api.get(service.resource_group, service.name, "stale").description == "one"


def test_missing_api_is_not_found(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.api.get(service.resource_group, service.name, "ghost")
    with pytest.raises(ResourceNotFoundError):
        sdk.api.get_entity_tag(service.resource_group, service.name, "ghost")


# --- Deleting APIs -----------------------------------------------------------------------------


def test_delete_api_through_the_sdk(sdk: ApiManagementClient, service: ServiceRef) -> None:
    # The SDK treats Api_Delete as a long-running operation and accepts only 202 or 204.
    new_api(sdk, service, "doomed")
    sdk.api.begin_delete(
        service.resource_group, service.name, "doomed", if_match=etag_of(sdk, service, "doomed")
    ).result()
    with pytest.raises(ResourceNotFoundError):
        sdk.api.get(service.resource_group, service.name, "doomed")


def test_deleting_a_missing_api(sdk: ApiManagementClient, service: ServiceRef) -> None:
    statuses = Statuses()
    sdk.api.begin_delete(
        service.resource_group, service.name, "never", if_match="*", raw_response_hook=statuses
    ).result()
    assert statuses.seen == [204]
    with pytest.raises(ResourceNotFoundError):
        sdk.api.begin_delete(
            service.resource_group, service.name, "never", if_match='"AAAAAAAAAAA="'
        ).result()


def test_delete_with_stale_etag_keeps_the_api(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_api(sdk, service, "keeper")
    response = http.delete(
        service.url("/apis/keeper"), params=V, headers={"If-Match": '"AAAAAAAAAAA="'}
    )
    assert response.status_code == 412
    assert sdk.api.get_entity_tag(service.resource_group, service.name, "keeper") is True


def test_deleting_an_api_removes_its_product_links_and_api_subscriptions(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_api(sdk, service, "retired")
    new_api(sdk, service, "staying")
    for api_id in ("retired", "staying"):
        sdk.product_api.create_or_update(service.resource_group, service.name, "starter", api_id)
    subscribe(sdk, service, "retired-sub", "/apis/retired")
    subscribe(sdk, service, "staying-sub", "/apis/staying")
    subscribe(sdk, service, "all-apis-sub", "/apis")
    subscribe(sdk, service, "product-sub", "/products/unlimited")

    response = http.delete(service.url("/apis/retired"), params=V, headers={"If-Match": "*"})
    assert response.status_code in (200, 204)
    assert (
        http.delete(service.url("/apis/retired"), params=V, headers={"If-Match": "*"}).status_code
        == 204
    )

    assert product_api_names(sdk, service, "starter") == ["staying"]
    with pytest.raises(ResourceNotFoundError):
        sdk.subscription.get(service.resource_group, service.name, "retired-sub")
    for sid in ("staying-sub", "all-apis-sub", "product-sub"):
        assert sdk.subscription.get(service.resource_group, service.name, sid).state == "active"
    # The path is free again.
    assert new_api(sdk, service, "successor", path="retired").path == "retired"


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
    response = http.put(service.url("/apis/bad"), params=V, json={"properties": properties})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"]], error
    assert http.get(service.url("/apis/bad"), params=V).status_code == 404


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
    before = http.get(service.url("/apis/steady"), params=V)
    for method in ("PUT", "PATCH"):
        response = http.request(
            method,
            service.url("/apis/steady"),
            params=V,
            json={"properties": properties},
            headers={"If-Match": "*"},
        )
        assert response.status_code == 400, (method, response.text)
        assert target in [d["target"] for d in response.json()["error"]["details"]]
    after = http.get(service.url("/apis/steady"), params=V)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
