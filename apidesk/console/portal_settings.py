"""The console's Sign-up settings page: who may sign up to the developer portal and on which
terms, whether anonymous visitors are sent to sign in, and delegation to the publisher's own
site. The rules (terms need a text, delegation needs a URL, the key is a secret) are the
domain's (apidesk.domain.portal.settings); this page reads forms and shows the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, checkbox, field, see_other
from apidesk.console.wording import SIGNUP_LABELS, refusal_status, said
from apidesk.domain.context import InstanceContext
from apidesk.domain.portal import settings
from apidesk.errors import DomainError, NotFound

Handler = Callable[[Console, Request, FormData | None], Response]

PAGE = "signup-settings"
# Each form's fields: the form's name for the field, and how it is read.
FORMS: dict[str, dict[str, str]] = {
    settings.SIGNUP: {
        "enabled": "check",
        "terms_text": "text",
        "terms_enabled": "check",
        "terms_consent_required": "check",
    },
    settings.SIGNIN: {"enabled": "check"},
    settings.DELEGATION: {"url": "text", "user_registration": "check", "subscriptions": "check"},
}


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route(f"/{{service}}/{PAGE}", page(show), methods=["GET"]),
        Route(f"/{{service}}/{PAGE}/key", page(reveal_key), methods=["POST"]),
        Route(f"/{{service}}/{PAGE}/key/new", page(new_key), methods=["POST"]),
        Route(f"/{{service}}/{PAGE}/{{name}}", page(save), methods=["POST"]),
    ]


def _render(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Any,
    status: int = 200,
    *,
    drafts: dict[str, dict[str, Any]] | None = None,
    **values: Any,
) -> Response:
    current = {row.name: settings.values(row) for row in settings.list_all(ictx)}
    current.update(drafts or {})
    return console.render(
        request,
        ictx,
        "settings/signup.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="signup-settings",
        current=current,
        key_set=settings.has_key(ictx),
        **values,
    )


def show(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        ictx = console.instance(ctx, operator, request.path_params["service"])
        return _render(console, request, ictx, operator)


def _fields(name: str, form: FormData) -> dict[str, Any]:
    """The setting's fields from its form: an unticked box is false, as browsers omit it."""
    read: dict[str, Any] = {}
    for key, kind in FORMS[name].items():
        read[key] = checkbox(form, key) if kind == "check" else field(form, key)
    if name == settings.DELEGATION:
        read["url"] = read["url"].strip()
    return read


def save(console: Console, request: Request, form: FormData | None) -> Response:
    name = request.path_params["name"]
    fields: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            form = console.checked(request, form)
            if name not in FORMS:
                raise NotFound(f"There is no portal setting named '{name[:50]}'.")
            fields = _fields(name, form)
            settings.change(ictx, name, fields)
            return see_other(f"{PATH}/{ictx.instance.name}/{PAGE}#{name}", "saved")
    except DomainError as error:
        # Nothing was saved; the form shows what was typed, with the reason.
        with console.unit(write=False) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            drafts = {name: {**_current(ictx, name), **fields}} if fields else None
            return _render(
                console,
                request,
                ictx,
                operator,
                refusal_status(error),
                drafts=drafts,
                error=said(error, SIGNUP_LABELS),
            )


def _current(ictx: InstanceContext, name: str) -> dict[str, Any]:
    return settings.values(settings.get_or_raise(ictx, name))


def reveal_key(console: Console, request: Request, form: FormData | None) -> Response:
    """The validation key, shown on this one answer (not cached); audited as a secret read."""
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            console.checked(request, form)
            _, key = settings.reveal_key(ictx)
            return _render(console, request, ictx, operator, revealed=key)
    except DomainError as error:
        return _refused(console, request, error)


def new_key(console: Console, request: Request, form: FormData | None) -> Response:
    """A new validation key: the publisher's site must take it, as signatures made with the
    old one stop being accepted at once."""
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            form = console.checked(request, form)
            if field(form, "confirm") != "yes":
                return _render(console, request, ictx, operator, confirm_new_key=True)
            settings.change(ictx, settings.DELEGATION, {"validation_key": settings.new_key()})
            return see_other(f"{PATH}/{ictx.instance.name}/{PAGE}#delegation", "key-replaced")
    except DomainError as error:
        return _refused(console, request, error)


def _refused(console: Console, request: Request, error: DomainError) -> Response:
    """The settings page again, saying why nothing was done."""
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        ictx = console.instance(ctx, operator, request.path_params["service"])
        return _render(
            console,
            request,
            ictx,
            operator,
            refusal_status(error),
            error=said(error, SIGNUP_LABELS),
        )
