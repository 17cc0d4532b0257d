"""What the API SDK tests share: short forms of the SDK's calls for APIs, a product's APIs and
subscriptions (tests/api/test_api*_sdk.py)."""

from __future__ import annotations

from typing import Any

from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ApiCreateOrUpdateParameter,
    SubscriptionCreateParameters,
)
from support.sdk import with_headers
from support.server import ServiceRef

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
