from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, drop_none, resource, timestamp
from apidesk.storage.models import Group, Instance, User

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


def user_properties(user: User, groups: list[Group] | None = None) -> dict[str, Any]:
    properties = drop_none(
        {
            "firstName": user.first_name,
            "lastName": user.last_name,
            "email": user.email,
            "state": user.state,
            "note": user.note,
            "registrationDate": timestamp(user.registration_date),
        }
    )
    properties["identities"] = [
        {"provider": identity.get("provider"), "id": identity.get("id")}
        for identity in user.identities
    ]
    if groups is not None:
        properties["groups"] = [group_properties(group) for group in groups]
    return properties


def user(
    instance: Instance,
    entity: User,
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
