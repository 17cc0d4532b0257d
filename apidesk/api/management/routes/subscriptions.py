"""Subscriptions (reference §2.3), and the subscriptions of a user or of a product."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.envelope import service_id
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import IfMatch, IfMatchRequired, ProductId, Sid, UserId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, AppType, errors
from apidesk.api.management.schemas.subscriptions import (
    SubscriptionCollection,
    SubscriptionContract,
    SubscriptionCreateParameters,
    SubscriptionKeysContract,
    SubscriptionUpdateParameters,
)
from apidesk.api.management.views import subscriptions as views
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import from_wire
from apidesk.domain.products import service as products
from apidesk.domain.subscriptions import service as subscriptions
from apidesk.domain.subscriptions.fields import FIELDS as SUBSCRIPTION
from apidesk.domain.subscriptions.service import SubscriptionFields
from apidesk.domain.users import service as users
from apidesk.errors import NotFound
from apidesk.query import ListQuery, Page
from apidesk.storage.models import Subscription
from apidesk.storage.models.subscription import SubscriptionSummary

router = APIRouter(tags=["Subscriptions"], route_class=ManagementRoute)
Notify = Annotated[bool | None, Query(description="E-mail the owner when the state changes.")]
AppTypeQuery = Annotated[AppType, Query(alias="appType")]


def _fields(properties: Any) -> SubscriptionFields:
    if properties is None:
        return {}
    given: dict[str, Any] = properties.model_dump(exclude_unset=True)
    return from_wire(SUBSCRIPTION, given)  # type: ignore[return-value]


def _render(
    ctx: InstanceContext,
    page: Page[SubscriptionSummary],
    *,
    type_: str = views.SUBSCRIPTIONS_TYPE,
    parent: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    names = subscriptions.owner_names(ctx, page.items)
    return views.subscriptions(ctx.instance, page.items, names, type_=type_, parent=parent)


def _one(ctx: InstanceContext, item: Subscription, **kwargs: Any) -> dict[str, Any]:
    owner = subscriptions.owner_name(ctx, item)
    return views.subscription(ctx.instance, item, owner, **kwargs)


@router.get(
    "/subscriptions",
    operation_id="Subscription_List",
    summary="List subscriptions",
    response_model=None,
    responses={200: {"model": SubscriptionCollection}, **errors()},
)
def list_subscriptions(
    request: Request, call: IReq, filter_: FilterText = None, top: Top = None, skip: Skip = None
) -> JSONResponse:
    with call.instance() as ctx:
        prefix = service_id(ctx.instance)
        query = list_query(call.runtime, filter_, top, skip, filters.subscriptions(prefix))
        page = subscriptions.list_subscriptions(ctx, query, prefix)
        values = _render(ctx, page)
    return envelope.collection(request, values, page)


@router.head(
    "/subscriptions/{sid}",
    operation_id="Subscription_GetEntityTag",
    summary="Get the entity tag of a subscription",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def subscription_entity_tag(call: IReq, sid: Sid) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(subscriptions.get_or_raise(ctx, sid).etag)


@router.get(
    "/subscriptions/{sid}",
    operation_id="Subscription_Get",
    summary="Get a subscription (without its keys)",
    response_model=None,
    responses={200: {"model": SubscriptionContract}, **errors()},
)
def get_subscription(call: IReq, sid: Sid) -> JSONResponse:
    with call.instance() as ctx:
        item = subscriptions.get_or_raise(ctx, sid)
        return envelope.entity(_one(ctx, item), etag=item.etag)


@router.put(
    "/subscriptions/{sid}",
    operation_id="Subscription_CreateOrUpdate",
    summary="Create a subscription, or merge changes onto an existing one",
    response_model=None,
    responses={
        200: {"model": SubscriptionContract},
        201: {"model": SubscriptionContract},
        **errors(409, 412),
    },
)
def create_or_update_subscription(
    call: IReq,
    sid: Sid,
    body: SubscriptionCreateParameters,
    notify: Notify = None,
    app_type: AppTypeQuery = AppType.portal,
    if_match: IfMatch = None,
) -> JSONResponse:
    with call.instance() as ctx:
        item, created = subscriptions.create_or_update(
            ctx,
            sid,
            _fields(body.properties),
            service_id(ctx.instance),
            expected_etag=parse_if_match(if_match),
            notify=bool(notify),
        )
        return envelope.entity(_one(ctx, item), etag=item.etag, status_code=201 if created else 200)


@router.patch(
    "/subscriptions/{sid}",
    operation_id="Subscription_Update",
    summary="Change some fields of a subscription",
    response_model=None,
    responses={200: {"model": SubscriptionContract}, **errors(409, 412)},
)
def update_subscription(
    call: IReq,
    sid: Sid,
    body: SubscriptionUpdateParameters,
    if_match: IfMatchRequired,
    notify: Notify = None,
    app_type: AppTypeQuery = AppType.portal,
) -> JSONResponse:
    with call.instance() as ctx:
        item = subscriptions.update(
            ctx,
            sid,
            _fields(body.properties),
            service_id(ctx.instance),
            expected_etag=parse_if_match(if_match) or "",
            notify=bool(notify),
        )
        return envelope.entity(_one(ctx, item), etag=item.etag)


@router.delete(
    "/subscriptions/{sid}",
    operation_id="Subscription_Delete",
    summary="Delete a subscription",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Deleted."},
        204: {"description": "Nothing to delete."},
        **errors(412),
    },
)
def delete_subscription(call: IReq, sid: Sid, if_match: IfMatchRequired) -> Response:
    with call.instance() as ctx:
        deleted = subscriptions.delete(ctx, sid, expected_etag=parse_if_match(if_match) or "")
    return Response(status_code=200 if deleted else 204)


@router.post(
    "/subscriptions/{sid}/regeneratePrimaryKey",
    operation_id="Subscription_RegeneratePrimaryKey",
    summary="Replace the primary key",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Replaced."}, **errors()},
)
def regenerate_primary_key(call: IReq, sid: Sid) -> Response:
    with call.instance() as ctx:
        subscriptions.regenerate(ctx, sid, "primary")
    return Response(status_code=204)


@router.post(
    "/subscriptions/{sid}/regenerateSecondaryKey",
    operation_id="Subscription_RegenerateSecondaryKey",
    summary="Replace the secondary key",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Replaced."}, **errors()},
)
def regenerate_secondary_key(call: IReq, sid: Sid) -> Response:
    with call.instance() as ctx:
        subscriptions.regenerate(ctx, sid, "secondary")
    return Response(status_code=204)


@router.post(
    "/subscriptions/{sid}/listSecrets",
    operation_id="Subscription_ListSecrets",
    summary="Get the keys of a subscription",
    response_model=None,
    responses={200: {"model": SubscriptionKeysContract}, **errors()},
)
def list_subscription_secrets(call: IReq, sid: Sid) -> JSONResponse:
    with call.instance() as ctx:
        item, primary, secondary = subscriptions.secrets(ctx, sid)
        return envelope.entity({"primaryKey": primary, "secondaryKey": secondary}, etag=item.etag)


@router.get(
    "/users/{userId}/subscriptions",
    operation_id="UserSubscription_List",
    summary="List the subscriptions of a user",
    response_model=None,
    responses={200: {"model": SubscriptionCollection}, **errors()},
)
def list_user_subscriptions(
    request: Request,
    call: IReq,
    user_id: UserId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    with call.instance() as ctx:
        prefix = service_id(ctx.instance)
        query = list_query(call.runtime, filter_, top, skip, filters.user_subscriptions(prefix))
        user = users.get_or_raise(ctx, user_id)
        page = subscriptions.list_subscriptions(ctx, query, prefix, owner=user)
        values = _render(
            ctx, page, type_=views.USER_SUBSCRIPTIONS_TYPE, parent=("users", user.name)
        )
    return envelope.collection(request, values, page)


@router.get(
    "/users/{userId}/subscriptions/{sid}",
    operation_id="UserSubscription_Get",
    summary="Get one subscription of a user",
    response_model=None,
    responses={200: {"model": SubscriptionContract}, **errors()},
)
def get_user_subscription(call: IReq, user_id: UserId, sid: Sid) -> JSONResponse:
    with call.instance() as ctx:
        user = users.get_or_raise(ctx, user_id)
        item = subscriptions.get_or_raise(ctx, sid)
        if item.owner_id != user.id:
            raise NotFound(f"Subscription '{sid}' of user '{user.name}' was not found.")
        body = views.subscription(
            ctx.instance,
            item,
            user.name,
            type_=views.USER_SUBSCRIPTIONS_TYPE,
            parent=("users", user.name),
        )
        return envelope.entity(body, etag=item.etag)


@router.get(
    "/products/{productId}/subscriptions",
    operation_id="ProductSubscriptions_List",
    summary="List the subscriptions to a product",
    response_model=None,
    responses={200: {"model": SubscriptionCollection}, **errors()},
)
def list_product_subscriptions(
    request: Request,
    call: IReq,
    product_id: ProductId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    with call.instance() as ctx:
        prefix = service_id(ctx.instance)
        query: ListQuery = list_query(
            call.runtime, filter_, top, skip, filters.subscriptions(prefix)
        )
        product = products.get_or_raise(ctx, product_id)
        page = subscriptions.list_subscriptions(ctx, query, prefix, product=product)
        values = _render(
            ctx, page, type_=views.PRODUCT_SUBSCRIPTIONS_TYPE, parent=("products", product.name)
        )
    return envelope.collection(request, values, page)
