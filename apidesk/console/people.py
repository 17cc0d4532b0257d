"""The console's Operators page: who else runs this deployment. Only an operator of every
instance sees it; an invitation's one-time link is shown once, to hand to the invitee."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, PageNotFound, field, see_other
from apidesk.console.wording import ADDRESS_LABELS, refusal_status, said
from apidesk.domain.context import InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.operators import service as operators
from apidesk.errors import DomainError, Invalid
from apidesk.storage.models import Instance, Operator

Handler = Callable[[Console, Request, FormData | None], Response]


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/operators", page(operator_list), methods=["GET"]),
        Route("/{service}/operators", page(operator_invite), methods=["POST"]),
        Route("/{service}/operators/remove", page(operator_remove), methods=["POST"]),
        Route("/{service}/operators/scope", page(operator_scope), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Any) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    ictx = console.instance(ctx, operator, request.path_params["service"])
    if not operators.may_manage_operators(operator):
        raise PageNotFound()
    return operator, ictx


def _show(
    console: Console, request: Request, ctx: Any, status: int = 200, **values: Any
) -> Response:
    operator, ictx = _scope(console, request, ctx)
    every = operators.list_all(ctx)
    names = {item.id: item.name for item in instances.list_all(ctx)}
    return console.render(
        request,
        ictx,
        "operators.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="operators",
        people=[
            (item, names.get(item.instance_id) if item.instance_id else None) for item in every
        ],
        **values,
    )


def operator_list(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        return _show(console, request, ctx)


def operator_invite(console: Console, request: Request, form: FormData | None) -> Response:
    email = ""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            email = field(form, "email").strip()
            limited = _named(ctx, field(form, "service"))
            issued = operators.invite_by(ictx, operator, email, limited)
            # Shown once, here; the page is not cached (no-store) and the link works once.
            return _show(console, request, ctx, invited=issued.operator.email, link=issued.link)
    except DomainError as error:
        with console.unit(write=False) as ctx:
            return _show(
                console,
                request,
                ctx,
                refusal_status(error),
                error=said(error, ADDRESS_LABELS),
                email=email,
            )


def _named(ctx: Any, scope: str) -> Instance | None:
    """The instance a "Services" choice names; the empty choice means every one."""
    limited = instances.find_by_name(ctx, scope) if scope else None
    if scope and limited is None:
        raise Invalid.field("service", f"There is no service named '{scope}'.")
    return limited


def operator_scope(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            limited = _named(ctx, field(form, "service"))
            _, changed = operators.limit_by(ctx, operator, field(form, "email"), limited)
            return see_other(
                f"{PATH}/{ictx.instance.name}/operators",
                "operator-scope" if changed else "unchanged",
            )
    except DomainError as error:
        with console.unit(write=False) as ctx:
            return _show(
                console, request, ctx, refusal_status(error), error=said(error, ADDRESS_LABELS)
            )


def operator_remove(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            email = field(form, "email")
            if field(form, "confirm") != "yes":  # removing cannot be undone: ask first
                removing = operators.removable_by(ctx, operator, email)
                return _show(console, request, ctx, removing=removing)
            operators.remove_by(ctx, operator, email)
            return see_other(f"{PATH}/{ictx.instance.name}/operators", "operator-removed")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            return _show(
                console, request, ctx, refusal_status(error), error=said(error, ADDRESS_LABELS)
            )
