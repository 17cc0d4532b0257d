"""A failed console sign-in is counted and audited under the address typed, but only an
address some operator could have: one longer than an e-mail address may be, or with control
characters, is refused the same way with nothing written (no account's password can be
guessed with it, so the throttle loses nothing). A real address is still held back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.console import PASSWORD, Person, sign_in, signed_in_operator
from support.inprocess import InProcessServer

from apidesk.storage.models import AuditEvent, OperatorThrottle

MESSAGE = "The e-mail address or the password is wrong."


def rows(app: InProcessServer) -> tuple[int, int]:
    with app.runtime.database.unit_of_work(write=False) as session:
        counters = session.scalar(select(func.count()).select_from(OperatorThrottle))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    return int(counters or 0), int(events or 0)


@pytest.mark.parametrize(
    "typed",
    [
        "x" * 10_000 + "@example.com",
        "a" * 250 + "@example.com",
        "ops\x01\x1b[31m@example.com",
        "ops@example.com\r\nX-Evil: 1",
    ],
    ids=["10000 characters", "past 254", "escape codes", "a header"],
)
def test_an_address_no_operator_can_have_is_refused_and_writes_nothing(
    app: InProcessServer, person: Person, typed: str
) -> None:
    before = rows(app)
    answer = sign_in(person, typed, PASSWORD)
    assert answer.status_code == 400 and MESSAGE in answer.text
    assert rows(app) == before


def test_a_real_address_is_still_counted_and_held_back(
    app: InProcessServer, person: Person
) -> None:
    email = signed_in_operator(app, person)
    for _ in range(6):
        assert sign_in(person, email.upper(), "guess").status_code == 400
    assert sign_in(person, email, PASSWORD).status_code == 429
