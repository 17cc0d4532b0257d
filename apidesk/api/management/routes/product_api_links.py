"""A product's API links (`products/{p}/apiLinks`), the API-side twin of its group links: the
same memberships `products/{p}/apis` shows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.envelope import service_id
from apidesk.api.management.routes.common import ApiLinkId, ProductId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import errors
from apidesk.api.management.schemas.products import (
    ProductApiLinkCollection,
    ProductApiLinkContract,
    ProductApiLinkParameters,
)
from apidesk.api.management.views import products as views
from apidesk.domain.products import api_links
from apidesk.errors import Invalid

router = APIRouter(tags=["Products"], route_class=ManagementRoute)
NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Nothing was linked."}}


@router.get(
    "/products/{productId}/apiLinks",
    operation_id="ProductApiLink_ListByProduct",
    summary="List a product's API links",
    response_model=None,
    responses={200: {"model": ProductApiLinkCollection}, **errors()},
)
def list_api_links(
    request: Request,
    call: IReq,
    product_id: ProductId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    with call.instance() as ctx:
        prefix = service_id(ctx.instance)
        query = list_query(call.runtime, filter_, top, skip, filters.api_links(prefix))
        product, page = api_links.list_links(
            ctx, product_id, query, api_id_prefix=f"{prefix}/apis/"
        )
        values = [views.api_link(ctx.instance, product.name, link, api) for link, api in page.items]
    return envelope.collection(request, values, page)


@router.get(
    "/products/{productId}/apiLinks/{apiLinkId}",
    operation_id="ProductApiLink_Get",
    summary="Get a product's API link",
    response_model=None,
    responses={200: {"model": ProductApiLinkContract}, **errors()},
)
def get_api_link(call: IReq, product_id: ProductId, link_id: ApiLinkId) -> JSONResponse:
    with call.instance() as ctx:
        link, api, product = api_links.get_or_raise_link(ctx, product_id, link_id)
        return envelope.entity(
            views.api_link(ctx.instance, product.name, link, api), etag=link.etag
        )


def _api_of(value: str | None, prefix: str) -> str:
    """An API id from `apiId`: the full id, `/apis/{a}` or the bare id."""
    if not value:
        raise Invalid.field("apiId", "'apiId' is required.")
    path = value
    if path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
    elif path.lower().startswith("/subscriptions/"):
        raise Invalid.field("apiId", "The API must belong to this service.")
    if path.lower().startswith("/apis/"):
        path = path[len("/apis/") :]
    if not path or "/" in path:
        raise Invalid.field("apiId", "'apiId' must name an API, e.g. /apis/echo-api.")
    return path


@router.put(
    "/products/{productId}/apiLinks/{apiLinkId}",
    operation_id="ProductApiLink_CreateOrUpdate",
    summary="Link an API to a product (it becomes one of the product's APIs)",
    response_model=None,
    responses={
        200: {"model": ProductApiLinkContract},
        201: {"model": ProductApiLinkContract},
        **errors(409),
    },
)
def put_api_link(
    call: IReq, product_id: ProductId, link_id: ApiLinkId, body: ProductApiLinkParameters
) -> JSONResponse:
    with call.instance() as ctx:
        api_name = _api_of(
            body.properties.apiId if body.properties else None, service_id(ctx.instance)
        )
        link, api, product, created = api_links.put(ctx, product_id, link_id, api_name)
        return envelope.entity(
            views.api_link(ctx.instance, product.name, link, api),
            etag=link.etag,
            status_code=201 if created else 200,
        )


@router.delete(
    "/products/{productId}/apiLinks/{apiLinkId}",
    operation_id="ProductApiLink_Delete",
    summary="Remove an API link (and the API from the product)",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={200: {"description": "Removed."}, **NO_CONTENT, **errors()},
)
def delete_api_link(call: IReq, product_id: ProductId, link_id: ApiLinkId) -> Response:
    with call.instance() as ctx:
        removed = api_links.delete(ctx, product_id, link_id)
    return Response(status_code=200 if removed else 204)
