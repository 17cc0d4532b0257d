"""The service resource as ARM's `ApiManagementServiceResource`, every property it documents
with the value that is true of Apidesk: one location, no managed identity, no virtual network,
TLS and IP addresses in the hands of whatever proxy the operator puts in front."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apidesk.api.management.deps import API_VERSION
from apidesk.api.management.envelope import SERVICE_TYPE, service_id, timestamp
from apidesk.storage.models import Instance


def portal_host(instance: Instance) -> str | None:
    if instance.portal_url:
        return instance.portal_url.split("://", 1)[-1].split("/", 1)[0]
    return None


def _hostname(type_: str, host: str, *, default: bool) -> dict[str, Any]:
    # Apidesk terminates no TLS itself: the certificate is whatever the proxy in front of it
    # presents, so none is on record here. The default host comes with the deployment
    # (built in); a portal host is one an operator configured (custom).
    return {
        "type": type_,
        "hostName": host,
        "keyVaultId": None,
        "identityClientId": None,
        "negotiateClientCertificate": False,
        "certificate": None,
        "defaultSslBinding": default,
        "certificateSource": "BuiltIn" if default else "Custom",
        "certificateStatus": None,
    }


def hostname_configurations(instance: Instance, public_url: str) -> list[dict[str, Any]]:
    configurations = []
    default_host = urlsplit(public_url).hostname
    if default_host:
        configurations.append(_hostname("Proxy", default_host, default=True))
    host = portal_host(instance)
    if host:
        configurations.append(_hostname("DeveloperPortal", host, default=False))
    return configurations


def _actor_type(actor: str | None) -> str | None:
    """ARM's `createdByType` for an Apidesk actor: a person at the command line, a signature
    made with the service's own key, or a named API token (an application)."""
    if actor is None:
        return None
    if actor.startswith("cli"):
        return "User"
    if actor.startswith("sas:"):
        return "Key"
    return "Application"


def system_data(instance: Instance) -> dict[str, Any]:
    changed_at = instance.updated_at or instance.created_at
    return {
        "createdBy": instance.created_by,
        "createdByType": _actor_type(instance.created_by),
        "createdAt": timestamp(instance.created_at),
        "lastModifiedBy": instance.updated_by,
        "lastModifiedByType": _actor_type(instance.updated_by),
        "lastModifiedAt": timestamp(changed_at),
    }


def service(instance: Instance, public_url: str) -> dict[str, Any]:
    portal = instance.portal_url or f"{public_url}/portal/{instance.name}"
    gateway = f"{public_url}/gateway/{instance.name}"
    properties: dict[str, Any] = {
        "publisherEmail": instance.publisher_email,
        "publisherName": instance.publisher_name,
        "notificationSenderEmail": instance.notification_sender_email or instance.publisher_email,
        "provisioningState": "Succeeded",
        "targetProvisioningState": "",
        "createdAtUtc": timestamp(instance.created_at),
        "gatewayUrl": gateway,
        # One location, so its regional gateway is the gateway.
        "gatewayRegionalUrl": gateway,
        "portalUrl": portal,
        "developerPortalUrl": portal,
        "managementApiUrl": public_url,
        # No Git configuration repository.
        "scmUrl": None,
        "hostnameConfigurations": hostname_configurations(instance, public_url),
        # Addresses belong to the host and the proxy in front; Apidesk does not know them.
        "publicIPAddresses": [],
        "privateIPAddresses": None,
        "publicIpAddressId": None,
        "outboundPublicIPAddresses": [],
        "publicNetworkAccess": "Enabled",
        "virtualNetworkType": "None",
        "virtualNetworkConfiguration": None,
        "natGatewayState": "Disabled",
        "additionalLocations": [],
        # No gateway TLS settings of its own to report (see hostnameConfigurations).
        "customProperties": {},
        "certificates": [],
        "enableClientCertificate": False,
        "disableGateway": False,
        # The management API answers this one version only.
        "apiVersionConstraint": {"minApiVersion": API_VERSION},
        "privateEndpointConnections": [],
        # Not one of Azure's compute platforms.
        "platformVersion": "undetermined",
        "configurationApi": {"legacyApi": "Disabled"},
        "developerPortalStatus": "Enabled",
        "legacyPortalStatus": "Disabled",
    }
    return {
        "id": service_id(instance),
        "name": instance.name,
        "type": SERVICE_TYPE,
        "location": instance.location,
        "etag": instance.etag,
        "tags": instance.tags or {},
        "sku": {"name": instance.sku_name, "capacity": instance.sku_capacity},
        "identity": {"type": "None"},
        "zones": [],
        "systemData": system_data(instance),
        "properties": properties,
    }
