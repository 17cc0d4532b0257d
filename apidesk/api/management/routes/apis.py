"""APIs, as far as the key check needs them: `PUT/GET/PATCH/DELETE .../apis/{apiId}` and list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import ApiId, IfMatch, IfMatchRequired
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.apis import ApiCollection, ApiContract, ApiParameters
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.views import apis as views
from apidesk.domain.apis import service as apis
from apidesk.domain.apis.service import FIELDS as API
from apidesk.domain.apis.service import ApiFields
from apidesk.domain.fields import from_wire

router = APIRouter(tags=["APIs"], route_class=ManagementRoute)


def _fields(body: ApiParameters) -> ApiFields:
    if body.properties is None:
        return {}
    given: dict[str, Any] = body.properties.model_dump(exclude_unset=True)
    fields: dict[str, Any] = from_wire(API, given)
    names = given.get("subscriptionKeyParameterNames") or {}
    if "header" in names:
        fields["header_name"] = names["header"]
    if "query" in names:
        fields["query_name"] = names["query"]
    return fields  # type: ignore[return-value]


@router.get(
    "/apis",
    operation_id="Api_ListByService",
    summary="List APIs",
    response_model=None,
    responses={200: {"model": ApiCollection}, **errors()},
)
def list_apis(
    request: Request, call: IReq, filter_: FilterText = None, top: Top = None, skip: Skip = None
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.APIS)
    with call.instance() as ctx:
        page = apis.list_apis(ctx, query)
        values = [views.api(ctx.instance, api) for api in page.items]
    return envelope.collection(request, values, page)


@router.head(
    "/apis/{apiId}",
    operation_id="Api_GetEntityTag",
    summary="Get the entity tag of an API",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def api_entity_tag(call: IReq, api_id: ApiId) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(apis.get_or_raise(ctx, api_id).etag)


@router.get(
    "/apis/{apiId}",
    operation_id="Api_Get",
    summary="Get an API",
    response_model=None,
    responses={200: {"model": ApiContract}, **errors()},
)
def get_api(call: IReq, api_id: ApiId) -> JSONResponse:
    with call.instance() as ctx:
        api = apis.get_or_raise(ctx, api_id)
        return envelope.entity(views.api(ctx.instance, api), etag=api.etag)


@router.put(
    "/apis/{apiId}",
    operation_id="Api_CreateOrUpdate",
    summary="Create an API, or merge changes onto an existing one",
    response_model=None,
    responses={200: {"model": ApiContract}, 201: {"model": ApiContract}, **errors(409, 412)},
)
def create_or_update_api(
    call: IReq, api_id: ApiId, body: ApiParameters, if_match: IfMatch = None
) -> JSONResponse:
    with call.instance() as ctx:
        api, created = apis.create_or_update(
            ctx, api_id, _fields(body), expected_etag=parse_if_match(if_match)
        )
        return envelope.entity(
            views.api(ctx.instance, api), etag=api.etag, status_code=201 if created else 200
        )


@router.patch(
    "/apis/{apiId}",
    operation_id="Api_Update",
    summary="Change some fields of an API",
    response_model=None,
    responses={200: {"model": ApiContract}, **errors(409, 412)},
)
def update_api(
    call: IReq, api_id: ApiId, body: ApiParameters, if_match: IfMatchRequired
) -> JSONResponse:
    with call.instance() as ctx:
        api = apis.update(ctx, api_id, _fields(body), expected_etag=parse_if_match(if_match) or "")
        return envelope.entity(views.api(ctx.instance, api), etag=api.etag)


@router.delete(
    "/apis/{apiId}",
    operation_id="Api_Delete",
    summary="Delete an API (its product links and API-scoped subscriptions go with it)",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Deleted."},
        204: {"description": "Nothing to delete."},
        **errors(412),
    },
)
def delete_api(call: IReq, api_id: ApiId, if_match: IfMatchRequired) -> Response:
    # The SDK treats API deletion as a long-running operation that accepts only 202 or 204;
    # it is done at once, so always 204.
    with call.instance() as ctx:
        apis.delete(ctx, api_id, expected_etag=parse_if_match(if_match) or "")
    return Response(status_code=204)
