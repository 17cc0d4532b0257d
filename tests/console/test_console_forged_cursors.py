"""A paging cursor of the console's Users list is base64 of a JSON pair [value, user id]
that anyone can forge. One that is not a position in the list's sort (the value of the wrong
type, text that is not valid UTF-8 or holds a NUL or is longer than its column, a date
without its time zone, an id past the id column) is no cursor: the first page, as for a
cursor that does not decode at all, never a 500."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import httpx
import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef
from support.snapshot import snapshot

from apidesk.console.records import _since

V = {"api-version": "2024-05-01"}


def forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def pair(value: object, user_id: object = 1) -> str:
    return forged(json.dumps([value, user_id]))


TEXT_SORTS = ("name", "email", "state")
ANY_SORT = [
    forged('["\\ud800",1]'),  # a lone surrogate: no UTF-8 text
    forged('["\\udfff\\ud800",1]'),
    pair("a\x00b"),  # PostgreSQL refuses a NUL in text
    pair("Ada", 10**30),  # past any integer column
    pair("Ada", 2**31),  # past PostgreSQL's int4
    pair("Ada", 2**63),
    pair("Ada", -(2**63) - 1),
    pair("Ada", True),
    pair("Ada", 1.5),
    pair("x" * 600),  # longer than any column
    forged('["Ada",1,2]'),
    forged('{"Ada":1}'),
    forged('"A1"'),
    forged("[1e999,1]"),
    forged("\xff\xfe"),
    "%%%",
    "",
]
REGISTERED = [
    pair("2026-01-01"),  # no time zone: ambiguous
    pair("2026-01-01T10:00:00"),
    pair("0001-01-01T00:00:00+14:00"),  # before year 1 in UTC
    pair("9999-12-31T23:59:59-14:00"),  # past year 9999 in UTC
    pair(20260101),
    pair(None),
]


def rows(page: httpx.Response) -> list[str]:
    return re.findall(r"<tr\b.*?</tr>", page.text, flags=re.S)


@pytest.mark.parametrize("sort", ["registered", *TEXT_SORTS])
def test_a_forged_cursor_is_no_cursor(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person, sort: str
) -> None:
    for name in ("ada", "bob"):
        body = {"email": f"{name}@example.com", "firstName": name.title(), "lastName": "L"}
        answer = admin.put(shop.url(f"/users/{name}"), params=V, json={"properties": body})
        assert answer.status_code == 201, answer.text
    signed_in_operator(app, person)
    here = f"/console/{shop.name}/users"
    first = person.get(here, sort=sort)
    assert first.status_code == 200 and "Ada" in first.text
    cursors = ANY_SORT + (REGISTERED if sort == "registered" else [pair(20260101), pair(None)])
    before = snapshot(app)
    for cursor in cursors:
        for direction in ("after", "before"):
            page = person.get(here, sort=sort, **{direction: cursor})
            assert page.status_code == 200, (cursor, direction, page.text[-400:])
            assert rows(page) == rows(first), (cursor, direction)
    assert snapshot(app) == before


def test_a_cursor_with_its_offset_is_read_in_utc(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    """A registration date with an offset other than UTC's still is a position."""
    body = {"email": "ada@example.com", "firstName": "Ada", "lastName": "L"}
    admin.put(shop.url("/users/ada"), params=V, json={"properties": body})
    signed_in_operator(app, person)
    here = f"/console/{shop.name}/users"
    past = person.get(here, after=pair("2000-01-01T05:00:00+05:00", 2**31 - 1))
    assert past.status_code == 200 and "Ada" not in past.text
    future = person.get(here, after=pair("9000-01-01T05:00:00+05:00", 2**31 - 1))
    assert future.status_code == 200 and "ada@example.com" in future.text


def test_the_audit_logs_since_reads_an_offset_in_utc() -> None:
    assert _since("2026-01-01T05:00+05:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert _since("2026-01-01T05:00") == datetime(2026, 1, 1, 5, tzinfo=UTC)
    for text in ("", "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "yesterday"):
        assert _since(text) is None, text
