"""Importing users over the management API (an Apidesk extension): the same import as
`apidesk users import`, for a file small enough for one request, in one transaction."""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from apidesk.api.management.deps import InstanceCall, IReq
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import errors
from apidesk.domain.bulk import records
from apidesk.domain.bulk.importer import Importer, Totals
from apidesk.domain.bulk.options import Options, parse_rate
from apidesk.domain.bulk.records import Format
from apidesk.errors import Invalid
from apidesk.threads import run_in_thread

router = APIRouter(tags=["Apidesk extensions"], route_class=ManagementRoute)
BATCH = 5000
MEDIA_TYPES: dict[str, Format] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/jsonlines": "jsonl",
}


class MatchBy(StrEnum):
    id = "id"
    email = "email"


class FileFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class RowErrorDetail(BaseModel):
    code: str
    target: str
    message: str
    line: int


class ImportReport(BaseModel):
    dryRun: bool
    created: int
    updated: int
    unchanged: int
    failed: int
    invited: int
    errors: list[RowErrorDetail]


def _format(request: Request, given: FileFormat | None) -> Format:
    if given is not None:
        return given.value
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    found = MEDIA_TYPES.get(media)
    if found is None:
        raise Invalid.field(
            "Content-Type",
            "Send the file as text/csv or application/x-ndjson (JSON Lines), or name its "
            "format with ?format=csv|jsonl.",
        )
    return found


def _run(call: InstanceCall, body: bytes, fmt: Format, options: Options) -> Totals:
    totals = Totals()
    with call.instance() as ctx:
        importer = Importer(options)
        batch: list[records.Record] = []
        for record in records.read(io.BytesIO(body), fmt):
            batch.append(record)
            if len(batch) >= BATCH:
                totals.add(importer.apply(ctx, batch))
                batch = []
        if batch:
            totals.add(importer.apply(ctx, batch))
    return totals


@router.post(
    "/users/import",
    operation_id="ApideskUser_Import",
    summary="Import users from CSV or JSON Lines (Apidesk extension, not part of Azure API "
    "Management)",
    description=(
        "Not an Azure API Management operation. Creates or updates the users of a CSV file "
        "(with a header row) or a JSON Lines file, sent as the request body (text/csv or "
        "application/x-ndjson), in one transaction. Rows with problems are refused and listed "
        "with their line, field and reason; the others are imported. The body may be as large "
        "as APIDESK_MAX_BODY_BYTES; use `apidesk users import` for larger files."
    ),
    response_model=None,
    # Any bytes are a file to read: what cannot be read is reported row by row, so the
    # body has no schema that a request could violate.
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file: CSV with a header row, or JSON Lines.",
            "content": {
                "text/csv": {"schema": {}},
                "application/x-ndjson": {"schema": {}},
            },
        }
    },
    responses={200: {"model": ImportReport, "description": "The per-row report."}, **errors(413)},
)
async def import_users(
    request: Request,
    call: IReq,
    dry_run: Annotated[bool, Query(alias="dryRun", description="Check only.")] = False,
    match: Annotated[MatchBy, Query(description="Match users by id or by e-mail.")] = MatchBy.id,
    invite: Annotated[bool, Query(description="Invite the pending users.")] = False,
    invite_rate: Annotated[
        str, Query(alias="inviteRate", max_length=20, description="Such as 10/s or 600/min.")
    ] = "10/s",
    file_format: Annotated[FileFormat | None, Query(alias="format")] = None,
) -> JSONResponse:
    fmt = _format(request, file_format)
    options = Options(match.value, invite, parse_rate(invite_rate), dry_run)
    await run_in_thread(call.authenticate)  # before the upload is read
    body = await request.body()
    totals = await run_in_thread(_run, call, body, fmt, options)
    report = ImportReport(
        dryRun=dry_run,
        created=totals.created,
        updated=totals.updated,
        unchanged=totals.unchanged,
        failed=totals.failed,
        invited=totals.invited,
        errors=[
            RowErrorDetail(
                code="ValidationError", target=error.target, message=error.message, line=error.line
            )
            for error in totals.errors
        ],
    )
    return JSONResponse(report.model_dump())
