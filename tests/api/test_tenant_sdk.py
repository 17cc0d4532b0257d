"""Tenant access keys driven through Azure's own SDK against a live `apidesk serve`: reading
them, regenerating them, updating and creating them. The user tokens and management
signatures they sign are in test_tenant_tokens_sdk.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    AccessInformationCreateParameters,
    AccessInformationUpdateParameters,
)
from support.refusals import refused_naming
from support.sdk import Statuses, client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service
from support.tenant import (
    KEY_16,
    V,
    etag_of,
    secrets,
)

# --- Reading -----------------------------------------------------------------------------------


def test_list_shows_access_and_git_access_without_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    entries = list(sdk.tenant_access.list_by_service(service.resource_group, service.name))
    assert [e.name for e in entries] == ["access", "gitAccess"]
    access = entries[0]
    assert access.id == f"{service.path}/tenant/access"
    assert access.type == "Microsoft.ApiManagement/service/tenant"
    assert access.id_properties_id == "access"
    assert access.principal_id == "integration"
    assert access.enabled is True
    body = http.get(service.url("/tenant"), params=V).text
    assert "primaryKey" not in body and "secondaryKey" not in body


@pytest.mark.parametrize("name", ["access", "gitAccess"])
def test_get_and_head_never_include_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, name: str
) -> None:
    entry, headers = sdk.tenant_access.get(
        service.resource_group, service.name, name, cls=with_headers
    )
    assert entry.name == name
    assert sdk.tenant_access.get_entity_tag(service.resource_group, service.name, name) is True
    head = http.head(service.url(f"/tenant/{name}"), params=V)
    assert head.headers["ETag"] == headers["ETag"]
    body = http.get(service.url(f"/tenant/{name}"), params=V).text
    keys = secrets(sdk, service, name)
    assert keys.primary_key not in body
    assert keys.secondary_key not in body
    assert "primaryKey" not in body


def test_unknown_access_name_is_not_found(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.tenant_access.get(service.resource_group, service.name, "ftpAccess")
    with pytest.raises(ResourceNotFoundError):
        sdk.tenant_access.list_secrets(service.resource_group, service.name, "ftpAccess")


def test_list_secrets_returns_the_principal_and_two_keys_with_an_etag(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    keys, headers = sdk.tenant_access.list_secrets(
        service.resource_group, service.name, "access", cls=with_headers
    )
    assert keys.id == "access"
    assert keys.principal_id == "integration"
    assert keys.enabled is True
    assert keys.primary_key and keys.secondary_key
    assert keys.primary_key != keys.secondary_key
    assert headers["ETag"] == etag_of(sdk, service)
    git = secrets(sdk, service, "gitAccess")
    assert {git.primary_key, git.secondary_key}.isdisjoint({keys.primary_key, keys.secondary_key})


def test_every_service_has_its_own_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    other = create_service(http)
    with client_for(server.url, server.token, other.subscription_id) as other_sdk:
        theirs = secrets(other_sdk, other)
        other_sdk.tenant_access.regenerate_primary_key(other.resource_group, other.name, "access")
    mine = secrets(sdk, service)
    assert {mine.primary_key, mine.secondary_key}.isdisjoint(
        {theirs.primary_key, theirs.secondary_key}
    )
    assert secrets(sdk, service).primary_key == mine.primary_key


# --- Regenerating keys -------------------------------------------------------------------------


@pytest.mark.parametrize(("slot", "other"), [("primary", "secondary"), ("secondary", "primary")])
def test_regenerating_a_key_changes_only_that_key_and_the_etag(
    sdk: ApiManagementClient, service: ServiceRef, slot: str, other: str
) -> None:
    before = secrets(sdk, service)
    etag = etag_of(sdk, service)
    regenerate = getattr(sdk.tenant_access, f"regenerate_{slot}_key")
    statuses = Statuses()
    regenerate(service.resource_group, service.name, "access", cls=statuses)
    assert statuses.seen == [204]
    after, headers = sdk.tenant_access.list_secrets(
        service.resource_group, service.name, "access", cls=with_headers
    )
    assert getattr(after, f"{slot}_key") != getattr(before, f"{slot}_key")
    assert getattr(after, f"{other}_key") == getattr(before, f"{other}_key")
    assert headers["ETag"] != etag
    assert etag_of(sdk, service) == headers["ETag"]


def test_regenerating_git_access_leaves_access_alone(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    access = secrets(sdk, service)
    git = secrets(sdk, service, "gitAccess")
    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "gitAccess")
    assert secrets(sdk, service, "gitAccess").primary_key != git.primary_key
    assert secrets(sdk, service).as_dict() == access.as_dict()


# --- Update (PATCH) and create (PUT) -----------------------------------------------------------


def test_update_disables_and_enables_access(sdk: ApiManagementClient, service: ServiceRef) -> None:
    first = etag_of(sdk, service)
    disabled, headers = sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match=first,
        parameters=AccessInformationUpdateParameters(enabled=False),
        cls=with_headers,
    )
    assert disabled.enabled is False
    assert headers["ETag"] != first
    assert sdk.tenant_access.get(service.resource_group, service.name, "access").enabled is False
    enabled = sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match=headers["ETag"],
        parameters=AccessInformationUpdateParameters(enabled=True),
    )
    assert enabled.enabled is True


def test_update_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    stale = etag_of(sdk, service)
    sdk.tenant_access.regenerate_secondary_key(service.resource_group, service.name, "access")
    with pytest.raises(HttpResponseError) as caught:
        sdk.tenant_access.update(
            service.resource_group,
            service.name,
            "access",
            if_match=stale,
            parameters=AccessInformationUpdateParameters(enabled=False),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.tenant_access.get(service.resource_group, service.name, "access").enabled is True


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_writes_without_if_match_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, method: str
) -> None:
    before = secrets(sdk, service).as_dict()
    response = http.request(
        method,
        service.url("/tenant/access"),
        params=V,
        json={"properties": {"enabled": False, "primaryKey": "k" * 32}},
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert [d["target"] for d in error["details"]] == ["If-Match"]
    assert secrets(sdk, service).as_dict() == before


def test_create_sets_principal_keys_and_enabled(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    first = etag_of(sdk, service)
    primary, secondary = "p" * 16, "s" * 256
    entry, headers = sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match=first,
        parameters=AccessInformationCreateParameters(
            principal_id="automation", primary_key=primary, secondary_key=secondary, enabled=False
        ),
        cls=with_headers,
    )
    assert entry.principal_id == "automation"
    assert entry.enabled is False
    assert headers["ETag"] != first
    keys = secrets(sdk, service)
    assert (keys.principal_id, keys.primary_key, keys.secondary_key, keys.enabled) == (
        "automation",
        primary,
        secondary,
        False,
    )


def test_create_with_only_one_key_keeps_the_rest(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    before = secrets(sdk, service)
    sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationCreateParameters(secondary_key=KEY_16),
    )
    after = secrets(sdk, service)
    assert after.secondary_key == KEY_16
    assert after.primary_key == before.primary_key
    assert (after.principal_id, after.enabled) == ("integration", True)


def test_create_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    stale = etag_of(sdk, service)
    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "access")
    before = secrets(sdk, service).as_dict()
    with pytest.raises(HttpResponseError) as caught:
        sdk.tenant_access.create(
            service.resource_group,
            service.name,
            "access",
            if_match=stale,
            parameters=AccessInformationCreateParameters(primary_key=KEY_16),
        )
    assert caught.value.status_code == 412
    assert secrets(sdk, service).as_dict() == before


BAD_TENANT_BODIES = [
    ("primaryKey too short", {"primaryKey": "k" * 15}, "primaryKey"),
    ("secondaryKey too long", {"secondaryKey": "k" * 257}, "secondaryKey"),
    ("primaryKey as number", {"primaryKey": 1234567890123456789}, "primaryKey"),
    ("principalId too long", {"principalId": "p" * 101}, "principalId"),
    ("enabled as text", {"enabled": "maybe"}, "enabled"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_TENANT_BODIES, ids=[c[0] for c in BAD_TENANT_BODIES]
)
def test_bad_tenant_bodies_are_refused_and_change_nothing(
    sdk: ApiManagementClient,
    http: httpx.Client,
    service: ServiceRef,
    case: str,
    properties: dict[str, Any],
    target: str,
) -> None:
    before = secrets(sdk, service).as_dict()
    etag = etag_of(sdk, service)
    # A valid field next to the bad one must not be applied either.
    body = {"properties": {"enabled": False, **properties}}
    response = http.put(
        service.url("/tenant/access"), params=V, json=body, headers={"If-Match": "*"}
    )
    refused_naming(response, target)
    assert secrets(sdk, service).as_dict() == before
    assert etag_of(sdk, service) == etag
