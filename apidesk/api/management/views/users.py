from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, resource, timestamp
from apidesk.storage.models import Group, Instance, UserSummary

USERS_TYPE = f"{PROVIDER}/service/users"
GROUP_USERS_TYPE = f"{PROVIDER}/service/groups/users"


def group_properties(group: Group) -> dict[str, Any]:
    return {
        "displayName": group.display_name,
        "description": group.description,
        "builtIn": group.built_in,
        "type": group.type,
        "externalId": group.external_id,
    }


def user_properties(user: UserSummary, groups: list[Group] | None = None) -> dict[str, Any]:
    # Written out rather than filtered: a list renders this a hundred times per page.
    properties: dict[str, Any] = {
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "state": user.state,
    }
    if user.note is not None:
        properties["note"] = user.note
    properties["registrationDate"] = timestamp(user.registration_date)
    properties["identities"] = [
        {"provider": identity.get("provider"), "id": identity.get("id")}
        for identity in user.identities
    ]
    if groups is not None:
        properties["groups"] = [group_properties(group) for group in groups]
    return properties


def users(
    instance: Instance,
    entities: Iterable[UserSummary],
    *,
    memberships: Mapping[int, list[Group]] | None = None,
    type_: str = USERS_TYPE,
) -> list[dict[str, Any]]:
    """A page of users: the service's id is spelled once, not once per user."""
    prefix = child_id(instance, "users")
    return [
        {
            "id": f"{prefix}/{entity.name}",
            "type": type_,
            "name": entity.name,
            "properties": user_properties(
                entity, memberships.get(entity.id, []) if memberships is not None else None
            ),
        }
        for entity in entities
    ]


def user(
    instance: Instance,
    entity: UserSummary,
    *,
    groups: list[Group] | None = None,
    type_: str = USERS_TYPE,
) -> dict[str, Any]:
    return resource(
        child_id(instance, "users", entity.name),
        entity.name,
        type_,
        user_properties(entity, groups),
    )
