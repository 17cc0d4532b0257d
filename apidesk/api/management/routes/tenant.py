"""Tenant access keys (reference §2.8): they sign users' tokens and management signatures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope
from apidesk.api.management.deps import FilterText, IReq
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import IfMatchRequired
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.schemas.tenant import (
    AccessInformationCollection,
    AccessInformationContract,
    AccessInformationCreateParameters,
    AccessInformationSecretsContract,
    AccessInformationUpdateParameters,
)
from apidesk.api.management.views import tenant as views
from apidesk.domain import tenant
from apidesk.query import Page

router = APIRouter(tags=["Tenant access"], route_class=ManagementRoute)
AccessName = Annotated[str, Path(alias="accessName", description="access or gitAccess.")]


@router.get(
    "/tenant",
    operation_id="TenantAccess_ListByService",
    summary="List the tenant access entries",
    response_model=None,
    responses={200: {"model": AccessInformationCollection}, **errors()},
)
def list_tenant_access(request: Request, call: IReq, filter_: FilterText = None) -> JSONResponse:
    # APIM accepts $filter here and ignores it; so does Apidesk.
    with call.instance() as ctx:
        rows = list(tenant.list_all(ctx))
        values = [views.access(ctx.instance, row) for row in rows]
    page: Page[object] = Page(items=list(rows), total=len(rows), skip=0, top=len(rows) or 1)
    return envelope.collection(request, values, page)


@router.head(
    "/tenant/{accessName}",
    operation_id="TenantAccess_GetEntityTag",
    summary="Get the entity tag of a tenant access entry",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def tenant_access_entity_tag(call: IReq, name: AccessName) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(tenant.get_or_raise(ctx, name).etag)


@router.get(
    "/tenant/{accessName}",
    operation_id="TenantAccess_Get",
    summary="Get a tenant access entry (without keys)",
    response_model=None,
    responses={200: {"model": AccessInformationContract}, **errors()},
)
def get_tenant_access(call: IReq, name: AccessName) -> JSONResponse:
    with call.instance() as ctx:
        row = tenant.get_or_raise(ctx, name)
        return envelope.entity(views.access(ctx.instance, row), etag=row.etag)


@router.put(
    "/tenant/{accessName}",
    operation_id="TenantAccess_Create",
    summary="Set the principal, keys or state of a tenant access entry",
    response_model=None,
    responses={200: {"model": AccessInformationContract}, **errors(412)},
)
def put_tenant_access(
    call: IReq, name: AccessName, body: AccessInformationCreateParameters, if_match: IfMatchRequired
) -> JSONResponse:
    properties = body.properties
    fields = {
        "principal_id": properties.principalId if properties else None,
        "primary_key": properties.primaryKey if properties else None,
        "secondary_key": properties.secondaryKey if properties else None,
        "enabled": properties.enabled if properties else None,
    }
    with call.instance() as ctx:
        row = tenant.put(ctx, name, fields, expected_etag=parse_if_match(if_match))
        return envelope.entity(views.access(ctx.instance, row), etag=row.etag)


@router.patch(
    "/tenant/{accessName}",
    operation_id="TenantAccess_Update",
    summary="Enable or disable a tenant access entry",
    response_model=None,
    responses={200: {"model": AccessInformationContract}, **errors(412)},
)
def update_tenant_access(
    call: IReq, name: AccessName, body: AccessInformationUpdateParameters, if_match: IfMatchRequired
) -> JSONResponse:
    enabled = body.properties.enabled if body.properties else None
    with call.instance() as ctx:
        row = tenant.update(ctx, name, enabled=enabled, expected_etag=parse_if_match(if_match))
        return envelope.entity(views.access(ctx.instance, row), etag=row.etag)


def _regenerate(call: IReq, name: str, slot: Literal["primary", "secondary"]) -> Response:
    with call.instance() as ctx:
        tenant.regenerate(ctx, name, slot)
    return Response(status_code=204)


@router.post(
    "/tenant/{accessName}/regeneratePrimaryKey",
    operation_id="TenantAccess_RegeneratePrimaryKey",
    summary="Replace the primary key (tokens signed with it stop working)",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Replaced."}, **errors()},
)
def regenerate_primary(call: IReq, name: AccessName) -> Response:
    return _regenerate(call, name, "primary")


@router.post(
    "/tenant/{accessName}/regenerateSecondaryKey",
    operation_id="TenantAccess_RegenerateSecondaryKey",
    summary="Replace the secondary key (tokens signed with it stop working)",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Replaced."}, **errors()},
)
def regenerate_secondary(call: IReq, name: AccessName) -> Response:
    return _regenerate(call, name, "secondary")


@router.post(
    "/tenant/{accessName}/listSecrets",
    operation_id="TenantAccess_ListSecrets",
    summary="Get the keys of a tenant access entry",
    response_model=None,
    responses={200: {"model": AccessInformationSecretsContract}, **errors()},
)
def list_tenant_secrets(call: IReq, name: AccessName) -> JSONResponse:
    with call.instance() as ctx:
        row, primary, secondary = tenant.secrets(ctx, name)
        return envelope.entity(views.secrets(row, primary, secondary), etag=row.etag)
