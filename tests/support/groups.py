"""What the group SDK tests share: the seeded groups, and short forms of the SDK's calls
(tests/api/test_group*_sdk.py)."""

from __future__ import annotations

from typing import Any

from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    UserCreateParameters,
)
from support.sdk import with_headers
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
SYSTEM_GROUPS = ("administrators", "developers", "guests")
GROUPS_TYPE = "Microsoft.ApiManagement/service/groups"
AAD_ID = "aad://contoso.onmicrosoft.com/groups/0f2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"


def new_group(sdk: ApiManagementClient, service: ServiceRef, group_id: str, **fields: Any) -> Any:
    fields.setdefault("display_name", group_id.title())
    return sdk.group.create_or_update(
        service.resource_group, service.name, group_id, GroupCreateParameters(**fields)
    )


def new_user(sdk: ApiManagementClient, service: ServiceRef, user_id: str, **fields: Any) -> Any:
    return sdk.user.create_or_update(
        service.resource_group,
        service.name,
        user_id,
        UserCreateParameters(
            email=fields.pop("email", f"{user_id}@example.com"),
            first_name=fields.pop("first_name", "Ada"),
            last_name=fields.pop("last_name", "Lovelace"),
            **fields,
        ),
    )


def group_names(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[str]:
    return [
        g.name for g in sdk.group.list_by_service(service.resource_group, service.name, **kwargs)
    ]


def member_names(
    sdk: ApiManagementClient, service: ServiceRef, group_id: str, **kwargs: Any
) -> list[str]:
    return [
        u.name
        for u in sdk.group_user.list(service.resource_group, service.name, group_id, **kwargs)
    ]


def etag_of(sdk: ApiManagementClient, service: ServiceRef, group_id: str) -> str:
    _, headers = sdk.group.get(service.resource_group, service.name, group_id, cls=with_headers)
    return str(headers["ETag"])
