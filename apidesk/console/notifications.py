"""The console's Notifications page: who among the publisher's people hears about
subscription requests, new subscriptions, closed accounts and the rest, and who gets a blind
copy of every e-mail to developers. The lists are the domain's
(apidesk.domain.notifications.recipients)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, field, see_other
from apidesk.console.wording import ADDRESS_LABELS, refusal_status, said
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import recipients
from apidesk.domain.notifications.publisher import NEVER_SENT
from apidesk.errors import DomainError

Handler = Callable[[Console, Request, FormData | None], Response]


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/notifications", page(show), methods=["GET"]),
        Route("/{service}/notifications/{name}/add", page(add), methods=["POST"]),
        Route("/{service}/notifications/{name}/remove", page(remove), methods=["POST"]),
    ]


def _render(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Any,
    status: int = 200,
    **values: Any,
) -> Response:
    return console.render(
        request,
        ictx,
        "settings/notifications.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="notifications",
        notifications=recipients.overview(ictx),
        never_sent=NEVER_SENT,
        **values,
    )


def show(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        ictx = console.instance(ctx, operator, request.path_params["service"])
        return _render(console, request, ictx, operator)


def add(console: Console, request: Request, form: FormData | None) -> Response:
    """Add a recipient: a developer of the instance when the address is theirs (they then
    stop hearing when blocked), otherwise the address itself."""
    name = request.path_params["name"]
    typed = ""
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            form = console.checked(request, form)
            typed = field(form, "email").strip()
            added = recipients.add_recipient(ictx, name, typed)
            done = "recipient-added" if added else "unchanged"
            return see_other(f"{PATH}/{ictx.instance.name}/notifications#{name}", done)
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            return _render(
                console,
                request,
                ictx,
                operator,
                refusal_status(error),
                error=said(error, ADDRESS_LABELS),
                failed=name,
                typed=typed,
            )


def remove(console: Console, request: Request, form: FormData | None) -> Response:
    name = request.path_params["name"]
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            form = console.checked(request, form)
            removed = recipients.remove_recipient(
                ictx, name, user_id=field(form, "user"), email=field(form, "email")
            )
            done = "recipient-removed" if removed else "unchanged"
            return see_other(f"{PATH}/{ictx.instance.name}/notifications#{name}", done)
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            return _render(
                console,
                request,
                ictx,
                operator,
                refusal_status(error),
                error=said(error, ADDRESS_LABELS),
            )
