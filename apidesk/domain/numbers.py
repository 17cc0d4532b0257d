"""Whole numbers from a request's text, checked before `int()` reads them.

`int()` alone is no check: it takes '²' and the digits of other scripts, spaces, signs and
underscores, and refuses more than 4,300 digits with a ValueError; a number it does read may
still be out of a column's range, which PostgreSQL refuses (NumericValueOutOfRange) where
SQLite would not. Every whole number a request gives (a form field, a query parameter, a path
segment) goes through `whole`, and every record id through `record_id`, so that none of these
reaches the database as a 500."""

from __future__ import annotations

from apidesk.domain.validation import digits

INT32_MAX = 2**31 - 1
"""The most an Integer column holds on PostgreSQL (int4)."""
ID_MAX = INT32_MAX
"""The largest record id: every table's id is an Integer column (apidesk.storage.models)."""


def whole(text: str | None, low: int = 0, high: int = INT32_MAX) -> int | None:
    """`text` as a whole number from `low` to `high` (low >= 0), or None when it is not one:
    ASCII digits only, and no more of them than `high` has (leading zeros aside), checked
    before `int()` reads it."""
    if text is None or not digits(text):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(high)):
        return None
    number = int(significant)
    return number if low <= number <= high else None


def record_id(text: str | None) -> int | None:
    """`text` as the id of a record, or None when no record can have it (not a whole number,
    0, or past `ID_MAX`): the caller answers as for any id that names nothing."""
    return whole(text, 1, ID_MAX)


def is_record_id(value: object) -> bool:
    """Whether `value`, read from JSON, is an int (not a bool) that a record could have."""
    return type(value) is int and 1 <= value <= ID_MAX
