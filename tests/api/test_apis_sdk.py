"""APIs driven through Azure's own SDK against a live `apidesk serve`: creating, reading,
changing and deleting them. Lists, a product's APIs, isolation and bad input are in
test_api_lists_and_input_sdk.py."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ApiCreateOrUpdateParameter,
    ApiUpdateContract,
    SubscriptionKeyParameterNamesContract,
)
from support.apis import (
    V,
    etag_of,
    new_api,
    product_api_names,
    subscribe,
)
from support.sdk import Statuses, with_headers
from support.server import ServiceRef

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
