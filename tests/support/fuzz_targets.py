"""A service full of known entities for schemathesis to aim at, and its configuration file.

Fixing every path parameter to an entity that exists lets generated requests get past "no such
user / group / product" and reach the rules behind each operation."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.server import create_service

V = {"api-version": "2024-05-01"}
# Service-level operations get services of their own, so that a fuzzed PUT or DELETE never
# takes away the one every other operation works in, and the DELETE not the one the other
# service operations read and change.
SERVICE_OPERATIONS = "^ApiManagementService_(CreateOrUpdate|Get|Update|List|ListByResourceGroup)$"
SERVICE_DELETE = "ApiManagementService_Delete"


def _put(client: httpx.Client, url: str, properties: dict[str, object]) -> dict[str, object]:
    response = client.put(url, params=V, json={"properties": properties})
    assert response.status_code in (200, 201), (url, response.text)
    return dict(response.json())


def prepare(client: httpx.Client, name: str) -> dict[str, str]:
    """Create the service `name` with one of each entity; answer the path parameters."""
    service = create_service(client, name)
    create_service(client, f"{name}-own")
    create_service(client, f"{name}-gone")
    url = service.url
    _put(
        client,
        url("/users/fuzz-user"),
        {"email": "fuzz@example.com", "firstName": "F", "lastName": "Z"},
    )
    _put(client, url("/groups/fuzz-group"), {"displayName": "Fuzz group"})
    _put(
        client, url("/products/fuzz-product"), {"displayName": "Fuzz product", "state": "published"}
    )
    _put(
        client,
        url("/apis/fuzz-api"),
        {"displayName": "Fuzz API", "path": "fuzz", "protocols": ["https"]},
    )
    _put(
        client,
        url("/subscriptions/fuzz-sub"),
        {
            "scope": "/products/fuzz-product",
            "ownerId": "/users/fuzz-user",
            "displayName": "Fuzz subscription",
        },
    )
    _put(client, url("/products/fuzz-product/apiLinks/fuzz-link"), {"apiId": "/apis/fuzz-api"})
    client.put(url("/products/fuzz-product/groups/fuzz-group"), params=V).raise_for_status()
    # The link aimed at is the developers' one: the fuzzed ProductGroup_Delete removes only
    # the fuzz group's.
    client.put(url("/products/fuzz-product/groups/developers"), params=V).raise_for_status()
    links = client.get(url("/products/fuzz-product/groupLinks"), params=V)
    links.raise_for_status()
    developers = next(
        link["name"]
        for link in links.json()["value"]
        if link["properties"]["groupId"].endswith("/groups/developers")
    )
    return {
        "subscriptionId": service.subscription_id,
        "resourceGroupName": service.resource_group,
        "serviceName": service.name,
        "userId": "fuzz-user",
        "groupId": "fuzz-group",
        "productId": "fuzz-product",
        "apiId": "fuzz-api",
        "sid": "fuzz-sub",
        "groupLinkId": developers,
        "apiLinkId": "fuzz-link",
        "templateName": "applicationApprovedNotificationMessage",
        "notificationName": "RequestPublisherNotificationMessage",
        "email": "ops@example.com",
        "accessName": "access",
    }


SERVICE_PATH = ("subscriptionId", "resourceGroupName", "serviceName")


def write_config(
    path: Path, parameters: dict[str, str], max_examples: int, *, fixed: tuple[str, ...] = ()
) -> None:
    """Fix the service path, and of the entity ids those named in `fixed`."""
    lines = ["[parameters]", '"query.api-version" = "2024-05-01"']
    lines += [
        f'"path.{key}" = "{value}"'
        for key, value in parameters.items()
        if key in SERVICE_PATH or key in fixed
    ]
    lines += [
        "",
        "[generation]",
        f"max-examples = {max_examples}",
        "",
        "[[operations]]",
        f'include-operation-id-regex = "{SERVICE_OPERATIONS}"',
        "[operations.parameters]",
        f'"path.serviceName" = "{parameters["serviceName"]}-own"',
        "",
        "[[operations]]",
        f'include-operation-id = "{SERVICE_DELETE}"',
        "[operations.parameters]",
        f'"path.serviceName" = "{parameters["serviceName"]}-gone"',
        "",
    ]
    path.write_text("\n".join(lines))
