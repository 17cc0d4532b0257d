"""E-mail templates (reference §2.5): the 14 built in, customizable; DELETE restores one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.filters import TEMPLATES
from apidesk.api.management.routes.common import IfMatch, IfMatchRequired
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.schemas.templates import (
    EmailTemplateCollection,
    EmailTemplateContract,
    EmailTemplateUpdateParameters,
)
from apidesk.api.management.views import mail as views
from apidesk.domain.notifications import templates
from apidesk.domain.notifications.templates import TemplateFields
from apidesk.storage.models import Instance

router = APIRouter(tags=["E-mail templates"], route_class=ManagementRoute)
TemplateName = Annotated[
    str,
    Path(
        alias="templateName",
        max_length=100,
        description="One of the 14 template names in any case, e.g. inviteUserNotificationMessage.",
    ),
]


def _fields(body: EmailTemplateUpdateParameters) -> TemplateFields:
    if body.properties is None:
        return {}
    given: dict[str, Any] = body.properties.model_dump(exclude_unset=True)
    return {k: v for k, v in given.items() if k in templates.WIRE}  # type: ignore[return-value]


def _save(
    call: IReq, name: str, fields: TemplateFields, expected_etag: str | None
) -> tuple[Instance, templates.TemplateView, bool]:
    """Read, then check with no unit of work open (compiling a template is the slow part),
    then write in a short unit."""
    with call.instance(write=False) as ctx:
        draft = templates.prepare(ctx, name, fields, expected_etag=expected_etag)
    templates.check(draft)
    with call.instance() as ctx:
        view, was_default = templates.save(ctx, draft)
        return ctx.instance, view, was_default


@router.get(
    "/templates",
    operation_id="EmailTemplate_ListByService",
    summary="List the e-mail templates",
    response_model=None,
    responses={200: {"model": EmailTemplateCollection}, **errors()},
)
def list_templates(
    request: Request, call: IReq, filter_: FilterText = None, top: Top = None, skip: Skip = None
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, TEMPLATES)
    with call.instance() as ctx:
        page = templates.list_templates(ctx, query)
        values = [views.template(ctx.instance, view) for view in page.items]
    return envelope.collection(request, values, page)


@router.head(
    "/templates/{templateName}",
    operation_id="EmailTemplate_GetEntityTag",
    summary="Get the entity tag of an e-mail template",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def template_entity_tag(call: IReq, name: TemplateName) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(templates.get(ctx, name).etag)


@router.get(
    "/templates/{templateName}",
    operation_id="EmailTemplate_Get",
    summary="Get an e-mail template",
    response_model=None,
    responses={200: {"model": EmailTemplateContract}, **errors()},
)
def get_template(call: IReq, name: TemplateName) -> JSONResponse:
    with call.instance() as ctx:
        view = templates.get(ctx, name)
        return envelope.entity(views.template(ctx.instance, view), etag=view.etag)


@router.put(
    "/templates/{templateName}",
    operation_id="EmailTemplate_CreateOrUpdate",
    summary="Customize an e-mail template (the fields given are merged onto it)",
    response_model=None,
    responses={
        200: {"model": EmailTemplateContract, "description": "A customized template changed."},
        201: {"model": EmailTemplateContract, "description": "The default was customized."},
        **errors(412),
    },
)
def put_template(
    call: IReq, name: TemplateName, body: EmailTemplateUpdateParameters, if_match: IfMatch = None
) -> JSONResponse:
    instance, view, was_default = _save(call, name, _fields(body), parse_if_match(if_match))
    return envelope.entity(
        views.template(instance, view), etag=view.etag, status_code=201 if was_default else 200
    )


@router.patch(
    "/templates/{templateName}",
    operation_id="EmailTemplate_Update",
    summary="Change some fields of an e-mail template",
    response_model=None,
    responses={200: {"model": EmailTemplateContract}, **errors(412)},
)
def patch_template(
    call: IReq, name: TemplateName, body: EmailTemplateUpdateParameters, if_match: IfMatchRequired
) -> JSONResponse:
    instance, view, _ = _save(call, name, _fields(body), parse_if_match(if_match) or "")
    return envelope.entity(views.template(instance, view), etag=view.etag)


@router.delete(
    "/templates/{templateName}",
    operation_id="EmailTemplate_Delete",
    summary="Restore an e-mail template to its built-in default",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Restored to the default."},
        204: {"description": "It was the default already."},
        **errors(412),
    },
)
def reset_template(call: IReq, name: TemplateName, if_match: IfMatchRequired) -> Response:
    with call.instance() as ctx:
        restored = templates.reset(ctx, name, expected_etag=parse_if_match(if_match) or "")
    return Response(status_code=200 if restored else 204)
