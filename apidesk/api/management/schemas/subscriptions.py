"""Subscription wire models (reference §3.7)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from apidesk.api.management.schemas.common import (
    CollectionBase,
    Resource,
    WireModel,
    limited,
    one_of,
)
from apidesk.domain.subscriptions.fields import FIELDS as SUBSCRIPTION


class SubscriptionCreateProperties(WireModel):
    ownerId: str | None = Field(None, description="/users/{userId} or the user's full id.")
    scope: str | None = Field(
        None, description="Required on create: /products/{p}, /apis or /apis/{a}."
    )
    displayName: str | None = limited(SUBSCRIPTION["display_name"], "Required on create.")
    primaryKey: str | None = limited(SUBSCRIPTION["primary_key"], "Generated when left out.")
    secondaryKey: str | None = limited(SUBSCRIPTION["secondary_key"], "Generated when left out.")
    state: str | None = one_of(
        SUBSCRIPTION["state"].choices, "submitted when the product needs approval, else active."
    )
    stateComment: str | None = None
    allowTracing: StrictBool | None = None


class SubscriptionCreateParameters(WireModel):
    properties: SubscriptionCreateProperties | None = None


class SubscriptionUpdateProperties(SubscriptionCreateProperties):
    expirationDate: datetime | None = None


class SubscriptionUpdateParameters(WireModel):
    properties: SubscriptionUpdateProperties | None = None


class SubscriptionContractProperties(BaseModel):
    ownerId: str | None = None
    scope: str
    displayName: str | None = None
    state: str
    createdDate: datetime | None = None
    startDate: datetime | None = None
    expirationDate: datetime | None = None
    endDate: datetime | None = None
    notificationDate: datetime | None = None
    stateComment: str | None = None
    allowTracing: bool | None = None


class SubscriptionContract(Resource):
    properties: SubscriptionContractProperties | None = None


class SubscriptionCollection(CollectionBase):
    value: list[SubscriptionContract] = []


class SubscriptionKeysContract(BaseModel):
    primaryKey: str
    secondaryKey: str
