"""What the subscription SDK tests share: the seeded names and messages, and short forms of
the SDK's calls (tests/api/test_subscription*_sdk.py)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from azure.core.exceptions import HttpResponseError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductContract,
    SubscriptionCreateParameters,
    SubscriptionUpdateParameters,
    UserCreateParameters,
)
from support.sdk import with_headers
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
HEX24 = re.compile(r"^[0-9a-f]{24}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
SCOPE_RULE = "Subscription scope should be one of /apis, /apis/{apiId}, /products/{productId}"
LIMIT_REACHED = "Subscriptions limit reached for same user"
SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/subscriptions"
USER_SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/users/subscriptions"
PRODUCT_SUBSCRIPTIONS_TYPE = "Microsoft.ApiManagement/service/products/subscriptions"
STALE_ETAG = '"AAAAAAAAAAA="'


def new_user(sdk: ApiManagementClient, service: ServiceRef, user_id: str) -> Any:
    return sdk.user.create_or_update(
        service.resource_group,
        service.name,
        user_id,
        UserCreateParameters(
            email=f"{user_id}@example.com", first_name=user_id.title(), last_name="Tester"
        ),
    )


def new_product(
    sdk: ApiManagementClient,
    service: ServiceRef,
    product_id: str,
    *,
    limit: int | None = None,
    approval: bool = False,
) -> Any:
    return sdk.product.create_or_update(
        service.resource_group,
        service.name,
        product_id,
        ProductContract(
            display_name=product_id.title(),
            subscription_required=True,
            approval_required=approval,
            subscriptions_limit=limit,
            state="published",
        ),
    )


def new_api(http: httpx.Client, service: ServiceRef, api_id: str) -> None:
    response = http.put(
        service.url(f"/apis/{api_id}"),
        params=V,
        json={"properties": {"displayName": api_id.title(), "path": api_id}},
    )
    assert response.status_code == 201, response.text


def subscribe(
    sdk: ApiManagementClient,
    service: ServiceRef,
    sid: str,
    scope: str,
    owner: str | None = None,
    display_name: str | None = None,
    **extra: Any,
) -> Any:
    return sdk.subscription.create_or_update(
        service.resource_group,
        service.name,
        sid,
        SubscriptionCreateParameters(
            scope=scope,
            owner_id=f"/users/{owner}" if owner else None,
            display_name=display_name or sid,
            **extra,
        ),
    )


def patch(
    sdk: ApiManagementClient, service: ServiceRef, sid: str, if_match: str = "*", **changes: Any
) -> Any:
    return sdk.subscription.update(
        service.resource_group,
        service.name,
        sid,
        if_match=if_match,
        parameters=SubscriptionUpdateParameters(**changes),
    )


def get(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> Any:
    return sdk.subscription.get(service.resource_group, service.name, sid)


def etag_of(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> str:
    _, headers = sdk.subscription.get(service.resource_group, service.name, sid, cls=with_headers)
    return str(headers["ETag"])


def secrets(sdk: ApiManagementClient, service: ServiceRef, sid: str) -> tuple[str, str]:
    keys = sdk.subscription.list_secrets(service.resource_group, service.name, sid)
    return keys.primary_key, keys.secondary_key


def names(items: Any) -> list[str]:
    return [item.name for item in items]


def listed(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[Any]:
    return list(sdk.subscription.list(service.resource_group, service.name, **kwargs))


def seeded(sdk: ApiManagementClient, service: ServiceRef) -> dict[str, str]:
    """The generated ids of the administrator's seed subscriptions, by product."""
    found: dict[str, str] = {}
    for item in listed(sdk, service, filter="userId eq '1'"):
        found[item.scope.rsplit("/", 1)[1]] = item.name
    return found


def error_messages(error: HttpResponseError) -> list[str]:
    body = error.response.json()["error"]
    return [body["message"], *[d["message"] for d in body.get("details") or []]]


def error_targets(error: HttpResponseError) -> list[str]:
    return [d["target"] for d in error.response.json()["error"].get("details") or []]
