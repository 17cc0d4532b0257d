"""What a product links to: groups (`groups` and `groupLinks`) and APIs (reference §2.4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.envelope import service_id
from apidesk.api.management.routes.common import ApiId, GroupId, GroupLinkId, ProductId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.apis import ApiCollection, ApiContract
from apidesk.api.management.schemas.common import errors
from apidesk.api.management.schemas.groups import GroupCollection, GroupContract
from apidesk.api.management.schemas.products import (
    ProductGroupLinkCollection,
    ProductGroupLinkContract,
    ProductGroupLinkParameters,
)
from apidesk.api.management.views import apis as api_views
from apidesk.api.management.views import groups as group_views
from apidesk.api.management.views import products as views
from apidesk.domain.products import links
from apidesk.domain.products import service as products
from apidesk.errors import Invalid

router = APIRouter(tags=["Products"], route_class=ManagementRoute)
NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Nothing was linked."}}


@router.get(
    "/products/{productId}/groups",
    operation_id="ProductGroup_ListByProduct",
    summary="List the groups that can see a product",
    response_model=None,
    responses={200: {"model": GroupCollection}, **errors()},
)
def list_product_groups(
    request: Request,
    call: IReq,
    product_id: ProductId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.PRODUCT_GROUPS)
    with call.instance() as ctx:
        page = links.product_groups(ctx, product_id, query)
        product_name = products.get_or_raise(ctx, product_id).name
        values = [
            group_views.group(
                ctx.instance,
                group,
                type_=views.PRODUCT_GROUPS_TYPE,
                parent=("products", product_name),
            )
            for group in page.items
        ]
    return envelope.collection(request, values, page)


@router.head(
    "/products/{productId}/groups/{groupId}",
    operation_id="ProductGroup_CheckEntityExists",
    summary="Whether a group can see a product",
    response_model=None,
    response_class=Response,
    status_code=204,
    responses={204: {"description": "Linked."}, **errors()},
)
def product_group_exists(call: IReq, product_id: ProductId, group_id: GroupId) -> Response:
    with call.instance() as ctx:
        linked = links.has_group(ctx, product_id, group_id)
    return Response(status_code=204 if linked else 404)


@router.put(
    "/products/{productId}/groups/{groupId}",
    operation_id="ProductGroup_CreateOrUpdate",
    summary="Let a group see a product",
    response_model=None,
    responses={200: {"model": GroupContract}, 201: {"model": GroupContract}, **errors()},
)
def link_product_group(call: IReq, product_id: ProductId, group_id: GroupId) -> JSONResponse:
    with call.instance() as ctx:
        _, group, created = links.link_group(ctx, product_id, group_id)
        body = group_views.group(ctx.instance, group, type_=views.PRODUCT_GROUPS_TYPE)
    return JSONResponse(body, status_code=201 if created else 200)


@router.delete(
    "/products/{productId}/groups/{groupId}",
    operation_id="ProductGroup_Delete",
    summary="Stop a group from seeing a product",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={200: {"description": "Unlinked."}, **NO_CONTENT, **errors()},
)
def unlink_product_group(call: IReq, product_id: ProductId, group_id: GroupId) -> Response:
    with call.instance() as ctx:
        removed = links.unlink_group(ctx, product_id, group_id)
    return Response(status_code=200 if removed else 204)


@router.get(
    "/products/{productId}/groupLinks",
    operation_id="ProductGroupLink_ListByProduct",
    summary="List a product's group links",
    response_model=None,
    responses={200: {"model": ProductGroupLinkCollection}, **errors()},
)
def list_group_links(
    request: Request,
    call: IReq,
    product_id: ProductId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    with call.instance() as ctx:
        prefix = service_id(ctx.instance)
        query = list_query(call.runtime, filter_, top, skip, filters.group_links(prefix))
        product = products.get_or_raise(ctx, product_id)
        page = links.links(ctx, product_id, query, group_id_prefix=f"{prefix}/groups/")
        values = [
            views.group_link(ctx.instance, product.name, link, group) for link, group in page.items
        ]
    return envelope.collection(request, values, page)


@router.get(
    "/products/{productId}/groupLinks/{groupLinkId}",
    operation_id="ProductGroupLink_Get",
    summary="Get a product's group link",
    response_model=None,
    responses={200: {"model": ProductGroupLinkContract}, **errors()},
)
def get_group_link(call: IReq, product_id: ProductId, link_id: GroupLinkId) -> JSONResponse:
    with call.instance() as ctx:
        link, group = links.get_link_or_raise(ctx, product_id, link_id)
        product = products.get_or_raise(ctx, product_id)
        return envelope.entity(
            views.group_link(ctx.instance, product.name, link, group), etag=link.etag
        )


def _group_of(value: str | None, prefix: str) -> str:
    """A group id from `groupId`: the full id, `/groups/{g}` or the bare id."""
    if not value:
        raise Invalid.field("groupId", "'groupId' is required.")
    path = value
    if path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
    elif path.lower().startswith("/subscriptions/"):
        raise Invalid.field("groupId", "The group must belong to this service.")
    if path.lower().startswith("/groups/"):
        path = path[len("/groups/") :]
    if not path or "/" in path:
        raise Invalid.field("groupId", "'groupId' must name a group, e.g. /groups/developers.")
    return path


@router.put(
    "/products/{productId}/groupLinks/{groupLinkId}",
    operation_id="ProductGroupLink_CreateOrUpdate",
    summary="Link a group to a product",
    response_model=None,
    responses={
        200: {"model": ProductGroupLinkContract},
        201: {"model": ProductGroupLinkContract},
        **errors(409),
    },
)
def put_group_link(
    call: IReq, product_id: ProductId, link_id: GroupLinkId, body: ProductGroupLinkParameters
) -> JSONResponse:
    with call.instance() as ctx:
        group_name = _group_of(
            body.properties.groupId if body.properties else None, service_id(ctx.instance)
        )
        link, group, created = links.put_link(ctx, product_id, link_id, group_name)
        product = products.get_or_raise(ctx, product_id)
        return envelope.entity(
            views.group_link(ctx.instance, product.name, link, group),
            etag=link.etag,
            status_code=201 if created else 200,
        )


@router.delete(
    "/products/{productId}/groupLinks/{groupLinkId}",
    operation_id="ProductGroupLink_Delete",
    summary="Remove a group link",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={200: {"description": "Removed."}, **NO_CONTENT, **errors()},
)
def delete_group_link(call: IReq, product_id: ProductId, link_id: GroupLinkId) -> Response:
    with call.instance() as ctx:
        removed = links.delete_link(ctx, product_id, link_id)
    return Response(status_code=200 if removed else 204)


@router.get(
    "/products/{productId}/apis",
    operation_id="ProductApi_ListByProduct",
    summary="List the APIs of a product",
    response_model=None,
    responses={200: {"model": ApiCollection}, **errors()},
)
def list_product_apis(
    request: Request,
    call: IReq,
    product_id: ProductId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.APIS)
    with call.instance() as ctx:
        page = links.product_apis(ctx, product_id, query)
        product = products.get_or_raise(ctx, product_id)
        values = [
            api_views.api(
                ctx.instance,
                api,
                type_=api_views.PRODUCT_APIS_TYPE,
                parent=("products", product.name),
            )
            for api in page.items
        ]
    return envelope.collection(request, values, page)


@router.head(
    "/products/{productId}/apis/{apiId}",
    operation_id="ProductApi_CheckEntityExists",
    summary="Whether an API is part of a product",
    response_model=None,
    response_class=Response,
    status_code=204,
    responses={204: {"description": "It is."}, **errors()},
)
def product_api_exists(call: IReq, product_id: ProductId, api_id: ApiId) -> Response:
    with call.instance() as ctx:
        links.has_api(ctx, product_id, api_id)
    return Response(status_code=204)


@router.get(
    "/products/{productId}/apis/{apiId}",
    operation_id="ProductApi_Get",
    summary="Get an API of a product",
    response_model=None,
    responses={200: {"model": ApiContract}, **errors()},
)
def get_product_api(call: IReq, product_id: ProductId, api_id: ApiId) -> JSONResponse:
    with call.instance() as ctx:
        api = links.has_api(ctx, product_id, api_id)
        product = products.get_or_raise(ctx, product_id)
        body = api_views.api(
            ctx.instance, api, type_=api_views.PRODUCT_APIS_TYPE, parent=("products", product.name)
        )
        return envelope.entity(body, etag=api.etag)


@router.put(
    "/products/{productId}/apis/{apiId}",
    operation_id="ProductApi_CreateOrUpdate",
    summary="Add an API to a product",
    response_model=None,
    responses={200: {"model": ApiContract}, 201: {"model": ApiContract}, **errors()},
)
def add_product_api(call: IReq, product_id: ProductId, api_id: ApiId) -> JSONResponse:
    with call.instance() as ctx:
        api, added = links.add_api(ctx, product_id, api_id)
        body = api_views.api(ctx.instance, api)
    return JSONResponse(body, status_code=201 if added else 200)


@router.delete(
    "/products/{productId}/apis/{apiId}",
    operation_id="ProductApi_Delete",
    summary="Remove an API from a product",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={200: {"description": "Removed."}, **NO_CONTENT, **errors()},
)
def remove_product_api(call: IReq, product_id: ProductId, api_id: ApiId) -> Response:
    with call.instance() as ctx:
        removed = links.remove_api(ctx, product_id, api_id)
    return Response(status_code=200 if removed else 204)
