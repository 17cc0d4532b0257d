"""The tokens of an OData `$filter` (see `odata`): words, quoted strings, date-times, numbers
and punctuation, each with its 0-based position for messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Final


class FilterError(ValueError):
    """A `$filter` the service cannot run; the message is shown to API clients verbatim."""


_DATETIME_PREFIXES: Final = frozenset({"datetime", "datetimeoffset"})
DATETIME_EXAMPLE: Final = "2017-06-01T00:00:00Z"

_WORD: Final = re.compile(r"[A-Za-z0-9_.:+\-/]+")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_./]*", re.ASCII)
_NUMBER: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_DATETIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?",
    re.IGNORECASE | re.ASCII,
)


class Kind(Enum):
    WORD = "word"
    STRING = "string"
    DATETIME = "datetime"
    NUMBER = "number"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    """As written, for messages."""
    pos: int
    value: str | datetime | int | float | None = None

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.text.lower() in words


_PUNCTUATION: Final = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, i))
            i += 1
        elif char == "'":
            value, end = _read_string(text, i)
            tokens.append(Token(Kind.STRING, text[i:end], i, value))
            i = end
        else:
            token = _read_word(text, i)
            tokens.append(token)
            i = token.pos + len(token.text)
    tokens.append(Token(Kind.END, "", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted string at `start` and the offset just past it."""
    chunks: list[str] = []
    i = start + 1
    while True:
        end = text.find("'", i)
        if end < 0:
            raise FilterError(f"Unterminated string literal starting at position {start}")
        chunks.append(text[i:end])
        if not text.startswith("'", end + 1):
            return "".join(chunks), end + 1
        chunks.append("'")  # '' is an escaped quote
        i = end + 2


def _read_word(text: str, start: int) -> Token:
    match = _WORD.match(text, start)
    if match is None:
        raise FilterError(_bad_character(text[start], start))
    word, end = match.group(), match.end()
    if word.lower() in _DATETIME_PREFIXES and text.startswith("'", end):
        content, end = _read_string(text, end)
        literal = text[start:end]
        value = parse_datetime(content)
        if value is None:
            raise FilterError(
                f"Invalid datetime literal {shorten(literal)} at position {start}; "
                f"expected ISO 8601 such as {DATETIME_EXAMPLE}"
            )
        return Token(Kind.DATETIME, literal, start, value)
    return _classify(word, start)


def _classify(word: str, pos: int) -> Token:
    if _DATETIME.fullmatch(word):
        value = parse_datetime(word)
        if value is None:
            raise FilterError(f"Invalid datetime {shorten(word)} at position {pos}")
        return Token(Kind.DATETIME, word, pos, value)
    if _NUMBER.fullmatch(word):
        return Token(Kind.NUMBER, word, pos, _parse_number(word))
    if _IDENTIFIER.fullmatch(word):
        return Token(Kind.WORD, word, pos)
    raise FilterError(f"Unrecognized token {shorten(word)!r} at position {pos}")


def _bad_character(char: str, pos: int) -> str:
    if char == '"':
        return f"Unexpected character '\"' at position {pos}; string literals use single quotes"
    return f"Unexpected character {char!r} at position {pos}"


def _parse_number(word: str) -> int | float:
    if re.fullmatch(r"[+-]?[0-9]+", word):
        return int(word)  # at most MAX_LENGTH digits, well inside int()'s limit
    return float(word)


def parse_datetime(text: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text, or None. Without a zone it is UTC."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    # OData allows 7 fractional digits (.NET ticks); Python keeps microseconds.
    micros = int((fraction or "")[:6].ljust(6, "0"))
    tz = _zone(zone)
    if tz is None:
        return None
    try:
        local = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0),
            int(second or 0), micros, tzinfo=tz,
        )  # fmt: skip
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _zone(text: str | None) -> timezone | None:
    if text is None or text.upper() == "Z":
        return UTC
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
