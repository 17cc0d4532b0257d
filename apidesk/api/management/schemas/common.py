"""Wire models shared by several entities. They describe the JSON; rules live in the domain."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from apidesk.domain import fields


# Documented error answers, so the OpenAPI document tells clients what to expect.
class ErrorFieldContract(BaseModel):
    code: str | None = None
    target: str | None = None
    message: str | None = None


class ErrorResponseBody(BaseModel):
    code: str
    message: str
    details: list[ErrorFieldContract] | None = None


class ErrorResponse(BaseModel):
    error: ErrorResponseBody


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Invalid input; `details` names each bad field.",
        401: "Missing, invalid, expired or revoked token.",
        403: "The token may not manage this service.",
        404: "The service or entity does not exist.",
        409: "Conflicts with existing data, such as a taken e-mail address.",
        412: "The `If-Match` tag is stale, or a concurrent writer won.",
        413: "The request body is larger than the limit.",
    }
    wanted = sorted({400, 401, 403, 404, *statuses})
    return {s: {"model": ErrorResponse, "description": descriptions[s]} for s in wanted}


class AppType(StrEnum):
    portal = "portal"
    developerPortal = "developerPortal"


def one_of(values: tuple[str, ...], description: str | None = None) -> Any:
    """An optional string field documented as an enum; the domain checks the value. Null is
    one of the values: it is accepted, and means the same as leaving the field out."""
    return Field(None, description=description, json_schema_extra={"enum": [*values, None]})


def limited(field: fields.Field, description: str | None = None, **extra: Any) -> Any:
    """An optional field documented with the length limits of its domain table entry."""
    return Field(
        None,
        min_length=field.min_length or None,
        max_length=field.max_length,
        description=description,
        **extra,
    )


ETAG_ONLY: dict[str, Any] = {
    "description": "The entity exists; its tag is in the `ETag` header.",
    "headers": {"ETag": {"schema": {"type": "string"}}},
}


DELETED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Deleted."},
    204: {"description": "There was nothing to delete."},
}


class WireModel(BaseModel):
    """Request models ignore unknown and read-only fields (`id`, `name`, `type`, ...)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Resource(BaseModel):
    id: str | None = None
    name: str | None = None
    type: str | None = None


class CollectionBase(BaseModel):
    count: int | None = Field(None, description="Total number of records on all pages.")
    nextLink: str | None = Field(None, description="Absolute URL of the next page, if any.")
