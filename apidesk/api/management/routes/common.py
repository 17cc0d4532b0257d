"""Path and header parameters that several route modules share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

from apidesk.domain.validation import ID_PATTERN


def entity_id(alias: str, max_length: int, description: str = "") -> object:
    return Path(
        alias=alias,
        min_length=1,
        max_length=max_length,
        json_schema_extra={"pattern": ID_PATTERN},
        description=description or "Matched without regard to case.",
    )


IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="Optional: an ETag from GET/HEAD, or `*`.")
]
IfMatchRequired = Annotated[
    str, Header(alias="If-Match", description="An ETag from GET/HEAD, or `*`.")
]
UserId = Annotated[
    str, entity_id("userId", 80, "Unique in the service; matched without regard to case.")
]
GroupId = Annotated[str, entity_id("groupId", 256)]
ProductId = Annotated[str, entity_id("productId", 256)]
ApiId = Annotated[str, entity_id("apiId", 256)]
Sid = Annotated[str, entity_id("sid", 256)]
GroupLinkId = Annotated[str, entity_id("groupLinkId", 80)]
ApiLinkId = Annotated[str, entity_id("apiLinkId", 80)]
