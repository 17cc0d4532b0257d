from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, drop_none, resource
from apidesk.storage.models import Api, Instance

APIS_TYPE = f"{PROVIDER}/service/apis"
PRODUCT_APIS_TYPE = f"{PROVIDER}/service/products/apis"


def api(
    instance: Instance, entity: Api, *, type_: str = APIS_TYPE, parent: tuple[str, ...] = ()
) -> dict[str, Any]:
    properties = drop_none(
        {
            "displayName": entity.display_name,
            "description": entity.description,
            "path": entity.path,
            "serviceUrl": entity.service_url,
            "protocols": list(entity.protocols),
            "subscriptionRequired": entity.subscription_required,
            "subscriptionKeyParameterNames": {
                "header": entity.header_name,
                "query": entity.query_name,
            },
            "type": "http",
            "apiRevision": "1",
            "isCurrent": True,
            # Creation is synchronous; saying so ends the SDK's long-running-operation poller.
            "provisioningState": "Succeeded",
        }
    )
    return resource(
        child_id(instance, *parent, "apis", entity.name), entity.name, type_, properties
    )
