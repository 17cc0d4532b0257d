"""The console's Users pages: the list, + Add, + Invite and a user's actions (its page is
apidesk.console.user_page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import Console, checkbox, field, see_other
from apidesk.console.user_page import (
    scope,
    show,
    user_or_404,
    user_page,
    user_url,
    user_view,
    users_url,
)
from apidesk.console.wording import USER_FIELDS, USER_LABELS, field_errors, refusal_status, said
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import recovery
from apidesk.domain.groups import service as groups
from apidesk.domain.users import admin, browse
from apidesk.domain.users import service as users
from apidesk.domain.users.service import UserFields
from apidesk.errors import DomainError, Invalid, PreconditionFailed
from apidesk.storage.models import User

Handler = Callable[[Console, Request, FormData | None], Response]


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/users", page(user_list), methods=["GET"]),
        Route("/{service}/add-user", page(add_page), methods=["GET"]),
        Route("/{service}/add-user", page(add_submit), methods=["POST"]),
        Route("/{service}/invite-user", page(invite_page), methods=["GET"]),
        Route("/{service}/invite-user", page(invite_submit), methods=["POST"]),
        Route("/{service}/users/{user}", page(user_page), methods=["GET"]),
        Route("/{service}/users/{user}/edit", page(edit_page), methods=["GET"]),
        Route("/{service}/users/{user}/edit", page(edit_submit), methods=["POST"]),
        Route("/{service}/users/{user}/block", page(block_page), methods=["GET"]),
        Route("/{service}/users/{user}/block", page(block), methods=["POST"]),
        Route("/{service}/users/{user}/activate", page(activate), methods=["POST"]),
        Route("/{service}/users/{user}/invitation", page(resend), methods=["POST"]),
        Route("/{service}/users/{user}/groups", page(join_group), methods=["POST"]),
        Route("/{service}/users/{user}/groups/{group}/remove", page(leave_group), methods=["POST"]),
        Route("/{service}/users/{user}/reset-password", page(reset_page), methods=["GET"]),
        Route("/{service}/users/{user}/reset-password", page(reset_submit), methods=["POST"]),
        Route("/{service}/users/{user}/delete", page(delete_page), methods=["GET"]),
        Route("/{service}/users/{user}/delete", page(delete_submit), methods=["POST"]),
    ]


def _refused(
    console: Console,
    request: Request,
    template: str,
    error: DomainError,
    values: dict[str, str],
    *,
    of_user: bool = False,
) -> Response:
    """The form again, as it was sent, with why it was refused: in a sentence and beside each
    field named. An edit that lost to a change made meanwhile says so (409)."""
    stale = isinstance(error, PreconditionFailed)
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        extra = {"user": user_or_404(ictx, request)} if of_user else {}
        return show(
            console,
            request,
            ictx,
            operator,
            template,
            refusal_status(error),
            values=values,
            error="This user changed since you opened the page: check the values below (they "
            "are the ones you typed) and save again."
            if stale
            else said(error, USER_LABELS),
            field_errors=field_errors(error, USER_FIELDS, USER_LABELS),
            **extra,
        )


# The list ---------------------------------------------------------------------------------


def user_list(console: Console, request: Request, form: FormData | None) -> Response:
    params = request.query_params
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        asked = browse.Browse(
            search=params.get("search", ""),
            state=params.get("state") or None,
            sort=params.get("sort", "registered"),
            descending=params.get("order", "desc") != "asc",
            after=params.get("after"),
            before=params.get("before"),
        )
        found = browse.browse(ictx, asked)
        return show(
            console,
            request,
            ictx,
            operator,
            "users/list.html",
            asked=asked,
            found=found,
            invitations=browse.invitations(ictx, found.users),
            states=browse.STATES,
        )


# + Add and + Invite -----------------------------------------------------------------------

ADD_FIELDS = ("email", "first_name", "last_name", "note")


def add_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        return show(console, request, ictx, operator, "users/add.html", values={})


def add_submit(console: Console, request: Request, form: FormData | None) -> Response:
    values: dict[str, str] = {}
    try:
        with console.unit(write=False) as ctx:
            scope(console, request, ctx)  # signed in, and managing this instance
            form = console.checked(request, form)
            values = {name: field(form, name).strip() for name in ADD_FIELDS}
            fields = admin.fields_to_add(**values, password=field(form, "password"))
        # The password is checked and hashed with no unit open: argon2 holds no connection.
        fields = users.hash_ahead(console.runtime, fields)
        with console.unit(write=True) as ctx:
            _operator, ictx = scope(console, request, ctx)
            user = admin.add(ictx, fields)
            return see_other(user_url(ictx, user), "added")
    except DomainError as error:
        return _refused(console, request, "users/add.html", error, values)


def invite_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        return show(console, request, ictx, operator, "users/invite.html", values={})


def invite_submit(console: Console, request: Request, form: FormData | None) -> Response:
    values: dict[str, str] = {}
    try:
        with console.unit(write=True) as ctx:
            _operator, ictx = scope(console, request, ctx)
            form = console.checked(request, form)
            values = {name: field(form, name).strip() for name in ADD_FIELDS[:3]}
            user = admin.invite(ictx, **values)
            return see_other(user_url(ictx, user), "invited")
    except DomainError as error:
        return _refused(console, request, "users/invite.html", error, values)


# A user's actions (its page is user_page's) ----------------------------------------------------


def _act(
    console: Console,
    request: Request,
    form: FormData | None,
    action: Callable[[InstanceContext, User, FormData], str],
    *,
    back_to_list: bool = False,
) -> Response:
    """Run one action on the user in the URL; back to the user's page with its outcome, or
    with the reason it was refused."""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = scope(console, request, ctx)
            user = user_or_404(ictx, request)
            checked = console.checked(request, form)
            done = action(ictx, user, checked)
            back = field(checked, "back")
            if back_to_list or back == "list":
                return see_other(users_url(ictx), done)
            return see_other(user_url(ictx, user), done)
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = scope(console, request, ctx)
            user = user_or_404(ictx, request)
            return user_view(
                console,
                request,
                ictx,
                operator,
                user,
                status=refusal_status(error),
                error=said(error, USER_LABELS),
            )


EDIT_FIELDS = ("email", "first_name", "last_name", "note")


def edit_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        user = user_or_404(ictx, request)
        values = {name: getattr(user, name) or "" for name in EDIT_FIELDS}
        return show(console, request, ictx, operator, "users/edit.html", user=user, values=values)


def edit_submit(console: Console, request: Request, form: FormData | None) -> Response:
    values: dict[str, str] = {}
    try:
        with console.unit(write=True) as ctx:
            _operator, ictx = scope(console, request, ctx)
            user = user_or_404(ictx, request)
            form = console.checked(request, form)
            values = {name: field(form, name).strip() for name in EDIT_FIELDS}
            fields: UserFields = {
                "email": values["email"],
                "first_name": values["first_name"],
                "last_name": values["last_name"],
                "note": values["note"],
            }
            # The entity tag of the page that was edited: a change made since is not undone.
            users.update(ictx, user.name, fields, expected_etag=field(form, "etag") or None)
            return see_other(user_url(ictx, user), "saved")
    except DomainError as error:
        return _refused(console, request, "users/edit.html", error, values, of_user=True)


def block_page(console: Console, request: Request, form: FormData | None) -> Response:
    """Block asks first only for the built-in administrator, the publisher's own account;
    any other user's Block is one click, as in APIM."""
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        user = user_or_404(ictx, request)
        return user_view(console, request, ictx, operator, user, "users/confirm_block.html")


