"""Products (reference §2.4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import IfMatch, IfMatchRequired, ProductId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.schemas.products import (
    ProductCollection,
    ProductContract,
    ProductParameters,
)
from apidesk.api.management.views import products as views
from apidesk.domain.fields import from_wire
from apidesk.domain.products import service as products
from apidesk.domain.products.service import FIELDS as PRODUCT
from apidesk.domain.products.service import ProductFields
from apidesk.errors import Invalid

router = APIRouter(tags=["Products"], route_class=ManagementRoute)


def _fields(body: ProductParameters) -> ProductFields:
    if body.properties is None:
        return {}
    given: dict[str, Any] = body.properties.model_dump(exclude_unset=True)
    return from_wire(PRODUCT, given)  # type: ignore[return-value]


@router.get(
    "/products",
    operation_id="Product_ListByService",
    summary="List products",
    response_model=None,
    responses={200: {"model": ProductCollection}, **errors()},
)
def list_products(
    request: Request,
    call: IReq,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
    expand_groups: Annotated[bool | None, Query(alias="expandGroups")] = None,
    tags: Annotated[str | None, Query(description="Not supported: Apidesk has no tags.")] = None,
) -> JSONResponse:
    if tags is not None:
        raise Invalid.field(
            "tags", "Filtering products by tag is not supported: Apidesk has no tags."
        )
    query = list_query(call.runtime, filter_, top, skip, filters.PRODUCTS)
    with call.instance() as ctx:
        page = products.list_products(ctx, query)
        linked = products.groups_of(ctx, page.items) if expand_groups else None
        values = [
            views.product(
                ctx.instance,
                product,
                groups=linked.get(product.id, []) if linked is not None else None,
            )
            for product in page.items
        ]
    return envelope.collection(request, values, page)


@router.head(
    "/products/{productId}",
    operation_id="Product_GetEntityTag",
    summary="Get the entity tag of a product",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def product_entity_tag(call: IReq, product_id: ProductId) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(products.get_or_raise(ctx, product_id).etag)


@router.get(
    "/products/{productId}",
    operation_id="Product_Get",
    summary="Get a product",
    response_model=None,
    responses={200: {"model": ProductContract}, **errors()},
)
def get_product(call: IReq, product_id: ProductId) -> JSONResponse:
    with call.instance() as ctx:
        product = products.get_or_raise(ctx, product_id)
        return envelope.entity(views.product(ctx.instance, product), etag=product.etag)


@router.put(
    "/products/{productId}",
    operation_id="Product_CreateOrUpdate",
    summary="Create a product, or merge changes onto an existing one",
    response_model=None,
    responses={200: {"model": ProductContract}, 201: {"model": ProductContract}, **errors(412)},
)
def create_or_update_product(
    call: IReq, product_id: ProductId, body: ProductParameters, if_match: IfMatch = None
) -> JSONResponse:
    with call.instance() as ctx:
        product, created = products.create_or_update(
            ctx, product_id, _fields(body), expected_etag=parse_if_match(if_match)
        )
        return envelope.entity(
            views.product(ctx.instance, product),
            etag=product.etag,
            status_code=201 if created else 200,
        )


@router.patch(
    "/products/{productId}",
    operation_id="Product_Update",
    summary="Change some fields of a product",
    response_model=None,
    responses={200: {"model": ProductContract}, **errors(412)},
)
def update_product(
    call: IReq, product_id: ProductId, body: ProductParameters, if_match: IfMatchRequired
) -> JSONResponse:
    with call.instance() as ctx:
        product = products.update(
            ctx, product_id, _fields(body), expected_etag=parse_if_match(if_match) or ""
        )
        return envelope.entity(views.product(ctx.instance, product), etag=product.etag)


@router.delete(
    "/products/{productId}",
    operation_id="Product_Delete",
    summary="Delete a product",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Deleted."},
        204: {"description": "Nothing to delete."},
        **errors(409, 412),
    },
)
def delete_product(
    call: IReq,
    product_id: ProductId,
    if_match: IfMatchRequired,
    delete_subscriptions: Annotated[bool | None, Query(alias="deleteSubscriptions")] = None,
) -> Response:
    with call.instance() as ctx:
        deleted = products.delete(
            ctx,
            product_id,
            expected_etag=parse_if_match(if_match) or "",
            delete_subscriptions=bool(delete_subscriptions),
        )
    return Response(status_code=200 if deleted else 204)
