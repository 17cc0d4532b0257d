"""API wire models: the part of APIM's ApiContract that the key check uses."""

from __future__ import annotations

from pydantic import Field, StrictBool

from apidesk.api.management.schemas.common import CollectionBase, Resource, WireModel, limited
from apidesk.domain.apis.service import DEFAULT_HEADER, DEFAULT_QUERY
from apidesk.domain.apis.service import FIELDS as API


class SubscriptionKeyParameterNames(WireModel):
    header: str | None = Field(None, description=f"Defaults to {DEFAULT_HEADER}.")
    query: str | None = Field(None, description=f"Defaults to {DEFAULT_QUERY}.")


class ApiProperties(WireModel):
    displayName: str | None = limited(API["display_name"], "Required on create.")
    description: str | None = None
    path: str | None = limited(API["path"], "Required on create; e.g. echo.")
    # No minimum length here: the domain refuses an empty URL with its own message.
    serviceUrl: str | None = Field(None, max_length=API["service_url"].max_length)
    protocols: list[str] | None = Field(None, description=f"{', '.join(API['protocols'].choices)}.")
    subscriptionRequired: StrictBool | None = Field(None, description="Defaults to true.")
    subscriptionKeyParameterNames: SubscriptionKeyParameterNames | None = None


class ApiParameters(WireModel):
    properties: ApiProperties | None = None


class ApiContract(Resource):
    properties: ApiProperties | None = None


class ApiCollection(CollectionBase):
    value: list[ApiContract] = []
