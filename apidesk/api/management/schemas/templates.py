"""E-mail template and notification wire models (reference §3.9, §3.10)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from apidesk.api.management.schemas.common import CollectionBase, Resource, WireModel


class EmailTemplateParameter(WireModel):
    name: str | None = Field(None, min_length=1, max_length=256, pattern=r"^[A-Za-z0-9-._]+$")
    title: str | None = Field(None, min_length=1, max_length=4096)
    description: str | None = Field(
        None, min_length=1, max_length=256, pattern=r"^[A-Za-z0-9-._]+$"
    )


class EmailTemplateUpdateProperties(WireModel):
    subject: str | None = Field(None, min_length=1, max_length=1000)
    title: str | None = None
    description: str | None = None
    body: str | None = Field(None, min_length=1, description="Well-formed XHTML with Velocity.")
    parameters: list[EmailTemplateParameter] | None = None


class EmailTemplateUpdateParameters(WireModel):
    properties: EmailTemplateUpdateProperties | None = None


class EmailTemplateContractProperties(BaseModel):
    subject: str
    body: str
    title: str | None = None
    description: str | None = None
    isDefault: bool
    parameters: list[EmailTemplateParameter] = []


class EmailTemplateContract(Resource):
    properties: EmailTemplateContractProperties | None = None


class EmailTemplateCollection(CollectionBase):
    value: list[EmailTemplateContract] = []


class Recipients(BaseModel):
    emails: list[str] = []
    users: list[str] = []


class NotificationContractProperties(BaseModel):
    title: str
    description: str | None = None
    recipients: Recipients | None = None


class NotificationContract(Resource):
    properties: NotificationContractProperties | None = None


class NotificationCollection(CollectionBase):
    value: list[NotificationContract] = []


class RecipientUserContract(Resource):
    properties: dict[str, str] | None = None


class RecipientUserCollection(CollectionBase):
    value: list[RecipientUserContract] = []


class RecipientEmailContract(Resource):
    properties: dict[str, str] | None = None


class RecipientEmailCollection(CollectionBase):
    value: list[RecipientEmailContract] = []
