"""ETag and If-Match on the wire. The domain only sees bare entity tags or `*`."""

from __future__ import annotations


def quoted(etag: str) -> str:
    return f'"{etag}"'


def parse_if_match(header: str | None) -> str | None:
    """The bare tag a client expects, `*`, or None when the header is absent.

    Clients send the tag back as they got it, quoted, but unquoted and weak (`W/`) forms
    arrive too; they all name the same tag. A list of tags keeps only the first.
    """
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return "*"
    value = value.split(",")[0].strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    return value
