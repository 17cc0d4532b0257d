"""Identifiers made from display names, for entities created where nobody types an id (the
console's + Add forms): lower-case words joined by '-', made unique within the instance."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

ID_MAX = 80


def slug(text: str, fallback: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", plain.lower())
    return "-".join(words)[:ID_MAX].strip("-") or fallback


def free_id(display_name: str, taken: Callable[[str], bool], *, fallback: str) -> str:
    """A slug of `display_name` that `taken` says is free: 'echo-api', else 'echo-api-2'..."""
    base = slug(display_name, fallback)
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base[: ID_MAX - len(str(n)) - 1]}-{n}"
    return candidate
