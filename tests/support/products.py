"""What the product SDK tests share: the seeded groups, and short forms of the SDK's calls
(tests/api/test_product*_sdk.py)."""

from __future__ import annotations

import re
from typing import Any

from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    ProductContract,
    SubscriptionCreateParameters,
)
from support.sdk import with_headers
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
SYSTEM_GROUPS = ["administrators", "developers", "guests"]
UPPER_GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


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
