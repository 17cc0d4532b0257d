"""Links built from ids. Client-chosen ids may hold `%`, `&`, `:` and the like (see
`apidesk.domain.validation.ID_PATTERN`), so every id put in a path is percent-encoded, as the
templates do with Jinja's `urlencode`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from apidesk.domain.validation import path_escapes


def path(*segments: str) -> str:
    """`segments` joined by `/`, each of them percent-encoded whole (a `/` in one included)."""
    return "/".join(quote(segment, safe="") for segment in segments)


def below_root(request: Request) -> str:
    """The request's path below the prefix its front door is served at (`root_path`: a
    proxy's prefix, then `/console` or `/portal`), as the door's own routes see it."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def page_below(value: str | None, base: str) -> str:
    """`value` when it is a page below the base path `base`, else `base`'s home: the way back
    after a sign-in or a hand-off (the portal's `returnUrl`, the console's) never leads to
    another site, another part of this server, or out of `base` by a dot segment
    ('/portal/x/../../console' is '/console' to a browser, and so is '%2e%2e'), nor by an
    encoded slash or backslash, which a proxy in front may decode before it resolves the
    path."""
    home = f"{base}/"
    if not value or not value.startswith(home) or value.startswith("//") or "\\" in value:
        return home
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 2000:
        return home
    if path_escapes(value.split("?", 1)[0].split("#", 1)[0]):
        return home
    return value
