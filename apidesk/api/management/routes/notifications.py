"""Publisher notifications and their recipients (reference §2.6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from apidesk.api.management import envelope
from apidesk.api.management.deps import IReq, Skip, Top
from apidesk.api.management.routes.common import IfMatch, UserId
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import errors
from apidesk.api.management.schemas.templates import (
    NotificationCollection,
    NotificationContract,
    RecipientEmailCollection,
    RecipientEmailContract,
    RecipientUserCollection,
    RecipientUserContract,
)
from apidesk.api.management.views import mail as views
from apidesk.domain.notifications import recipients
from apidesk.query import Page

router = APIRouter(tags=["Notifications"], route_class=ManagementRoute)
NotificationName = Annotated[
    str, Path(alias="notificationName", max_length=100, description="e.g. BCC.")
]
Email = Annotated[str, Path(alias="email", max_length=254)]
REMOVED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Removed."},
    204: {"description": "Was not a recipient."},
}


@router.get(
    "/notifications",
    operation_id="Notification_ListByService",
    summary="List the publisher notifications",
    response_model=None,
    responses={200: {"model": NotificationCollection}, **errors()},
)
def list_notifications(
    request: Request, call: IReq, top: Top = None, skip: Skip = None
) -> JSONResponse:
    start = skip or 0
    size = min(top or call.runtime.settings.page_size, call.runtime.settings.max_page_size)
    with call.instance() as ctx:
        every = recipients.list_all(ctx)
        chosen = every[start : start + size]
        values = [views.notification(ctx.instance, view) for view in chosen]
    page: Page[object] = Page(items=list(chosen), total=len(every), skip=start, top=size)
    return envelope.collection(request, values, page)


@router.get(
    "/notifications/{notificationName}",
    operation_id="Notification_Get",
    summary="Get a publisher notification",
    response_model=None,
    responses={200: {"model": NotificationContract}, **errors()},
)
def get_notification(call: IReq, name: NotificationName) -> JSONResponse:
    with call.instance() as ctx:
        return JSONResponse(views.notification(ctx.instance, recipients.get(ctx, name)))


@router.put(
    "/notifications/{notificationName}",
    operation_id="Notification_CreateOrUpdate",
    summary="Make sure a notification exists (it always does) and return it",
    response_model=None,
    responses={200: {"model": NotificationContract}, **errors()},
)
def put_notification(call: IReq, name: NotificationName, if_match: IfMatch = None) -> JSONResponse:
    with call.instance() as ctx:
        return JSONResponse(views.notification(ctx.instance, recipients.get(ctx, name)))


@router.get(
    "/notifications/{notificationName}/recipientUsers",
    operation_id="NotificationRecipientUser_ListByNotification",
    summary="List the users a notification goes to",
    response_model=None,
    responses={200: {"model": RecipientUserCollection}, **errors()},
)
def list_recipient_users(call: IReq, name: NotificationName) -> JSONResponse:
    with call.instance() as ctx:
        canonical = recipients.get(ctx, name).name
        users = recipients.recipient_users(ctx, name)
        return envelope.whole_collection(
            views.recipient_user(ctx.instance, canonical, user.name) for user in users
        )


@router.head(
    "/notifications/{notificationName}/recipientUsers/{userId}",
    operation_id="NotificationRecipientUser_CheckEntityExists",
    summary="Whether a user receives a notification",
    response_model=None,
    response_class=Response,
    status_code=204,
    responses={204: {"description": "The user is a recipient."}, **errors()},
)
def recipient_user_exists(call: IReq, name: NotificationName, user_id: UserId) -> Response:
    with call.instance() as ctx:
        present = recipients.has_user(ctx, name, user_id)
    return Response(status_code=204 if present else 404)


@router.put(
    "/notifications/{notificationName}/recipientUsers/{userId}",
    operation_id="NotificationRecipientUser_CreateOrUpdate",
    summary="Add a user to a notification",
    response_model=None,
    responses={
        200: {"model": RecipientUserContract},
        201: {"model": RecipientUserContract},
        **errors(),
    },
)
def add_recipient_user(call: IReq, name: NotificationName, user_id: UserId) -> JSONResponse:
    with call.instance() as ctx:
        user, added = recipients.add_user(ctx, name, user_id)
        canonical = recipients.get(ctx, name).name
        body = views.recipient_user(ctx.instance, canonical, user.name)
    return JSONResponse(body, status_code=201 if added else 200)


@router.delete(
    "/notifications/{notificationName}/recipientUsers/{userId}",
    operation_id="NotificationRecipientUser_Delete",
    summary="Remove a user from a notification",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={**REMOVED, **errors()},
)
def remove_recipient_user(call: IReq, name: NotificationName, user_id: UserId) -> Response:
    with call.instance() as ctx:
        removed = recipients.remove_user(ctx, name, user_id)
    return Response(status_code=200 if removed else 204)


@router.get(
    "/notifications/{notificationName}/recipientEmails",
    operation_id="NotificationRecipientEmail_ListByNotification",
    summary="List the addresses a notification goes to",
    response_model=None,
    responses={200: {"model": RecipientEmailCollection}, **errors()},
)
def list_recipient_emails(call: IReq, name: NotificationName) -> JSONResponse:
    with call.instance() as ctx:
        canonical = recipients.get(ctx, name).name
        emails = recipients.recipient_emails(ctx, name)
        return envelope.whole_collection(
            views.recipient_email(ctx.instance, canonical, email) for email in emails
        )


@router.head(
    "/notifications/{notificationName}/recipientEmails/{email}",
    operation_id="NotificationRecipientEmail_CheckEntityExists",
    summary="Whether an address receives a notification",
    response_model=None,
    response_class=Response,
    status_code=204,
    responses={204: {"description": "The address is a recipient."}, **errors()},
)
def recipient_email_exists(call: IReq, name: NotificationName, email: Email) -> Response:
    with call.instance() as ctx:
        present = recipients.has_email(ctx, name, email)
    return Response(status_code=204 if present else 404)


@router.put(
    "/notifications/{notificationName}/recipientEmails/{email}",
    operation_id="NotificationRecipientEmail_CreateOrUpdate",
    summary="Add an address to a notification",
    response_model=None,
    responses={
        200: {"model": RecipientEmailContract},
        201: {"model": RecipientEmailContract},
        **errors(),
    },
)
def add_recipient_email(call: IReq, name: NotificationName, email: Email) -> JSONResponse:
    with call.instance() as ctx:
        stored, added = recipients.add_email(ctx, name, email)
        canonical = recipients.get(ctx, name).name
        body = views.recipient_email(ctx.instance, canonical, stored)
    return JSONResponse(body, status_code=201 if added else 200)


@router.delete(
    "/notifications/{notificationName}/recipientEmails/{email}",
    operation_id="NotificationRecipientEmail_Delete",
    summary="Remove an address from a notification",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={**REMOVED, **errors()},
)
def remove_recipient_email(call: IReq, name: NotificationName, email: Email) -> Response:
    with call.instance() as ctx:
        removed = recipients.remove_email(ctx, name, email)
    return Response(status_code=200 if removed else 204)
