"""The console's APIs pages: the APIs of an instance as far as the key check needs them (the
URL suffix the gateway matches, whether a key is required and where it travels). The rules
are the domain's (apidesk.domain.apis.service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, checkbox, field, not_found_in, see_other
from apidesk.console.wording import API_LABELS, refusal_status, said
from apidesk.domain.apis import service as apis
from apidesk.domain.context import Context, InstanceContext
from apidesk.errors import DomainError
from apidesk.query import ListQuery
from apidesk.storage.models import Api, Operator
from apidesk.web.paths import path

Handler = Callable[[Console, Request, FormData | None], Response]
TEXT_FIELDS = ("display_name", "description", "path", "service_url", "header_name", "query_name")


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/apis", page(list_page), methods=["GET"]),
        Route("/{service}/apis/new", page(new_page), methods=["GET"]),
        Route("/{service}/apis/new", page(create), methods=["POST"]),
        Route("/{service}/apis/{api}", page(edit_page), methods=["GET"]),
        Route("/{service}/apis/{api}", page(save), methods=["POST"]),
        Route("/{service}/apis/{api}/delete", page(remove), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Context) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def _api(ictx: InstanceContext, request: Request) -> Api:
    found = apis.find(ictx, request.path_params["api"])
    if found is None:
        raise not_found_in(ictx, "API", request.path_params["api"], "apis", "APIs")
    return found


def _fields(form: FormData) -> apis.ApiFields:
    """What the form says; empty optional fields mean "none" or "the default"."""
    read: dict[str, Any] = {name: field(form, name).strip() for name in TEXT_FIELDS}
    read["service_url"] = read["service_url"] or None
    read["header_name"] = read["header_name"] or apis.DEFAULT_HEADER
    read["query_name"] = read["query_name"] or apis.DEFAULT_QUERY
    read["subscription_required"] = checkbox(form, "subscription_required")
    return apis.ApiFields(**read)  # type: ignore[typeddict-item]


def _values(api: Api | None) -> dict[str, Any]:
    if api is None:
        return {
            "header_name": apis.DEFAULT_HEADER,
            "query_name": apis.DEFAULT_QUERY,
            "subscription_required": True,
        }
    return {name: getattr(api, name) for name in (*TEXT_FIELDS, "subscription_required")}


def list_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        every = apis.list_apis(ictx, ListQuery(top=1000)).items
        return console.render(
            request,
            ictx,
            "apis/list.html",
            operator=operator,
            instance=ictx.instance,
            section="apis",
            apis=sorted(every, key=lambda api: api.display_name.lower()),
        )


def _form(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    api: Api | None,
    status: int = 200,
    **values: Any,
) -> Response:
    values.setdefault("values", _values(api))
    return console.render(
        request,
        ictx,
        "apis/form.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="apis",
        api=api,
        **values,
    )


def new_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _form(console, request, ictx, operator, None)


def create(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            fields = _fields(form)
            typed = dict(fields)
            api = apis.create(ictx, fields)
            return see_other(f"{PATH}/{ictx.instance.name}/apis/{path(api.name)}", "api-added")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            return _form(
                console,
                request,
                ictx,
                operator,
                None,
                refusal_status(error),
                values=typed or _values(None),
                error=said(error, API_LABELS),
            )


def edit_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _form(console, request, ictx, operator, _api(ictx, request))


def save(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            api = _api(ictx, request)
            form = console.checked(request, form)
            fields = _fields(form)
            typed = dict(fields)
            apis.update(ictx, api.name, fields, expected_etag=field(form, "etag") or "*")
            return see_other(f"{PATH}/{ictx.instance.name}/apis/{path(api.name)}", "saved")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            api = _api(ictx, request)
            return _form(
                console,
                request,
                ictx,
                operator,
                api,
                refusal_status(error),
                values=typed or _values(api),
                error=said(error, API_LABELS),
            )


def remove(console: Console, request: Request, form: FormData | None) -> Response:
    """Delete, after a question: the API's product links and the subscriptions scoped to it
    go with it."""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            api = _api(ictx, request)
            form = console.checked(request, form)
            if field(form, "confirm") != "yes":
                return _form(console, request, ictx, operator, api, confirm_delete=True)
            apis.delete(ictx, api.name)
            return see_other(f"{PATH}/{ictx.instance.name}/apis", "api-deleted")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            api = _api(ictx, request)
            return _form(
                console,
                request,
                ictx,
                operator,
                api,
                refusal_status(error),
                error=said(error, API_LABELS),
            )
