"""Links built from ids. Client-chosen ids may hold `%`, `&`, `:` and the like (see
`apidesk.domain.validation.ID_PATTERN`), so every id put in a path is percent-encoded, as the
templates do with Jinja's `urlencode`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request


def path(*segments: str) -> str:
    """`segments` joined by `/`, each of them percent-encoded whole (a `/` in one included)."""
    return "/".join(quote(segment, safe="") for segment in segments)


def below_root(request: Request) -> str:
    """The request's path below the prefix its front door is served at (`root_path`: a
    proxy's prefix, then `/console` or `/portal`), as the door's own routes see it."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
