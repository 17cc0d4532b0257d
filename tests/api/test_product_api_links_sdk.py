"""A product's API links (`products/{p}/apiLinks`), driven through Azure's own SDK against a
live `apidesk serve`: the same memberships as `products/{p}/apis`, whichever side changes them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import ApiCreateOrUpdateParameter, ProductApiLinkContract
from support.sdk import Statuses, with_headers
from support.server import ServiceRef, create_service

V = {"api-version": "2024-05-01"}
LINKS_TYPE = "Microsoft.ApiManagement/service/products/apiLinks"


def new_api(sdk: ApiManagementClient, service: ServiceRef, api_id: str) -> None:
    sdk.api.begin_create_or_update(
        service.resource_group,
        service.name,
        api_id,
        ApiCreateOrUpdateParameter(display_name=api_id.title(), path=api_id),
    ).result()


def api_id(service: ServiceRef, name: str) -> str:
    return f"{service.path}/apis/{name}"


def link(
    sdk: ApiManagementClient, service: ServiceRef, product: str, name: str, api: str, **kw: Any
) -> Any:
    return sdk.product_api_link.create_or_update(
        service.resource_group,
        service.name,
        product,
        name,
        ProductApiLinkContract(api_id=api),
        **kw,
    )


def product_apis(sdk: ApiManagementClient, service: ServiceRef, product: str) -> set[str]:
    return {
        a.name
        for a in sdk.product_api.list_by_product(service.resource_group, service.name, product)
    }


def api_links(
    sdk: ApiManagementClient, service: ServiceRef, product: str, **kw: Any
) -> dict[str, str]:
    return {
        item.name: item.api_id
        for item in sdk.product_api_link.list_by_product(
            service.resource_group, service.name, product, **kw
        )
    }


def test_a_link_answers_201_then_200_and_puts_the_api_in_the_product(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "echo")
    statuses = Statuses()
    created = link(sdk, service, "starter", "link1", api_id(service, "echo"), cls=statuses)
    again = link(sdk, service, "starter", "link1", "/apis/echo", cls=statuses)
    assert statuses.seen == [201, 200]
    assert created is not None and again is not None
    got = sdk.product_api_link.get(service.resource_group, service.name, "starter", "link1")
    assert got.name == "link1"
    assert got.type == LINKS_TYPE
    assert got.id == f"{service.path}/products/starter/apiLinks/link1"
    assert got.api_id == api_id(service, "echo")
    assert product_apis(sdk, service, "starter") == {"echo"}


def test_get_carries_an_etag(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "tagged")
    link(sdk, service, "starter", "t", "tagged")
    _, headers = sdk.product_api_link.get(
        service.resource_group, service.name, "starter", "T", cls=with_headers
    )
    assert headers["ETag"]


def test_apis_added_to_a_product_show_as_links(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "one")
    new_api(sdk, service, "two")
    for name in ("one", "two"):
        sdk.product_api.create_or_update(service.resource_group, service.name, "unlimited", name)
    links = api_links(sdk, service, "unlimited")
    assert sorted(links.values()) == [api_id(service, "one"), api_id(service, "two")]
    for name in links:
        got = sdk.product_api_link.get(service.resource_group, service.name, "unlimited", name)
        assert got.api_id in links.values()


def test_removing_the_api_from_the_product_removes_its_link_and_back(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "gone")
    new_api(sdk, service, "kept")
    link(sdk, service, "starter", "gone-link", "gone")
    link(sdk, service, "starter", "kept-link", "kept")
    sdk.product_api.delete(service.resource_group, service.name, "starter", "gone")
    assert set(api_links(sdk, service, "starter")) == {"kept-link"}
    statuses = Statuses()
    sdk.product_api_link.delete(
        service.resource_group, service.name, "starter", "kept-link", cls=statuses
    )
    sdk.product_api_link.delete(
        service.resource_group, service.name, "starter", "kept-link", cls=statuses
    )
    assert statuses.seen == [200, 204]
    assert product_apis(sdk, service, "starter") == set()
    with pytest.raises(ResourceNotFoundError):
        sdk.product_api_link.get(service.resource_group, service.name, "starter", "kept-link")


def test_deleting_the_api_removes_its_links(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "doomed")
    link(sdk, service, "starter", "l", "doomed")
    link(sdk, service, "unlimited", "l", "doomed")
    sdk.api.begin_delete(service.resource_group, service.name, "doomed", if_match="*").result()
    assert api_links(sdk, service, "starter") == {}
    assert api_links(sdk, service, "unlimited") == {}


def test_a_link_name_names_one_api(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_api(sdk, service, "first")
    new_api(sdk, service, "second")
    link(sdk, service, "starter", "only", "first")
    with pytest.raises(ResourceExistsError):
        link(sdk, service, "starter", "only", "second")
    assert product_apis(sdk, service, "starter") == {"first"}


def test_an_api_already_in_the_product_keeps_its_link(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "once")
    link(sdk, service, "starter", "original", "once")
    statuses = Statuses()
    answer = link(sdk, service, "starter", "another", "once", cls=statuses)
    assert statuses.seen == [200]
    assert answer is not None
    assert api_links(sdk, service, "starter") == {"original": api_id(service, "once")}


def test_api_links_filter_on_api_id(sdk: ApiManagementClient, service: ServiceRef) -> None:
    for name in ("alpha", "beta", "gamma"):
        new_api(sdk, service, name)
        link(sdk, service, "starter", f"{name}-link", name)
    exact = api_links(sdk, service, "starter", filter=f"apiId eq '{api_id(service, 'beta')}'")
    assert exact == {"beta-link": api_id(service, "beta")}
    ending = api_links(sdk, service, "starter", filter="endswith(apiId,'/apis/gamma')")
    assert set(ending) == {"gamma-link"}
    assert set(api_links(sdk, service, "starter", top=1)) == {
        "alpha-link",
        "beta-link",
        "gamma-link",
    }


def test_missing_products_apis_and_links_are_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.product_api_link.get(service.resource_group, service.name, "starter", "nothing")
    with pytest.raises(ResourceNotFoundError):
        link(sdk, service, "starter", "x", "no-such-api")
    with pytest.raises(ResourceNotFoundError):
        list(sdk.product_api_link.list_by_product(service.resource_group, service.name, "none"))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"properties": {}},
        {"properties": {"apiId": ""}},
        {"properties": {"apiId": "/apis/a/operations/b"}},
        {"properties": {"apiId": 7}},
    ],
)
def test_bad_link_bodies_are_refused_and_change_nothing(
    http: httpx.Client, sdk: ApiManagementClient, service: ServiceRef, body: Any
) -> None:
    new_api(sdk, service, "a")
    response = http.put(service.url("/products/starter/apiLinks/bad"), params=V, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ValidationError"
    assert api_links(sdk, service, "starter") == {}


def test_an_api_of_another_service_cannot_be_linked(
    http: httpx.Client, sdk: ApiManagementClient, service: ServiceRef
) -> None:
    other = create_service(http)
    new_api(sdk, other, "theirs")
    with pytest.raises(HttpResponseError) as caught:
        link(sdk, service, "starter", "l", api_id(other, "theirs"))
    assert caught.value.status_code == 400
    assert api_links(sdk, service, "starter") == {}


def test_a_bad_link_id_is_refused(
    http: httpx.Client, sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_api(sdk, service, "b")
    response = http.put(
        service.url(f"/products/starter/apiLinks/{'x' * 81}"),
        params=V,
        json={"properties": {"apiId": "/apis/b"}},
    )
    assert response.status_code == 400
    assert api_links(sdk, service, "starter") == {}
