"""Links built from ids. Client-chosen ids may hold `%`, `&`, `:` and the like (see
`apidesk.domain.validation.ID_PATTERN`), so every id put in a path is percent-encoded, as the
templates do with Jinja's `urlencode`."""

from __future__ import annotations

from urllib.parse import quote


def path(*segments: str) -> str:
    """`segments` joined by `/`, each of them percent-encoded whole (a `/` in one included)."""
    return "/".join(quote(segment, safe="") for segment in segments)
