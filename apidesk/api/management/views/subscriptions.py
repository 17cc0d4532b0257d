from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from apidesk.api.management.envelope import (
    PROVIDER,
    child_id,
    drop_none,
    resource,
    service_id,
    timestamp,
)
from apidesk.storage.models import Instance
from apidesk.storage.models.subscription import SubscriptionSummary

SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/subscriptions"
USER_SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/users/subscriptions"
PRODUCT_SUBSCRIPTIONS_TYPE = f"{PROVIDER}/service/products/subscriptions"


def subscription_properties(
    instance: Instance, entity: SubscriptionSummary, owner_name: str | None
) -> dict[str, Any]:
    owner = child_id(instance, "users", owner_name) if owner_name else None
    return _properties(entity, owner, service_id(instance))


def _properties(entity: SubscriptionSummary, owner: str | None, service: str) -> dict[str, Any]:
    properties = drop_none(
        {
            "ownerId": owner,
            "scope": service + entity.scope,
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
    entity: SubscriptionSummary,
    owner_name: str | None,
    *,
    type_: str = SUBSCRIPTIONS_TYPE,
    parent: tuple[str, ...] = (),
) -> dict[str, Any]:
    return resource(
        child_id(instance, *parent, "subscriptions", entity.name),
        entity.name,
        type_,
        subscription_properties(instance, entity, owner_name),
    )


def subscriptions(
    instance: Instance,
    entities: Iterable[SubscriptionSummary],
    owner_names: Mapping[int, str],
    *,
    type_: str = SUBSCRIPTIONS_TYPE,
    parent: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """A page of subscriptions, each as `subscription` gives it, with its owner's name from
    `owner_names`: the service's id is spelled once, not three times per subscription."""
    service = service_id(instance)
    users = f"{service}/users/"
    prefix = "/".join((service, *parent, "subscriptions")) + "/"
    rendered = []
    for entity in entities:
        name = owner_names.get(entity.owner_id) if entity.owner_id is not None else None
        properties = _properties(entity, users + name if name else None, service)
        rendered.append(resource(prefix + entity.name, entity.name, type_, properties))
    return rendered
