"""Service-instance wire models: ARM's `ApiManagementServiceResource`. Requests carry the few
fields Apidesk keeps; answers carry every property, so that the OpenAPI document describes them."""

from __future__ import annotations

from datetime import datetime

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


class ServiceUpdateParameters(WireModel):
    """ARM's `ApiManagementServiceUpdateParameters`: any subset; the location cannot change."""

    sku: Sku | None = None
    tags: dict[str, str] | None = None
    properties: ServiceProperties | None = None


class CertificateInformation(BaseModel):
    expiry: datetime
    thumbprint: str
    subject: str


class HostnameConfigurationContract(BaseModel):
    type: str
    hostName: str
    keyVaultId: str | None = None
    identityClientId: str | None = None
    negotiateClientCertificate: bool | None = None
    certificate: CertificateInformation | None = None
    defaultSslBinding: bool | None = None
    certificateSource: str | None = None
    certificateStatus: str | None = None


class ApiVersionConstraint(BaseModel):
    minApiVersion: str | None = None


class ConfigurationApi(BaseModel):
    legacyApi: str | None = None


class ServiceContractProperties(BaseModel):
    publisherEmail: str
    publisherName: str
    notificationSenderEmail: str | None = None
    provisioningState: str
    targetProvisioningState: str
    createdAtUtc: datetime
    gatewayUrl: str
    gatewayRegionalUrl: str | None = None
    portalUrl: str
    developerPortalUrl: str
    managementApiUrl: str
    scmUrl: str | None = None
    hostnameConfigurations: list[HostnameConfigurationContract]
    publicIPAddresses: list[str]
    privateIPAddresses: list[str] | None = None
    publicIpAddressId: str | None = None
    outboundPublicIPAddresses: list[str]
    publicNetworkAccess: str
    virtualNetworkType: str
    virtualNetworkConfiguration: dict[str, object] | None = None
    natGatewayState: str
    additionalLocations: list[dict[str, object]]
    customProperties: dict[str, str]
    certificates: list[dict[str, object]]
    enableClientCertificate: bool
    disableGateway: bool
    apiVersionConstraint: ApiVersionConstraint
    privateEndpointConnections: list[dict[str, object]]
    platformVersion: str
    configurationApi: ConfigurationApi
    developerPortalStatus: str
    legacyPortalStatus: str


class ServiceIdentity(BaseModel):
    type: str = Field(description="Always None: Apidesk has no managed identities.")


class SystemData(BaseModel):
    createdBy: str | None = None
    createdByType: str | None = None
    createdAt: datetime
    lastModifiedBy: str | None = None
    lastModifiedByType: str | None = None
    lastModifiedAt: datetime


class ServiceContract(BaseModel):
    id: str
    name: str
    type: str
    location: str
    etag: str
    sku: Sku
    tags: dict[str, str] = {}
    identity: ServiceIdentity
    zones: list[str]
    systemData: SystemData
    properties: ServiceContractProperties


class ServiceCollection(BaseModel):
    value: list[ServiceContract] = []
    nextLink: str | None = None
