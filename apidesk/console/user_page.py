"""A user's page in the console: the profile, groups, subscriptions (with their products) and
audit trail of one user, and what the Users pages share to find and show a user."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from apidesk.console.base import PATH, Console, not_found_in
from apidesk.domain import audit
from apidesk.domain.context import InstanceContext
from apidesk.domain.groups import service as groups
from apidesk.domain.subscriptions import browse as subscriptions
from apidesk.domain.users import service as users
from apidesk.errors import Invalid, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Operator, User
from apidesk.web.paths import path

SUBSCRIPTIONS_SHOWN = 100


def scope(console: Console, request: Request, ctx: Any) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def show(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    template: str,
    status: int = 200,
    **values: Any,
) -> Response:
    return console.render(
        request,
        ictx,
        template,
        status,
        operator=operator,
        instance=ictx.instance,
        section="users",
        **values,
    )


def users_url(ictx: InstanceContext) -> str:
    return f"{PATH}/{ictx.instance.name}/users"


def user_url(ictx: InstanceContext, user: User | str) -> str:
    name = user if isinstance(user, str) else user.name
    return f"{users_url(ictx)}/{path(name)}"


def user_or_404(ictx: InstanceContext, request: Request) -> User:
    try:
        return users.get_or_raise(ictx, request.path_params["user"])
    except (NotFound, Invalid):
        raise not_found_in(ictx, "user", request.path_params["user"], "users", "Users") from None


def user_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = scope(console, request, ctx)
        user = user_or_404(ictx, request)
        return user_view(console, request, ictx, operator, user)


def user_view(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    user: User,
    template: str = "users/detail.html",
    status: int = 200,
    **extra: Any,
) -> Response:
    held = subscriptions.browse(
        ictx, subscriptions.Browse(owner_row=user.id, size=SUBSCRIPTIONS_SHOWN)
    ).rows
    trail = audit.search(
        ictx,
        audit.AuditQuery(instance_name=ictx.instance.name, target=f"users/{user.name}", limit=20),
    )
    member_of = users.groups(ictx, user)
    joined = {group.id for group in member_of}
    every = groups.list_groups(ictx, ListQuery(top=500)).items
    return show(
        console,
        request,
        ictx,
        operator,
        template,
        status,
        user=user,
        groups=member_of,
        joinable=[group for group in every if not group.built_in and group.id not in joined],
        subscriptions=held,
        trail=trail,
        built_in=users.built_in(user),
        **extra,
    )
