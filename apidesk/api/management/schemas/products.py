"""Product wire models (reference §3.8)."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt

from apidesk.api.management.schemas.common import (
    CollectionBase,
    Resource,
    WireModel,
    limited,
    one_of,
)
from apidesk.domain.products.service import FIELDS as PRODUCT


class ProductProperties(WireModel):
    displayName: str | None = limited(PRODUCT["display_name"], "Required on create.")
    description: str | None = limited(PRODUCT["description"])
    terms: str | None = None
    subscriptionRequired: StrictBool | None = Field(None, description="Defaults to true.")
    approvalRequired: StrictBool | None = Field(None, description="Defaults to false.")
    subscriptionsLimit: StrictInt | None = Field(
        None, ge=0, le=PRODUCT["subscriptions_limit"].maximum
    )
    state: str | None = one_of(PRODUCT["state"].choices, "Defaults to notPublished.")


class ProductParameters(WireModel):
    properties: ProductProperties | None = None


class ProductContract(Resource):
    properties: ProductProperties | None = None


class ProductCollection(CollectionBase):
    value: list[ProductContract] = []


class ProductGroupLinkProperties(WireModel):
    groupId: str | None = Field(None, description="The group's id, full or as /groups/{groupId}.")


class ProductGroupLinkParameters(WireModel):
    properties: ProductGroupLinkProperties | None = None


class ProductGroupLinkContract(Resource):
    properties: ProductGroupLinkProperties | None = None


class ProductGroupLinkCollection(CollectionBase):
    value: list[ProductGroupLinkContract] = []


class ProductApiLinkProperties(WireModel):
    apiId: str | None = Field(None, description="The API's id, full or as /apis/{apiId}.")


class ProductApiLinkParameters(WireModel):
    properties: ProductApiLinkProperties | None = None


class ProductApiLinkContract(Resource):
    properties: ProductApiLinkProperties | None = None


class ProductApiLinkCollection(CollectionBase):
    value: list[ProductApiLinkContract] = []
