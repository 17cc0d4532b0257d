"""The console's record pages: the audit log of an instance and its e-mail outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.audit_words import ACTIONS, action_choices
from apidesk.console.base import PATH, Console, see_other
from apidesk.console.wording import refusal_status
from apidesk.domain import audit, numbers
from apidesk.domain.notifications import outbox
from apidesk.errors import DomainError, NotFound
from apidesk.web.wording import problem_text

Handler = Callable[[Console, Request, FormData | None], Response]


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/audit", page(audit_log), methods=["GET"]),
        Route("/{service}/outbox", page(outbox_page), methods=["GET"]),
        Route("/{service}/outbox/{message}/retry", page(outbox_retry), methods=["POST"]),
    ]


def _since(value: str) -> datetime | None:
    """The date typed, read in UTC unless it names its offset; None for no date."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None if moment is None else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # out of datetime's range in UTC
        return None


def audit_log(console: Console, request: Request, form: FormData | None) -> Response:
    params = request.query_params
    asked = {name: params.get(name, "")[:200] for name in ("actor", "action", "target", "since")}
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        ictx = console.instance(ctx, operator, request.path_params["service"])
        events = audit.search(
            ictx,
            audit.AuditQuery(
                instance_name=ictx.instance.name,
                actor_contains=asked["actor"] or None,
                action_prefix=asked["action"] or None,
                target_contains=asked["target"] or None,
                since=_since(asked["since"]),
                limit=100,
            ),
        )
        return console.render(
            request,
            ictx,
            "audit.html",
            operator=operator,
            instance=ictx.instance,
            section="audit",
            asked=asked,
            events=events,
            # A prefix from a link or typed into the address is kept, as its own choice.
            action_choices=action_choices(),
            action_known=not asked["action"]
            or asked["action"] in ACTIONS
            or any(asked["action"] == prefix for _, prefix, _ in action_choices()),
        )


def outbox_page(
    console: Console,
    request: Request,
    form: FormData | None,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    shown = request.query_params.get("status", "")
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        ictx = console.instance(ctx, operator, request.path_params["service"])
        messages = outbox.list_messages(
            ictx,
            status=shown if shown in outbox.STATUSES else None,
            limit=100,
            instance_id=ictx.instance.id,
        )
        return console.render(
            request,
            ictx,
            "outbox.html",
            status,
            operator=operator,
            instance=ictx.instance,
            section="outbox",
            messages=messages,
            shown=shown,
            statuses=outbox.STATUSES,
            error=error,
        )


def outbox_retry(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator = console.operator_or_raise(request, ctx)
            ictx = console.instance(ctx, operator, request.path_params["service"])
            console.checked(request, form)
            raw = request.path_params["message"]
            message_id = numbers.record_id(raw)
            if message_id is None:
                raise NotFound(f"There is no outbox message {raw[:40]}.")
            outbox.retry_in(ictx, message_id)
            return see_other(f"{PATH}/{ictx.instance.name}/outbox", "retried")
    except DomainError as error:
        return outbox_page(
            console, request, form, status=refusal_status(error), error=problem_text(error)
        )
