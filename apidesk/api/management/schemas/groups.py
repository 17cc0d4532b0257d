"""Group wire models (reference §3.6)."""

from __future__ import annotations

from pydantic import BaseModel

from apidesk.api.management.schemas.common import CollectionBase, Resource
from apidesk.api.management.schemas.users import GroupContractProperties


class GroupContract(Resource):
    properties: GroupContractProperties | None = None


class GroupCollection(CollectionBase):
    value: list[GroupContract] = []


__all__ = ["BaseModel", "GroupCollection", "GroupContract"]
