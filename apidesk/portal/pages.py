"""Rendering portal pages: the templates, the headers every page carries, and the error pages
that need no instance (an unknown service, a database that cannot be used, a request refused
before any page ran). Every failure of the portal is one of these pages, never a trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

from apidesk.domain.subscriptions.fields import FIELDS as SUBSCRIPTION_FIELDS
from apidesk.domain.users.fields import FIELDS as USER_FIELDS
from apidesk.web import render
from apidesk.web.headers import PAGE_HEADERS

TEMPLATES = Path(__file__).parent / "templates"

PAGES = render.environment(TEMPLATES)
# Forms state the domain's limits (maxlength) from its field tables.
PAGES.globals["user_fields"] = USER_FIELDS
PAGES.globals["subscription_fields"] = SUBSCRIPTION_FIELDS

HEADERS = PAGE_HEADERS

# Where pages outside any instance take their stylesheet from (the top-level asset route).
GLOBAL_STATIC = "/static"

# What each status means to a person, in words.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "You cannot open this page."),
    404: ("Not found", "There is no such page here. Check the address."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: (
        "Changed meanwhile",
        "This was changed by someone else at the same moment. Load the page again and retry.",
    ),
    413: ("Too large", "What was sent is too large."),
    429: ("Too many attempts", "Too many requests came from your address. Try again later."),
    431: ("Too large", "The request's headers are too large."),
    500: (
        "Something went wrong",
        "The portal hit an unexpected error; it has been logged. Try again later.",
    ),
    503: (
        "Temporarily unavailable",
        "The portal cannot reach its data right now. Try again in a moment.",
    ),
}


def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("static", GLOBAL_STATIC)
    return render.page(PAGES, template, status, **values)


def error(
    status: int, message: str | None = None, *, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A styled page for `status`, outside any instance."""
    title, default = ERRORS.get(status, ("Error", "The request failed."))
    response = page(
        "message.html",
        status,
        organization=None,
        base=None,
        title=title,
        message=message or default,
    )
    response.headers.update(headers or {})
    return response
