"""Group wire models (reference §3.6)."""

from __future__ import annotations

from pydantic import Field

from apidesk.api.management.schemas.common import (
    CollectionBase,
    Resource,
    WireModel,
    limited,
    one_of,
)
from apidesk.api.management.schemas.users import GroupContractProperties
from apidesk.domain.groups.service import FIELDS as GROUP


class GroupContract(Resource):
    properties: GroupContractProperties | None = None


class GroupCollection(CollectionBase):
    value: list[GroupContract] = []


class GroupCreateProperties(WireModel):
    displayName: str | None = limited(GROUP["display_name"], "Required on create.")
    description: str | None = None
    type: str | None = one_of(GROUP["type"].choices, "custom (default) or external.")
    externalId: str | None = Field(
        None, description="For external groups, e.g. aad://tenant/groups/id."
    )


class GroupCreateParameters(WireModel):
    properties: GroupCreateProperties | None = None
