"""Jinja environments for the web front doors: each door's own templates first, then the
shared layout; every page carries the security headers.

Templates are compiled once per process and never checked for changes again: they ship in
the package, and a new version is a restart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2.filters import do_urlencode
from jinja2.utils import url_quote
from starlette.responses import HTMLResponse

from apidesk.web import assets
from apidesk.web.headers import RAW_PAGE_HEADERS
from apidesk.web.wording import scope_words

SHARED_TEMPLATES = Path(__file__).parent / "templates"

# What Jinja's `urlencode` leaves as it is: in a path (`/` kept) and in a query.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~/-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~-]*")


def urlencode(value: Any) -> str:
    """Jinja's `urlencode`, with the same output, but quick for the text it leaves as it is
    (an id, a sort key, a cursor): a list of users quotes each one's id."""
    if type(value) is str and _PLAIN_PATH.fullmatch(value):
        return value
    if isinstance(value, dict):
        return "&".join(f"{_query_part(k)}={_query_part(v)}" for k, v in value.items())
    return do_urlencode(value)


def _query_part(value: Any) -> str:
    if type(value) is str and _PLAIN_QUERY.fullmatch(value):
        return value
    return url_quote(value, for_qs=True)


def environment(templates: Path) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(templates), FileSystemLoader(SHARED_TEMPLATES)]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["asset"] = assets.served_name
    env.filters["urlencode"] = urlencode
    env.filters["scope_words"] = scope_words
    return env


def page(env: Environment, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    response = HTMLResponse(env.get_template(template).render(**values), status_code=status)
    response.raw_headers.extend(RAW_PAGE_HEADERS)
    return response
