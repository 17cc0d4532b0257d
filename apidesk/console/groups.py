"""The console's Groups pages: the groups of an instance, + Add group (custom, or external with
the id of a directory group), a group's page with its members. The three system groups are
shown read-only: the system keeps their membership. Rules are the domain's
(apidesk.domain.groups.service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, field, not_found_in, see_other
from apidesk.console.wording import GROUP_LABELS, refusal_status, said
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.groups import service as groups
from apidesk.errors import DomainError, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Group, Operator
from apidesk.web.paths import path

Handler = Callable[[Console, Request, FormData | None], Response]
MEMBERS_SHOWN = 200


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/groups", page(list_page), methods=["GET"]),
        Route("/{service}/groups/new", page(new_page), methods=["GET"]),
        Route("/{service}/groups/new", page(create), methods=["POST"]),
        Route("/{service}/groups/{group}", page(group_page), methods=["GET"]),
        Route("/{service}/groups/{group}", page(save), methods=["POST"]),
        Route("/{service}/groups/{group}/delete", page(remove), methods=["POST"]),
        Route("/{service}/groups/{group}/members", page(add_member), methods=["POST"]),
        Route("/{service}/groups/{group}/members/remove", page(remove_member), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Context) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def _group(ictx: InstanceContext, request: Request) -> Group:
    try:
        return groups.get_or_raise(ictx, request.path_params["group"])
    except NotFound:
        raise not_found_in(
            ictx, "group", request.path_params["group"], "groups", "Groups"
        ) from None


def _fields(form: FormData, *, new: bool) -> groups.GroupFields:
    read: dict[str, Any] = {
        "display_name": field(form, "display_name").strip(),
        "description": field(form, "description").strip() or None,
    }
    kind = field(form, "type") or "custom"
    if new:
        read["type"] = kind
    if kind == "external":
        read["external_id"] = field(form, "external_id").strip() or None
    return groups.GroupFields(**read)  # type: ignore[typeddict-item]


def list_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        every = groups.list_groups(ictx, ListQuery(top=1000)).items
        return console.render(
            request,
            ictx,
            "groups/list.html",
            operator=operator,
            instance=ictx.instance,
            section="groups",
            groups=sorted(every, key=lambda g: (not g.built_in, g.display_name.lower())),
            counts=groups.member_counts(ictx),
        )


def new_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _new(console, request, ictx, operator, values={"type": "custom"})


def _new(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    status: int = 200,
    **values: Any,
) -> Response:
    return console.render(
        request,
        ictx,
        "groups/new.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="groups",
        **values,
    )


def create(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            fields = _fields(form, new=True)
            typed = {**fields, "type": field(form, "type")}
            group = groups.create(ictx, fields)
            return see_other(
                f"{PATH}/{ictx.instance.name}/groups/{path(group.name)}", "group-created"
            )
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            return _new(
                console,
                request,
                ictx,
                operator,
                refusal_status(error),
                values=typed,
                error=said(error, GROUP_LABELS),
            )


def _show(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    group: Group,
    status: int = 200,
    **values: Any,
) -> Response:
    members = groups.members(ictx, group.name, ListQuery(top=MEMBERS_SHOWN))
    values.setdefault(
        "values",
        {
            "display_name": group.display_name,
            "description": group.description,
            "external_id": group.external_id,
        },
    )
    return console.render(
        request,
        ictx,
        "groups/group.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="groups",
        group=group,
        members=members.items,
        more=members.has_more,
        **values,
    )


def group_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _show(console, request, ictx, operator, _group(ictx, request))


def _fail(console: Console, request: Request, error: DomainError, **values: Any) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        group = _group(ictx, request)
        return _show(
            console,
            request,
            ictx,
            operator,
            group,
            refusal_status(error),
            error=said(error, GROUP_LABELS),
            **values,
        )


def save(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            group = _group(ictx, request)
            form = console.checked(request, form)
            fields = _fields(form, new=False)
            if group.type != "external":
                fields.pop("external_id", None)
            else:
                fields["external_id"] = field(form, "external_id").strip() or None
            typed = dict(fields)
            groups.update(ictx, group.name, fields, expected_etag=field(form, "etag") or "*")
            return see_other(f"{PATH}/{ictx.instance.name}/groups/{path(group.name)}", "saved")
    except DomainError as error:
        return _fail(console, request, error, values=typed)


def remove(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            group = _group(ictx, request)
            form = console.checked(request, form)
            if field(form, "confirm") != "yes":
                return _show(console, request, ictx, operator, group, confirm_delete=True)
            groups.delete(ictx, group.name)
            return see_other(f"{PATH}/{ictx.instance.name}/groups", "group-deleted")
    except DomainError as error:
        return _fail(console, request, error)


def add_member(console: Console, request: Request, form: FormData | None) -> Response:
    who = ""
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            group = _group(ictx, request)
            form = console.checked(request, form)
            who = field(form, "user")
            _, added = groups.add_member_by_address(ictx, group.name, who)
            done = "member-added" if added else "unchanged"
            return see_other(f"{PATH}/{ictx.instance.name}/groups/{path(group.name)}", done)
    except DomainError as error:
        return _fail(console, request, error, typed_member=who)


def remove_member(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            group = _group(ictx, request)
            form = console.checked(request, form)
            removed = groups.remove_member(ictx, group.name, field(form, "user"))
            done = "member-removed" if removed else "unchanged"
            return see_other(f"{PATH}/{ictx.instance.name}/groups/{path(group.name)}", done)
    except DomainError as error:
        return _fail(console, request, error)
