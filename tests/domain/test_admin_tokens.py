"""Admin tokens expire by the clock and die when revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apidesk.clock import ManualClock
from apidesk.domain import admin_tokens
from apidesk.domain.context import Context, Runtime
from apidesk.errors import Invalid, Unauthorized


def test_token_expires_when_its_days_are_up(runtime: Runtime) -> None:
    clock = ManualClock()
    rt = Runtime(**{**runtime.__dict__, "clock": clock})
    with rt.database.unit_of_work() as session:
        issued = admin_tokens.create(Context(rt, session, "test"), None, expires_in_days=2)
    with rt.database.unit_of_work() as session:
        assert (
            admin_tokens.authenticate(Context(rt, session, "test"), issued.secret).id
            == issued.record.id
        )
    clock.advance(timedelta(days=2, seconds=-1))
    with rt.database.unit_of_work() as session:
        admin_tokens.authenticate(Context(rt, session, "test"), issued.secret)
    clock.advance(timedelta(seconds=2))
    with rt.database.unit_of_work() as session, pytest.raises(Unauthorized):
        admin_tokens.authenticate(Context(rt, session, "test"), issued.secret)


def test_revoked_and_unknown_tokens_fail_alike(runtime: Runtime) -> None:
    with runtime.database.unit_of_work() as session:
        issued = admin_tokens.create(Context(runtime, session, "test"), None)
        admin_tokens.revoke(Context(runtime, session, "test"), issued.record.name)
    messages = set()
    for secret in (issued.secret, issued.secret[:-1] + "x", "nonsense"):
        with runtime.database.unit_of_work() as session, pytest.raises(Unauthorized) as caught:
            admin_tokens.authenticate(Context(runtime, session, "test"), secret)
        messages.add(caught.value.message)
    assert len(messages) == 1


def test_token_names_are_checked(runtime: Runtime) -> None:
    with runtime.database.unit_of_work() as session, pytest.raises(Invalid):
        admin_tokens.create(Context(runtime, session, "test"), "has spaces")
