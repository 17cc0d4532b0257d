"""Static files of the web front doors, served from the package under names that carry a
digest of their content (`apidesk.3fa2c9d1e0b4.css`), so a browser may keep them for a year
and still never run a stale one after an upgrade."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).parent / "static"

_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    name: str
    served_as: str
    body: bytes
    media_type: str


def _load() -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix not in _TYPES:
            continue
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        served_as = f"{path.stem}.{digest}{path.suffix}"
        found[path.name] = Asset(path.name, served_as, body, _TYPES[path.suffix])
    return found


ASSETS = _load()
_BY_SERVED_NAME = {asset.served_as: asset for asset in ASSETS.values()}


def served_name(name: str) -> str:
    """The name under which asset `name` is served now (its digest path)."""
    return ASSETS[name].served_as


async def serve(request: Request) -> Response:
    """The asset named in the path, for a year; 404 for any other name, including an old
    digest, so a stale page never gets a mismatched file."""
    asset = _BY_SERVED_NAME.get(request.path_params.get("file", ""))
    if asset is None:
        return PlainTextResponse(
            "Not found", status_code=404, headers={"X-Content-Type-Options": "nosniff"}
        )
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


def create_app() -> Starlette:
    """The assets at the top level (`/static/...`), for pages that belong to no instance."""
    return Starlette(routes=[Route("/{file}", serve, methods=["GET", "HEAD"])])
