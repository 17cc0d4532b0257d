from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import (
    PROVIDER,
    child_id,
    drop_none,
    resource,
    service_id,
    timestamp,
)
from apidesk.storage.models import Instance, Subscription, User

SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/subscriptions"
USER_SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/users/subscriptions"
PRODUCT_SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/products/subscriptions"


def subscription_properties(
    instance: Instance, entity: Subscription, owner: User | None
) -> dict[str, Any]:
    properties = drop_none(
        {
            "ownerId": child_id(instance, "users", owner.name) if owner else None,
            "scope": service_id(instance) + entity.scope,
            "displayName": entity.display_name,
            "state": entity.state,
            "createdDate": timestamp(entity.created_at),
            "startDate": timestamp(entity.start_date),
            "expirationDate": timestamp(entity.expiration_date),
            "endDate": timestamp(entity.end_date),
            "notificationDate": timestamp(entity.notification_date),
            "stateComment": entity.state_comment,
        }
    )
    properties["allowTracing"] = entity.allow_tracing
    return properties


def subscription(
    instance: Instance,
    entity: Subscription,
    owner: User | None,
    *,
    type_: str = SUBSCRIPTIONS_TYPE,
    parent: tuple[str, ...] = (),
) -> dict[str, Any]:
    return resource(
        child_id(instance, *parent, "subscriptions", entity.name),
        entity.name,
        type_,
        subscription_properties(instance, entity, owner),
    )
