"""Service-instance wire models (a subset of ARM's `ApiManagementServiceResource`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictInt

from apidesk.api.management.schemas.common import WireModel


class Sku(WireModel):
    name: str | None = Field(None, description="Developer, Basic, Standard, Premium, ...")
    capacity: StrictInt | None = Field(None, ge=0, le=100)


class HostnameConfiguration(WireModel):
    type: str | None = Field(
        None, description="Only DeveloperPortal is used: it sets the portal URL."
    )
    hostName: str | None = Field(None, max_length=255)


class ServiceProperties(WireModel):
    publisherEmail: str | None = Field(None, max_length=100)
    publisherName: str | None = Field(None, max_length=100)
    notificationSenderEmail: str | None = Field(None, max_length=100)
    hostnameConfigurations: list[HostnameConfiguration] | None = None


class ServiceResource(WireModel):
    location: str | None = None
    sku: Sku | None = None
    tags: dict[str, str] | None = None
    properties: ServiceProperties | None = None


class ServiceContract(BaseModel):
    id: str
    name: str
    type: str
    location: str
    etag: str
    sku: Sku
    tags: dict[str, str] = {}
    properties: dict[str, object]


class ServiceCollection(BaseModel):
    value: list[ServiceContract] = []
    nextLink: str | None = None
