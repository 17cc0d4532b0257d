from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, resource
from apidesk.storage.models import Instance, TenantAccess

TENANT_TYPE = f"{PROVIDER}/service/tenant"


def access(instance: Instance, entity: TenantAccess) -> dict[str, Any]:
    return resource(
        child_id(instance, "tenant", entity.name),
        entity.name,
        TENANT_TYPE,
        {"id": entity.name, "principalId": entity.principal_id, "enabled": entity.enabled},
    )


def secrets(entity: TenantAccess, primary: str, secondary: str) -> dict[str, Any]:
    return {
        "id": entity.name,
        "principalId": entity.principal_id,
        "primaryKey": primary,
        "secondaryKey": secondary,
        "enabled": entity.enabled,
    }
