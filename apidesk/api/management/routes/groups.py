"""Groups and group users (reference §2.2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import GroupId, IfMatch, IfMatchRequired, UserId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.schemas.groups import (
    GroupCollection,
    GroupContract,
    GroupCreateParameters,
)
from apidesk.api.management.schemas.users import UserCollection, UserContract
from apidesk.api.management.views import groups as views
from apidesk.api.management.views import users as user_views
from apidesk.domain.fields import from_wire
from apidesk.domain.groups import service as groups
from apidesk.domain.groups.service import FIELDS as GROUP
from apidesk.domain.groups.service import GroupFields

router = APIRouter(tags=["Groups"], route_class=ManagementRoute)


def _fields(body: GroupCreateParameters) -> GroupFields:
    if body.properties is None:
        return {}
    given: dict[str, Any] = body.properties.model_dump(exclude_unset=True)
    return from_wire(GROUP, given)  # type: ignore[return-value]


@router.get(
    "/groups",
    operation_id="Group_ListByService",
    summary="List groups",
    response_model=None,
    responses={200: {"model": GroupCollection}, **errors()},
)
def list_groups(
    request: Request, call: IReq, filter_: FilterText = None, top: Top = None, skip: Skip = None
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.GROUPS)
    with call.instance() as ctx:
        page = groups.list_groups(ctx, query)
        values = [views.group(ctx.instance, group) for group in page.items]
    return envelope.collection(request, values, page)


@router.head(
    "/groups/{groupId}",
    operation_id="Group_GetEntityTag",
    summary="Get the entity tag of a group",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def group_entity_tag(call: IReq, group_id: GroupId) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(groups.get_or_raise(ctx, group_id).etag)


@router.get(
    "/groups/{groupId}",
    operation_id="Group_Get",
    summary="Get a group",
    response_model=None,
    responses={200: {"model": GroupContract}, **errors()},
)
def get_group(call: IReq, group_id: GroupId) -> JSONResponse:
    with call.instance() as ctx:
        group = groups.get_or_raise(ctx, group_id)
        return envelope.entity(views.group(ctx.instance, group), etag=group.etag)


@router.put(
    "/groups/{groupId}",
    operation_id="Group_CreateOrUpdate",
    summary="Create a group, or merge changes onto an existing one",
    response_model=None,
    responses={200: {"model": GroupContract}, 201: {"model": GroupContract}, **errors(409, 412)},
)
def create_or_update_group(
    call: IReq, group_id: GroupId, body: GroupCreateParameters, if_match: IfMatch = None
) -> JSONResponse:
    with call.instance() as ctx:
        group, created = groups.create_or_update(
            ctx, group_id, _fields(body), expected_etag=parse_if_match(if_match)
        )
        return envelope.entity(
            views.group(ctx.instance, group), etag=group.etag, status_code=201 if created else 200
        )


@router.patch(
    "/groups/{groupId}",
    operation_id="Group_Update",
    summary="Change some fields of a group",
    response_model=None,
    responses={200: {"model": GroupContract}, **errors(412)},
)
def update_group(
    call: IReq, group_id: GroupId, body: GroupCreateParameters, if_match: IfMatchRequired
) -> JSONResponse:
    with call.instance() as ctx:
        group = groups.update(
            ctx, group_id, _fields(body), expected_etag=parse_if_match(if_match) or ""
        )
        return envelope.entity(views.group(ctx.instance, group), etag=group.etag)


@router.delete(
    "/groups/{groupId}",
    operation_id="Group_Delete",
    summary="Delete a group (its members stay)",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Deleted."},
        204: {"description": "Nothing to delete."},
        **errors(412),
    },
)
def delete_group(call: IReq, group_id: GroupId, if_match: IfMatchRequired) -> Response:
    with call.instance() as ctx:
        deleted = groups.delete(ctx, group_id, expected_etag=parse_if_match(if_match) or "")
    return Response(status_code=200 if deleted else 204)


@router.get(
    "/groups/{groupId}/users",
    operation_id="GroupUser_List",
    summary="List the members of a group",
    response_model=None,
    responses={200: {"model": UserCollection}, **errors()},
)
def list_group_users(
    request: Request,
    call: IReq,
    group_id: GroupId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.GROUP_USERS)
    with call.instance() as ctx:
        page = groups.members(ctx, group_id, query)
        values = user_views.users(ctx.instance, page.items, type_=user_views.GROUP_USERS_TYPE)
    return envelope.collection(request, values, page)


@router.head(
    "/groups/{groupId}/users/{userId}",
    operation_id="GroupUser_CheckEntityExists",
    summary="Whether a user belongs to a group",
    response_model=None,
    response_class=Response,
    status_code=204,
    responses={204: {"description": "The user is a member."}, **errors()},
)
def group_user_exists(call: IReq, group_id: GroupId, user_id: UserId) -> Response:
    with call.instance() as ctx:
        member = groups.check_membership(ctx, group_id, user_id)
    return Response(status_code=204 if member else 404)


@router.put(
    "/groups/{groupId}/users/{userId}",
    operation_id="GroupUser_Create",
    summary="Add a user to a group",
    response_model=None,
    responses={200: {"model": UserContract}, 201: {"model": UserContract}, **errors()},
)
def add_group_user(call: IReq, group_id: GroupId, user_id: UserId) -> JSONResponse:
    with call.instance() as ctx:
        user, added = groups.add_member(ctx, group_id, user_id)
        return JSONResponse(
            # As in Azure's answer: `groups` is present and empty (not expanded here).
            user_views.user(ctx.instance, user, groups=[], type_=user_views.GROUP_USERS_TYPE),
            status_code=201 if added else 200,
        )


@router.delete(
    "/groups/{groupId}/users/{userId}",
    operation_id="GroupUser_Delete",
    summary="Remove a user from a group",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Removed."},
        204: {"description": "Was not a member."},
        **errors(),
    },
)
def remove_group_user(call: IReq, group_id: GroupId, user_id: UserId) -> Response:
    with call.instance() as ctx:
        removed = groups.remove_member(ctx, group_id, user_id)
    return Response(status_code=200 if removed else 204)
