"""Tenant access wire models (reference §3.12)."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from apidesk.api.management.schemas.common import CollectionBase, Resource, WireModel


class AccessInformationProperties(BaseModel):
    id: str | None = None
    principalId: str | None = None
    enabled: bool | None = None


class AccessInformationContract(Resource):
    properties: AccessInformationProperties | None = None


class AccessInformationCollection(CollectionBase):
    value: list[AccessInformationContract] = []


class AccessInformationCreateProperties(WireModel):
    principalId: str | None = Field(None, max_length=100)
    primaryKey: str | None = Field(None, min_length=16, max_length=256)
    secondaryKey: str | None = Field(None, min_length=16, max_length=256)
    enabled: StrictBool | None = None


class AccessInformationCreateParameters(WireModel):
    properties: AccessInformationCreateProperties | None = None


class AccessInformationUpdateProperties(WireModel):
    enabled: StrictBool | None = None


class AccessInformationUpdateParameters(WireModel):
    properties: AccessInformationUpdateProperties | None = None


class AccessInformationSecretsContract(BaseModel):
    id: str | None = None
    principalId: str | None = None
    primaryKey: str | None = None
    secondaryKey: str | None = None
    enabled: bool | None = None
