"""The interactive API reference at /docs: Swagger UI served from the installed
`swagger-ui-bundle-v2` package, so it works without internet access, under a CSP that allows
no inline script or style. FastAPI's own page loads from a CDN and starts with an inline
script; this one is a static page plus a small script file of ours."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from apidesk.errors import NotFound

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
# Only the files the page uses; nothing else of the package is reachable.
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui.css": (Path(swagger_ui_path) / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (Path(swagger_ui_path) / "swagger-ui-bundle.js", "text/javascript"),
    "favicon-32x32.png": (Path(swagger_ui_path) / "favicon-32x32.png", "image/png"),
    "docs.js": (STATIC / "docs.js", "text/javascript"),
    "docs.css": (STATIC / "docs.css", "text/css"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Apidesk management API</title>
<link rel="icon" type="image/png" href="{root}/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="{root}/docs/assets/docs.css">
<script src="{root}/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="{root}/docs/assets/docs.js" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{root}/openapi.json"></div>
</body>
</html>
"""


def _root(request: Request) -> str:
    # Behind a proxy that mounts Apidesk under a prefix, links keep that prefix.
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    page = PAGE.format(root=html.escape(_root(request), quote=True))
    return HTMLResponse(page, headers={**HEADERS, "Cache-Control": "no-cache"})


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    found = ASSETS.get(name)
    if found is None:
        raise NotFound(f"There is no documentation asset '{name}'.")
    path, media_type = found
    return FileResponse(
        path,
        media_type=media_type,
        headers={**HEADERS, "Cache-Control": "public, max-age=3600"},
    )
