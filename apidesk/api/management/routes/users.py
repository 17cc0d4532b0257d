"""Users (reference §2.1): every operation of `apimusers.json`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope, filters
from apidesk.api.management.deps import FilterText, IReq, Skip, Top, list_query
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routes.common import IfMatch, IfMatchRequired, UserId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, AppType, errors
from apidesk.api.management.schemas.groups import GroupCollection
from apidesk.api.management.schemas.users import (
    UserCollection,
    UserContract,
    UserCreateParameters,
    UserIdentityCollection,
    UserTokenParameters,
    UserUpdateParameters,
    ValueResult,
)
from apidesk.api.management.views import groups as group_views
from apidesk.api.management.views import users as views
from apidesk.domain import validation
from apidesk.domain.fields import from_wire
from apidesk.domain.flows import invitation, recovery
from apidesk.domain.groups import service as groups
from apidesk.domain.users import access
from apidesk.domain.users import service as users
from apidesk.domain.users.fields import FIELDS as USER
from apidesk.domain.users.service import CreateOptions, UserFields
from apidesk.errors import Collection

router = APIRouter(tags=["Users"], route_class=ManagementRoute)

AppTypeQuery = Annotated[
    AppType, Query(alias="appType", description="Which portal the e-mail links point to.")
]


def _fields(properties: Any) -> UserFields:
    if properties is None:
        return {}
    given = properties.model_dump(exclude_unset=True)
    return from_wire(USER, given)  # type: ignore[return-value]


def _hashed_ahead(call: IReq, fields: UserFields) -> UserFields:
    """A given password hashed before the unit of work; the credential is checked first, so
    that no unauthenticated caller spends argon2. Without a password the credential is checked
    in the unit of work itself, like every other call: a read of its own would cost a
    transaction."""
    if "password" not in fields:
        return fields
    call.authenticate()
    return users.hash_ahead(call.runtime, fields)


@router.get(
    "/users",
    operation_id="User_ListByService",
    summary="List the users of the service",
    response_model=None,
    responses={200: {"model": UserCollection}, **errors()},
)
def list_users(
    request: Request,
    call: IReq,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
    expand_groups: Annotated[bool | None, Query(alias="expandGroups")] = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.USERS)
    with call.instance() as ctx:
        page = users.list_users(ctx, query)
        memberships = users.groups_of(ctx, page.items) if expand_groups else None
        values = views.users(ctx.instance, page.items, memberships=memberships)
    return envelope.collection(request, values, page)


@router.head(
    "/users/{userId}",
    operation_id="User_GetEntityTag",
    summary="Get the entity tag of a user",
    response_model=None,
    response_class=Response,
    responses={200: ETAG_ONLY, **errors()},
)
def user_entity_tag(call: IReq, user_id: UserId) -> Response:
    with call.instance() as ctx:
        return envelope.entity_tag(users.read(ctx, user_id).etag)


@router.get(
    "/users/{userId}",
    operation_id="User_Get",
    summary="Get a user",
    response_model=None,
    responses={200: {"model": UserContract}, **errors()},
)
def get_user(call: IReq, user_id: UserId) -> JSONResponse:
    with call.instance() as ctx:
        user = users.read(ctx, user_id)
        return envelope.entity(views.user(ctx.instance, user), etag=user.etag)


@router.put(
    "/users/{userId}",
    operation_id="User_CreateOrUpdate",
    summary="Create a user, or merge changes onto an existing one",
    response_model=None,
    responses={
        200: {"model": UserContract, "description": "Updated."},
        201: {"model": UserContract, "description": "Created."},
        **errors(409, 412, 413),
    },
)
def create_or_update_user(
    call: IReq,
    user_id: UserId,
    body: UserCreateParameters,
    notify: Annotated[bool | None, Query()] = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    properties = body.properties
    options = CreateOptions(
        confirmation=properties.confirmation if properties else None,  # type: ignore[arg-type]
        app_type=(properties.appType if properties and properties.appType else "portal"),  # type: ignore[arg-type]
        notify=bool(notify),
    )
    fields = _hashed_ahead(call, _fields(properties))
    with call.instance() as ctx:
        user, created = users.create_or_update(
            ctx,
            user_id,
            fields,
            options=options,
            expected_etag=parse_if_match(if_match),
        )
        # Azure's create-or-update answer carries `groups` (empty: memberships are not
        # expanded there); Get, Update and the lists leave it out unless asked to expand.
        return envelope.entity(
            views.user(ctx.instance, user, groups=[]),
            etag=user.etag,
            status_code=201 if created else 200,
        )


@router.patch(
    "/users/{userId}",
    operation_id="User_Update",
    summary="Change some fields of a user",
    response_model=None,
    responses={200: {"model": UserContract}, **errors(409, 412, 413)},
)
def update_user(
    call: IReq, user_id: UserId, body: UserUpdateParameters, if_match: IfMatchRequired
) -> JSONResponse:
    fields = _hashed_ahead(call, _fields(body.properties))
    with call.instance() as ctx:
        user = users.update(ctx, user_id, fields, expected_etag=parse_if_match(if_match))
        return envelope.entity(views.user(ctx.instance, user), etag=user.etag)


@router.delete(
    "/users/{userId}",
    operation_id="User_Delete",
    summary="Delete a user",
    status_code=204,
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={204: {"description": "Deleted, or there was nothing to delete."}, **errors(412)},
)
def delete_user(
    call: IReq,
    user_id: UserId,
    if_match: IfMatchRequired,
    delete_subscriptions: Annotated[bool | None, Query(alias="deleteSubscriptions")] = None,
    notify: Annotated[bool | None, Query()] = None,
    app_type: AppTypeQuery = AppType.portal,
) -> Response:
    with call.instance() as ctx:
        users.delete(
            ctx,
            user_id,
            expected_etag=parse_if_match(if_match),
            delete_subscriptions=bool(delete_subscriptions),
            notify=bool(notify),
            app_type=app_type.value,
        )
    return envelope.no_content()


@router.post(
    "/users/{userId}/generateSsoUrl",
    operation_id="User_GenerateSsoUrl",
    summary="Get a single sign-on URL to the developer portal",
    response_model=None,
    responses={200: {"model": ValueResult}, **errors()},
)
def generate_sso_url(call: IReq, user_id: UserId) -> JSONResponse:
    with call.instance() as ctx:
        url = access.sso_url(ctx, user_id)
    return JSONResponse({"value": url})


@router.post(
    "/users/{userId}/token",
    operation_id="User_GetSharedAccessToken",
    summary="Get a shared-access token for a user",
    response_model=None,
    responses={200: {"model": ValueResult}, **errors()},
)
def shared_access_token(call: IReq, user_id: UserId, body: UserTokenParameters) -> JSONResponse:
    properties = body.properties
    problems = Collection()
    expiry = validation.moment(problems, "expiry", properties.expiry)
    problems.raise_if_any()
    assert expiry is not None
    with call.instance() as ctx:
        token = access.shared_access_token(
            ctx, user_id, key_type=properties.keyType.value, expiry=expiry
        )
    return JSONResponse({"value": token})


@router.get(
    "/users/{userId}/groups",
    operation_id="UserGroup_List",
    summary="List the groups a user belongs to",
    response_model=None,
    responses={200: {"model": GroupCollection}, **errors()},
)
def list_user_groups(
    request: Request,
    call: IReq,
    user_id: UserId,
    filter_: FilterText = None,
    top: Top = None,
    skip: Skip = None,
) -> JSONResponse:
    query = list_query(call.runtime, filter_, top, skip, filters.USER_GROUPS)
    with call.instance() as ctx:
        user = users.get_or_raise(ctx, user_id)
        page = groups.list_groups(ctx, query, member=user)
        values = [
            group_views.group(
                ctx.instance, group, type_=group_views.USER_GROUPS_TYPE, parent=("users", user.name)
            )
            for group in page.items
        ]
    return envelope.collection(request, values, page)


@router.get(
    "/users/{userId}/identities",
    operation_id="UserIdentities_List",
    summary="List the identities of a user",
    response_model=None,
    responses={200: {"model": UserIdentityCollection}, **errors()},
)
def list_user_identities(call: IReq, user_id: UserId) -> JSONResponse:
    with call.instance() as ctx:
        user = users.get_or_raise(ctx, user_id)
        return envelope.whole_collection(views.user_properties(user)["identities"])


@router.post(
    "/users/{userId}/confirmations/password/send",
    operation_id="UserConfirmationPassword_Send",
    summary="Reset the user's password: the old one stops working, an e-mailed link sets a new one",
    status_code=204,
    response_model=None,
    responses={204: {"description": "The e-mail is queued."}, **errors()},
)
def send_password_confirmation(
    call: IReq, user_id: UserId, app_type: AppTypeQuery = AppType.portal
) -> Response:
    # Apidesk has one portal, so appType does not change the links. An administrator's reset
    # voids the old password at once, as Azure's does.
    with call.instance() as ctx:
        recovery.request(ctx, user_id, by_administrator=True)
    return envelope.no_content()


@router.post(
    "/users/{userId}/invite",
    operation_id="ApideskUser_Invite",
    tags=["Apidesk extensions"],
    summary="Send a new invitation (Apidesk extension, not part of Azure API Management)",
    description=(
        "Not an Azure API Management operation. E-mails a pending user a fresh invitation "
        "link; any earlier link stops working. 400 when the user is not pending."
    ),
    status_code=204,
    response_model=None,
    responses={204: {"description": "The invitation is queued."}, **errors()},
)
def resend_invitation(call: IReq, user_id: UserId) -> Response:
    with call.instance() as ctx:
        invitation.invite(ctx, users.get_or_raise(ctx, user_id))
    return envelope.no_content()
