"""The console's E-mail templates pages: APIM's 14 templates of an instance, each edited with
a live preview on sample values, tried out with a test message to the operator, and restored
to the built-in text. Compiling, checking and rendering are the domain's
(apidesk.domain.notifications.templates); this module reads forms and shows outcomes."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, field, see_other
from apidesk.console.wording import refusal_status
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.notifications import outbox, templates
from apidesk.domain.notifications.defaults import NEVER_SENT
from apidesk.errors import DomainError, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Operator
from apidesk.web.wording import problem_text

Handler = Callable[[Console, Request, FormData | None], Response]

# The preview is the operator's own HTML, shown in a frame of the edit page: sandboxed (no
# script, an origin of its own), inline styles allowed as e-mail needs, nothing fetched.
PREVIEW_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/templates", page(list_page), methods=["GET"]),
        Route("/{service}/templates/{name}", page(edit_page), methods=["GET"]),
        Route("/{service}/templates/{name}", page(save), methods=["POST"]),
        Route("/{service}/templates/{name}/preview", page(preview_saved), methods=["GET"]),
        Route("/{service}/templates/{name}/preview", page(preview_draft), methods=["POST"]),
        Route("/{service}/templates/{name}/test", page(send_test), methods=["POST"]),
        Route("/{service}/templates/{name}/reset", page(restore), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Context) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def _said(error: DomainError) -> str:
    """The domain's message in the words of the form's labels."""
    text = problem_text(error)
    return text.replace("'subject'", "The subject").replace("'body'", "The body")


def list_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        every = templates.list_templates(ictx, ListQuery(top=100)).items
        return console.render(
            request,
            ictx,
            "templates/list.html",
            operator=operator,
            instance=ictx.instance,
            section="templates",
            templates=sorted(every, key=lambda view: (view.title or view.name).lower()),
            never_sent=NEVER_SENT,
        )


def _edit(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    status: int = 200,
    *,
    draft: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    view = templates.get(ictx, request.path_params["name"])
    return console.render(
        request,
        ictx,
        "templates/edit.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="templates",
        item=view,
        never_sent=NEVER_SENT,
        draft=draft or {"subject": view.subject, "body": view.body},
        **values,
    )


def edit_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        try:
            return _edit(console, request, ictx, operator)
        except DomainError as error:
            return _missing(console, request, ictx, operator, error)


def _missing(
    console: Console, request: Request, ictx: InstanceContext, operator: Operator, error: Any
) -> Response:
    return console.render(
        request,
        ictx,
        "message.html",
        404,
        operator=operator,
        instance=ictx.instance,
        section="templates",
        title="No such template",
        message=f"There is no e-mail template '{request.path_params['name'][:80]}' in "
        f"{ictx.instance.name}.",
        back=("templates", "E-mail templates"),
    )


def save(console: Console, request: Request, form: FormData | None) -> Response:
    name = request.path_params["name"]
    typed: dict[str, str] = {}
    try:
        with console.unit(write=False) as ctx:
            _, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            typed = {"subject": field(form, "subject"), "body": field(form, "body")}
            draft = templates.edit(ictx, name, typed["subject"], typed["body"])
        # Compiled and rendered with no unit of work open: nothing waits on it.
        templates.check(draft)
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            templates.save(ictx, draft)
            return see_other(f"{PATH}/{ictx.instance.name}/templates/{draft.name}", "saved")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            try:
                return _edit(
                    console,
                    request,
                    ictx,
                    operator,
                    refusal_status(error),
                    draft=typed or None,
                    error=_said(error),
                )
            except DomainError as missing:
                return _missing(console, request, ictx, operator, missing)


def _preview_page(html: str, status: int = 200) -> Response:
    response = HTMLResponse(html, status_code=status)
    response.headers.update(PREVIEW_HEADERS)
    return response


def _preview_problem(error: DomainError) -> Response:
    return _preview_page(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Preview</title>"
        "</head><body style='font-family:sans-serif;color:#a21c1c;padding:1rem'>"
        f"<p><strong>No preview:</strong> {escape(_said(error))}</p></body></html>",
        404 if isinstance(error, NotFound) else 400,
    )


def preview_saved(console: Console, request: Request, form: FormData | None) -> Response:
    """The stored template with sample values: what the edit page's frame shows first."""
    with console.unit(write=False) as ctx:
        _, ictx = _scope(console, request, ctx)
        try:
            _, rendered = templates.sample(ictx, request.path_params["name"])
        except DomainError as error:
            return _preview_problem(error)
        return _preview_page(rendered.html)


def preview_draft(console: Console, request: Request, form: FormData | None) -> Response:
    """The draft in the form, with sample values; saves nothing."""
    with console.unit(write=False) as ctx:
        _, ictx = _scope(console, request, ctx)
        try:
            form = console.checked(request, form)
            rendered = templates.preview(
                ictx, request.path_params["name"], field(form, "subject"), field(form, "body")
            )
        except DomainError as error:
            return _preview_problem(error)
        return _preview_page(rendered.html)


def send_test(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            console.checked(request, form)
            message = outbox.test_message(ictx, request.path_params["name"], operator.email)
            return see_other(
                f"{PATH}/{ictx.instance.name}/templates/{message.template}", "test-sent"
            )
    except DomainError as error:
        return _refused(console, request, error)


def restore(console: Console, request: Request, form: FormData | None) -> Response:
    """Back to the built-in text, after a question."""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            name = templates.get(ictx, request.path_params["name"]).name
            if field(form, "confirm") != "yes":
                return _edit(console, request, ictx, operator, confirm_restore=True)
            changed = templates.restore_default(ictx, name)
            target = f"{PATH}/{ictx.instance.name}/templates/{name}"
            return see_other(target, "restored" if changed else "unchanged")
    except DomainError as error:
        return _refused(console, request, error)


def _refused(console: Console, request: Request, error: DomainError) -> Response:
    """The template's page again, saying why nothing was done (or the missing page)."""
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        try:
            return _edit(
                console, request, ictx, operator, refusal_status(error), error=problem_text(error)
            )
        except DomainError as missing:
            return _missing(console, request, ictx, operator, missing)
