"""Service instances through Azure's own SDK, against a live `apidesk serve`: the long-running
create, update, the two list operations and delete, each instance with its own data."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ApiManagementServiceResource,
    ApiManagementServiceSkuProperties,
    UserCreateParameters,
)
from support.sdk import client_for
from support.server import LiveServer

GROUP = "rg-lifecycle"


def resource(publisher: str) -> ApiManagementServiceResource:
    return ApiManagementServiceResource(
        location="West Europe",
        sku=ApiManagementServiceSkuProperties(name="Developer", capacity=1),
        publisher_email="owner@example.com",
        publisher_name=publisher,
        tags={"team": "apis"},
    )


@pytest.fixture
def client(server: LiveServer) -> ApiManagementClient:
    # A subscription of its own, so the list operations see only this test's services.
    return client_for(server.url, server.token, str(uuid.uuid4()))


def test_a_service_is_created_updated_listed_and_deleted(client: ApiManagementClient) -> None:
    services = client.api_management_service
    name = f"life-{uuid.uuid4().hex[:8]}"
    created = services.begin_create_or_update(GROUP, name, resource("First")).result()
    assert created.name == name
    assert created.provisioning_state == "Succeeded"
    assert created.publisher_name == "First" and created.tags == {"team": "apis"}
    assert created.id.endswith(
        f"/resourceGroups/{GROUP}/providers/Microsoft.ApiManagement/service/{name}"
    )

    # A new instance starts with the administrator and the three system groups.
    users = [u.name for u in client.user.list_by_service(GROUP, name)]
    assert users == ["1"]
    groups = {g.name for g in client.group.list_by_service(GROUP, name)}
    assert {"administrators", "developers", "guests"} <= groups

    updated = services.begin_create_or_update(GROUP, name, resource("Second")).result()
    assert updated.publisher_name == "Second"
    assert services.get(GROUP, name).publisher_name == "Second"

    other = f"life-{uuid.uuid4().hex[:8]}"
    services.begin_create_or_update("rg-elsewhere", other, resource("Other")).result()
    assert [s.name for s in services.list_by_resource_group(GROUP)] == [name]
    assert sorted(s.name for s in services.list()) == sorted([name, other])

    client.user.create_or_update(
        GROUP,
        name,
        "leaving",
        UserCreateParameters(email="leaving@example.com", first_name="L", last_name="Eaving"),
    )
    services.begin_delete(GROUP, name).result()
    with pytest.raises(ResourceNotFoundError):
        services.get(GROUP, name)
    with pytest.raises(ResourceNotFoundError):
        client.user.get(GROUP, name, "leaving")
    assert [s.name for s in services.list()] == [other]

    # The name is free again, and the new instance starts empty.
    services.begin_create_or_update(GROUP, name, resource("Again")).result()
    assert [u.name for u in client.user.list_by_service(GROUP, name)] == ["1"]