def block(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        if users.built_in(user) and field(form, "confirm") != "yes":
            raise Invalid.field(
                "confirm", "Blocking the built-in administrator is confirmed on its own page."
            )
        users.set_state(ictx, user.name, "blocked")
        return "blocked"

    return _act(console, request, form, run)


def activate(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        users.set_state(ictx, user.name, "active")
        return "activated"

    return _act(console, request, form, run)


def resend(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        admin.resend_invitation(ictx, user.name)
        return "reinvited"

    return _act(console, request, form, run)


def join_group(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        groups.add_member(ictx, field(form, "group"), user.name)
        return "group-added"

    return _act(console, request, form, run)


def leave_group(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        groups.remove_member(ictx, request.path_params["group"], user.name)
        return "group-removed"

    return _act(console, request, form, run)


def reset_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        user = user_or_404(ictx, request)
        return user_view(console, request, ictx, operator, user, "users/confirm_reset.html")


def reset_submit(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        recovery.request(ictx, user.name, by_administrator=True)
        return "reset-sent"

    return _act(console, request, form, run)


def delete_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        user = user_or_404(ictx, request)
        return user_view(console, request, ictx, operator, user, "users/confirm_delete.html")


def delete_submit(console: Console, request: Request, form: FormData | None) -> Response:
    def run(ictx: InstanceContext, user: User, form: FormData) -> str:
        users.delete(
            ictx,
            user.name,
            expected_etag="*",
            delete_subscriptions=checkbox(form, "delete_subscriptions"),
            notify=checkbox(form, "notify"),
        )
        return "deleted"

    return _act(console, request, form, run, back_to_list=True)
