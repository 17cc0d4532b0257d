"""API wire models: the part of APIM's ApiContract that the key check uses."""

from __future__ import annotations

from pydantic import Field, StrictBool

from apidesk.api.management.schemas.common import CollectionBase, Resource, WireModel


class SubscriptionKeyParameterNames(WireModel):
    header: str | None = Field(None, description="Defaults to Ocp-Apim-Subscription-Key.")
    query: str | None = Field(None, description="Defaults to subscription-key.")


class ApiProperties(WireModel):
    displayName: str | None = Field(
        None, min_length=1, max_length=300, description="Required on create."
    )
    description: str | None = None
    path: str | None = Field(None, max_length=400, description="Required on create; e.g. echo.")
    serviceUrl: str | None = Field(None, max_length=2000)
    protocols: list[str] | None = Field(None, description="http, https, ws, wss.")
    subscriptionRequired: StrictBool | None = Field(None, description="Defaults to true.")
    subscriptionKeyParameterNames: SubscriptionKeyParameterNames | None = None


class ApiParameters(WireModel):
    properties: ApiProperties | None = None


class ApiContract(Resource):
    properties: ApiProperties | None = None


class ApiCollection(CollectionBase):
    value: list[ApiContract] = []
