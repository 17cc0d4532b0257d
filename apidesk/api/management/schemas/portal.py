"""Developer-portal settings wire models (reference §3.11). The same models serve requests
and answers; `validationKey` is accepted and never returned."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from apidesk.api.management.schemas.common import Resource, WireModel


class TermsOfServiceProperties(WireModel):
    text: str | None = Field(None, max_length=100_000, description="The terms, as plain text.")
    enabled: StrictBool | None = Field(None, description="Show the terms while signing up.")
    consentRequired: StrictBool | None = Field(
        None, description="The person signing up must accept the terms."
    )


class Enabled(WireModel):
    enabled: StrictBool | None = None


class SigninProperties(WireModel):
    enabled: StrictBool | None = Field(
        None, description="Send anonymous visitors of the portal to the sign-in page."
    )


class SignupProperties(WireModel):
    enabled: StrictBool | None = Field(None, description="Whether people may sign up.")
    termsOfService: TermsOfServiceProperties | None = None


class DelegationProperties(WireModel):
    url: str | None = Field(
        None, max_length=2000, description="The publisher's delegation endpoint; '' clears it."
    )
    validationKey: str | None = Field(
        None, description="Base64 key that signs delegation requests. Write-only."
    )
    subscriptions: Enabled | None = None
    userRegistration: Enabled | None = None


class PortalSigninSettings(WireModel, Resource):
    properties: SigninProperties | None = None


class PortalSignupSettings(WireModel, Resource):
    properties: SignupProperties | None = None


class PortalDelegationSettings(WireModel, Resource):
    properties: DelegationProperties | None = None


class PortalSettingsContractProperties(BaseModel):
    url: str | None = None
    subscriptions: Enabled | None = None
    userRegistration: Enabled | None = None
    enabled: bool | None = None
    termsOfService: TermsOfServiceProperties | None = None


class PortalSettingsContract(Resource):
    properties: PortalSettingsContractProperties | None = None


class PortalSettingsCollection(BaseModel):
    value: list[PortalSettingsContract] = []
    count: int | None = None


class PortalSettingValidationKeyContract(BaseModel):
    validationKey: str | None = None
