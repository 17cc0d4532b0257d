"""ARM resource ids of a service instance: the one place that spells them.

Kept free of FastAPI so that the command line can name a service the way the API does without
loading the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apidesk.storage.models import Instance

PROVIDER = "Microsoft.ApiManagement"
SERVICE_TYPE = f"{PROVIDER}/service"


def service_id(instance: Instance) -> str:
    return (
        f"/subscriptions/{instance.subscription_id}/resourceGroups/{instance.resource_group}"
        f"/providers/{PROVIDER}/service/{instance.name}"
    )
