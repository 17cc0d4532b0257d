"""The service resource carries every property of Microsoft's 2024-05-01 examples, with values
true of Apidesk, `systemData` from the database, and PATCH works as ApiManagementService_Update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from azure.mgmt.apimanagement.models import ApiManagementServiceUpdateParameters
from sqlalchemy import select
from support.sdk import client_for
from support.server import LiveServer, ServiceRef

from apidesk.api.management.envelope import timestamp
from apidesk.domain.context import Runtime
from apidesk.storage.models import Instance

V = {"api-version": "2024-05-01"}
PROPERTIES = (
    "publisherEmail",
    "publisherName",
    "notificationSenderEmail",
    "provisioningState",
    "targetProvisioningState",
    "createdAtUtc",
    "gatewayUrl",
    "gatewayRegionalUrl",
    "portalUrl",
    "developerPortalUrl",
    "managementApiUrl",
    "scmUrl",
    "hostnameConfigurations",
    "publicIPAddresses",
    "privateIPAddresses",
    "outboundPublicIPAddresses",
    "publicNetworkAccess",
    "virtualNetworkType",
    "natGatewayState",
    "additionalLocations",
    "customProperties",
    "certificates",
    "disableGateway",
    "apiVersionConstraint",
    "privateEndpointConnections",
    "platformVersion",
    "configurationApi",
    "developerPortalStatus",
    "legacyPortalStatus",
)
HOSTNAME_FIELDS = {
    "type",
    "hostName",
    "keyVaultId",
    "identityClientId",
    "negotiateClientCertificate",
    "certificate",
    "defaultSslBinding",
    "certificateSource",
    "certificateStatus",
}


def stored(runtime: Runtime, service: ServiceRef) -> Instance:
    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(
            select(Instance).where(Instance.name_key == service.name.lower())
        ).one()
        session.expunge(instance)
        return instance


def get(http: httpx.Client, service: ServiceRef) -> dict[str, Any]:
    response = http.get(service.url(), params=V)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_service_carries_every_documented_property(
    http: httpx.Client, server: LiveServer, service: ServiceRef
) -> None:
    body = get(http, service)
    properties = body["properties"]
    assert [name for name in PROPERTIES if name not in properties] == []
    assert properties["gatewayUrl"] == f"{server.url}/gateway/{service.name}"
    assert properties["gatewayRegionalUrl"] == properties["gatewayUrl"]
    assert properties["scmUrl"] is None
    assert properties["additionalLocations"] == []
    assert properties["disableGateway"] is False
    assert properties["apiVersionConstraint"] == {"minApiVersion": "2024-05-01"}
    assert properties["configurationApi"] == {"legacyApi": "Disabled"}
    assert properties["natGatewayState"] == "Disabled"
    assert properties["developerPortalStatus"] == "Enabled"
    assert properties["legacyPortalStatus"] == "Disabled"
    (proxy,) = properties["hostnameConfigurations"]
    assert set(proxy) == HOSTNAME_FIELDS
    assert (proxy["type"], proxy["hostName"], proxy["defaultSslBinding"]) == (
        "Proxy",
        "127.0.0.1",
        True,
    )
    assert body["identity"] == {"type": "None"}


def test_a_custom_portal_host_is_a_full_hostname_configuration(
    http: httpx.Client, service: ServiceRef
) -> None:
    portal = {"hostnameConfigurations": [{"type": "DeveloperPortal", "hostName": "dev.example"}]}
    response = http.patch(service.url(), params=V, json={"properties": portal})
    assert response.status_code == 200, response.text
    configurations = response.json()["properties"]["hostnameConfigurations"]
    assert [c["type"] for c in configurations] == ["Proxy", "DeveloperPortal"]
    assert all(set(c) == HOSTNAME_FIELDS for c in configurations)
    assert configurations[1]["hostName"] == "dev.example"
    assert configurations[1]["certificateSource"] == "Custom"
    assert get(http, service)["properties"]["developerPortalUrl"] == "https://dev.example"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("Bücher.example", "https://xn--bcher-kva.example"),
        ("straße.de", "https://xn--strae-oqa.de"),
        ("xn--strae-oqa.de", "https://xn--strae-oqa.de"),
        ("developer.example.org.", "https://developer.example.org"),
        ("developer.example.org:8443", "https://developer.example.org:8443"),
        ("developer.example.org:443", "https://developer.example.org"),
    ],
)
def test_a_portal_host_is_kept_as_browsers_write_it(
    http: httpx.Client, service: ServiceRef, host: str, url: str
) -> None:
    portal = {"hostnameConfigurations": [{"type": "DeveloperPortal", "hostName": host}]}
    response = http.patch(service.url(), params=V, json={"properties": portal})
    assert response.status_code == 200, response.text
    shown = get(http, service)
    assert shown["properties"]["developerPortalUrl"] == url
    # What GET shows, PUT takes back as it is.
    again = http.put(service.url(), params=V, json=shown)
    assert again.status_code == 200, again.text
    assert get(http, service)["properties"]["developerPortalUrl"] == url


@pytest.mark.parametrize(
    "host",
    [
        "",
        "dev.example/x",
        "dev.example:0",
        "dev.example:65536",
        "dev.example:x",
        "dev.example:",
        "dev.example?x",
        "dev.example#x",
        "me@dev.example",
        "dev..example",
        "-dev.example",
        "dev example",
        "dev\\example",
        "fe80::1",
        "1.2.3.4.5",
        "xn--zz.example",
        7,
    ],
)
def test_a_portal_host_that_is_not_a_host_name_is_refused_and_changes_nothing(
    http: httpx.Client, service: ServiceRef, host: Any
) -> None:
    before = get(http, service)
    portal = {"hostnameConfigurations": [{"type": "DeveloperPortal", "hostName": host}]}
    response = http.patch(service.url(), params=V, json={"properties": portal})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    targets = [detail.get("target") for detail in error["details"]]
    assert "hostnameConfigurations[0].hostName" in targets, error
    after = get(http, service)
    assert after == before


def test_system_data_comes_from_the_database(
    http: httpx.Client, server: LiveServer, runtime: Runtime, service: ServiceRef
) -> None:
    system = get(http, service)["systemData"]
    row = stored(runtime, service)
    assert row.created_by is not None and row.created_by.startswith("token:tests-")
    assert system == {
        "createdBy": row.created_by,
        "createdByType": "Application",
        "createdAt": timestamp(row.created_at),
        "lastModifiedBy": row.created_by,
        "lastModifiedByType": "Application",
        "lastModifiedAt": timestamp(row.updated_at),
    }
    assert get(http, service)["properties"]["createdAtUtc"] == system["createdAt"]

    patched = http.patch(service.url(), params=V, json={"tags": {"stage": "two"}})
    assert patched.status_code == 200, patched.text
    changed = stored(runtime, service)
    assert changed.updated_at is not None and row.updated_at is not None
    assert changed.updated_at > row.updated_at
    assert changed.created_at == row.created_at
    assert patched.json()["systemData"]["lastModifiedAt"] == timestamp(changed.updated_at)
    assert patched.json()["systemData"]["createdAt"] == system["createdAt"]


def test_patch_changes_only_what_it_names(http: httpx.Client, service: ServiceRef) -> None:
    before = get(http, service)
    response = http.patch(
        service.url(),
        params=V,
        json={
            "location": "Mars",
            "tags": {"team": "apis"},
            "properties": {"publisherName": "Renamed", "notificationSenderEmail": "n@example.org"},
        },
    )
    assert response.status_code == 200, response.text
    after = get(http, service)
    assert after == response.json()
    assert after["properties"]["publisherName"] == "Renamed"
    assert after["properties"]["notificationSenderEmail"] == "n@example.org"
    assert after["tags"] == {"team": "apis"}
    assert after["location"] == before["location"]
    assert after["properties"]["publisherEmail"] == before["properties"]["publisherEmail"]
    assert after["sku"] == before["sku"]
    assert after["etag"] != before["etag"]


def test_patch_refuses_bad_input_and_stale_tags_without_changing_anything(
    http: httpx.Client, service: ServiceRef
) -> None:
    before = get(http, service)
    bad = http.patch(
        service.url(),
        params=V,
        json={"tags": {"a": "b"}, "properties": {"publisherEmail": "not an address"}},
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["code"] == "ValidationError"
    stale = http.patch(
        service.url(), params=V, json={"tags": {"a": "b"}}, headers={"If-Match": '"AAAAAAAAAAA="'}
    )
    assert stale.status_code == 412, stale.text
    assert get(http, service) == before
    matching = http.patch(
        service.url(), params=V, json={"tags": {"a": "b"}}, headers={"If-Match": before["etag"]}
    )
    assert matching.status_code == 200, matching.text


def test_patch_of_a_missing_service_is_not_found(http: httpx.Client, service: ServiceRef) -> None:
    missing = service.url().replace(service.name, "nowhere-at-all")
    response = http.patch(missing, params=V, json={"tags": {}})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "ResourceNotFound"


def test_sdk_update_and_read_back(server: LiveServer, service: ServiceRef) -> None:
    with client_for(server.url, server.token, service.subscription_id) as client:
        services = client.api_management_service
        updated = services.begin_update(
            service.resource_group,
            service.name,
            ApiManagementServiceUpdateParameters(
                publisher_name="Through the SDK", tags={"via": "sdk"}
            ),
        ).result()
        assert updated.publisher_name == "Through the SDK"
        assert updated.tags == {"via": "sdk"}
        read: Any = services.get(service.resource_group, service.name)
        assert read.publisher_name == "Through the SDK"
        assert read.identity.type == "None"
        assert read.api_version_constraint.min_api_version == "2024-05-01"
        assert [h.type for h in read.hostname_configurations] == ["Proxy"]
        assert read.platform_version == "undetermined"
        assert isinstance(read.system_data.created_at, datetime)
        assert read.system_data.last_modified_at >= read.system_data.created_at
        assert read.system_data.last_modified_by == read.system_data.created_by
        listed = [s for s in services.list() if s.name == service.name]
        assert listed[0].system_data.created_at == read.system_data.created_at
