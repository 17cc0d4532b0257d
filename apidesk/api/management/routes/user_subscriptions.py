"""A user's subscriptions (reference §2.1). Subscriptions themselves arrive with products;
until then every user has none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from apidesk.api.management import envelope
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.odata import CMP, FieldSpec
from apidesk.api.management.routes.users import UserId
from apidesk.api.management.schemas.common import errors
from apidesk.domain.users import service as users
from apidesk.errors import NotFound
from apidesk.query import FieldKind, Page

router = APIRouter(tags=["Users"])

_TEXT = FieldSpec(FieldKind.TEXT, CMP, functions=True)
FIELDS = {
    name: _TEXT
    for name in ("name", "displayName", "stateComment", "ownerId", "scope", "userId", "productId")
}


@router.get(
    "/users/{userId}/subscriptions",
    operation_id="UserSubscription_List",
    summary="List the subscriptions of a user",
    response_model=None,
    responses=errors(),
)
def list_user_subscriptions(
    request: Request,
    call: IReq,
    user_id: UserId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, FIELDS)
    with call.instance() as ctx:
        users.get_or_raise(ctx, user_id)
    page: Page[object] = Page(items=[], total=0, skip=query.skip, top=query.top)
    return envelope.collection(request, [], page)


@router.get(
    "/users/{userId}/subscriptions/{sid}",
    operation_id="UserSubscription_Get",
    summary="Get one subscription of a user",
    response_model=None,
    responses=errors(),
)
def get_user_subscription(
    call: IReq,
    user_id: UserId,
    sid: Annotated[str, Path(max_length=256)],
) -> JSONResponse:
    with call.instance() as ctx:
        users.get_or_raise(ctx, user_id)
    raise NotFound(f"Subscription '{sid}' of user '{user_id}' was not found.")
