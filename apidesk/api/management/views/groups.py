from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, resource
from apidesk.api.management.views.users import group_properties
from apidesk.storage.models import Group, Instance

GROUPS_TYPE = f"{PROVIDER}/service/groups"
USER_GROUPS_TYPE = f"{PROVIDER}/service/users/groups"


def group(
    instance: Instance, entity: Group, *, type_: str = GROUPS_TYPE, parent: tuple[str, ...] = ()
) -> dict[str, Any]:
    return resource(
        child_id(instance, *parent, "groups", entity.name),
        entity.name,
        type_,
        group_properties(entity),
    )
