from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import SERVICE_TYPE, service_id, timestamp
from apidesk.storage.models import Instance


def portal_host(instance: Instance) -> str | None:
    if instance.portal_url:
        return instance.portal_url.split("://", 1)[-1].split("/", 1)[0]
    return None


def service(instance: Instance, public_url: str) -> dict[str, Any]:
    portal = instance.portal_url or f"{public_url}/portal/{instance.name}"
    host = portal_host(instance)
    properties: dict[str, Any] = {
        "publisherEmail": instance.publisher_email,
        "publisherName": instance.publisher_name,
        "notificationSenderEmail": instance.notification_sender_email or instance.publisher_email,
        "provisioningState": "Succeeded",
        "targetProvisioningState": "",
        "createdAtUtc": timestamp(instance.created_at),
        "portalUrl": portal,
        "developerPortalUrl": portal,
        "managementApiUrl": public_url,
        "gatewayUrl": f"{public_url}/gateway/{instance.name}",
        "hostnameConfigurations": ([{"type": "DeveloperPortal", "hostName": host}] if host else []),
        "virtualNetworkType": "None",
        "publicNetworkAccess": "Enabled",
    }
    return {
        "id": service_id(instance),
        "name": instance.name,
        "type": SERVICE_TYPE,
        "location": instance.location,
        "etag": instance.etag,
        "tags": instance.tags or {},
        "sku": {"name": instance.sku_name, "capacity": instance.sku_capacity},
        "properties": properties,
    }
