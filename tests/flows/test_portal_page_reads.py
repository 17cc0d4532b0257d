"""What a portal page reads: each portal setting once however many parts of the page obey it
(the page, its top bar, its security headers), and a setting changed in a unit is read
afresh after the change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.portal import settings

V = {"api-version": "2024-05-01"}


@contextmanager
def settings_reads(engine: Engine) -> Iterator[Counter[str]]:
    """How often each portal setting is read, by its name."""
    seen: Counter[str] = Counter()

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if "FROM portal_settings" in sql:
            names = [p for p in (params.values() if isinstance(params, dict) else params)]
            seen[str([n for n in names if n in settings.NAMES])] += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("page", ["", "signin", "signup", "products", "forgot-password", "nope"])
def test_a_signed_out_page_reads_each_setting_once(
    app: InProcessServer, shop: ServiceRef, browser: Browser, page: str
) -> None:
    browser.get(f"/portal/{shop.name}/")  # the CSRF cookie, as a visitor has it
    with settings_reads(app.runtime.database.engine) as seen:
        answer = browser.get(f"/portal/{shop.name}/{page}")
    assert answer.status_code in (200, 404), answer.text
    assert 'aria-label="Account"' in answer.text  # the top bar asked too
    assert seen and max(seen.values()) == 1, seen


def test_a_setting_changed_in_the_unit_is_read_afresh(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client
) -> None:
    with app.runtime.database.unit_of_work(write=True) as session:
        ctx = Context(app.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        ictx = InstanceContext.of(ctx, instance)
        assert settings.signin_required(ictx) is False
        settings.change(ictx, settings.SIGNIN, {"enabled": True})
        assert settings.signin_required(ictx) is True
        session.rollback()
