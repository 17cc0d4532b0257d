"""User wire models (reference §3.1-3.5)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from apidesk.api.management.schemas.common import (
    CollectionBase,
    Resource,
    WireModel,
    limited,
    one_of,
)
from apidesk.domain.users.fields import FIELDS as USER
from apidesk.domain.users.service import APP_TYPES, CONFIRMATIONS


class KeyType(StrEnum):
    primary = "primary"
    secondary = "secondary"


class UserIdentityContract(WireModel):
    provider: str | None = Field(None, description="Identity provider, such as Basic.")
    id: str | None = Field(None, description="The identifier inside that provider.")


class UserCreateProperties(WireModel):
    email: str | None = limited(
        USER["email"],
        "Required on create; unique in the service.",
        json_schema_extra={"format": "email"},
    )
    firstName: str | None = limited(USER["first_name"], "Required on create.")
    lastName: str | None = limited(USER["last_name"], "Required on create.")
    password: str | None = Field(
        None, description="Write-only; checked against the password policy."
    )
    appType: str | None = one_of(APP_TYPES, "Which portal the e-mail links point to.")
    confirmation: str | None = one_of(CONFIRMATIONS, "Send a welcome or an invitation.")
    state: str | None = one_of(
        USER["state"].choices, "Defaults to active (pending for invitations)."
    )
    note: str | None = None
    identities: list[UserIdentityContract] | None = None


class UserCreateParameters(WireModel):
    properties: UserCreateProperties | None = None


class UserUpdateProperties(WireModel):
    email: str | None = limited(USER["email"], json_schema_extra={"format": "email"})
    firstName: str | None = limited(USER["first_name"])
    lastName: str | None = limited(USER["last_name"])
    password: str | None = None
    state: str | None = one_of(USER["state"].choices)
    note: str | None = None
    identities: list[UserIdentityContract] | None = None


class UserUpdateParameters(WireModel):
    properties: UserUpdateProperties | None = None


class GroupContractProperties(BaseModel):
    displayName: str
    description: str | None = None
    builtIn: bool | None = None
    type: str | None = None
    externalId: str | None = None


class UserContractProperties(BaseModel):
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    state: str | None = None
    note: str | None = None
    registrationDate: datetime | None = None
    identities: list[UserIdentityContract] | None = None
    groups: list[GroupContractProperties] | None = None


class UserContract(Resource):
    properties: UserContractProperties | None = None


class UserCollection(CollectionBase):
    value: list[UserContract] = []


class UserIdentityCollection(CollectionBase):
    value: list[UserIdentityContract] = []


class UserTokenProperties(WireModel):
    keyType: KeyType = Field(description="Which tenant key signs the token.")
    expiry: datetime = Field(description="At most 30 days ahead.")


class UserTokenParameters(WireModel):
    properties: UserTokenProperties


class ValueResult(BaseModel):
    value: str
