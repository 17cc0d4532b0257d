"""Jinja environments for the web front doors: each door's own templates first, then the
shared layout; every page carries the security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from apidesk.web import assets
from apidesk.web.headers import secure

SHARED_TEMPLATES = Path(__file__).parent / "templates"


def environment(templates: Path) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(templates), FileSystemLoader(SHARED_TEMPLATES)]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset"] = assets.served_name
    return env


def page(env: Environment, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    response = HTMLResponse(env.get_template(template).render(**values), status_code=status)
    secure(response)
    return response
