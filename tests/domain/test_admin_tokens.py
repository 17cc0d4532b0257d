"""Admin tokens expire by the clock and die when revoked."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from apidesk.clock import ManualClock
from apidesk.domain import admin_tokens
from apidesk.domain.context import Context, Runtime
from apidesk.domain.instances import service as instances
from apidesk.errors import Invalid, Unauthorized
from apidesk.storage.models import Instance


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


def test_the_service_read_with_a_token_is_the_service_as_stored(runtime: Runtime) -> None:
    """`authenticate_at` builds the service from its columns without the ORM's loading: every
    attribute must be what a query of the entity gives, and the entity belongs to no session."""
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "test")
        issued = admin_tokens.create(ctx, None)
        fields = {
            "location": "local",
            "sku_name": "Developer",
            "publisher_email": "p@example.com",
            "publisher_name": "P",
            "tags": {"team": "ü", "tier": "1"},  # JSON comes back decoded, as from the ORM
        }
        name = f"Read-{issued.record.id}"
        instances.create_or_update(ctx, str(uuid.uuid4()), "rg", name, fields)
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "test")
        stored = session.scalars(select(Instance).where(Instance.name == name)).one()
        expected = {a.key: getattr(stored, a.key) for a in inspect(Instance).column_attrs}
        token, service = admin_tokens.authenticate_at(ctx, issued.secret, name.upper())
        assert token.id == issued.record.id
        assert service is not None and service is not stored
        assert {key: getattr(service, key) for key in expected} == expected
        assert expected["tags"] == {"team": "ü", "tier": "1"}
        assert expected["created_at"].tzinfo is not None
        state = inspect(service)
        assert state.detached and state.key == inspect(stored).key
        assert admin_tokens.authenticate_at(ctx, issued.secret, "no-such-service")[1] is None
