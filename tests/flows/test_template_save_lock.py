"""Saving an e-mail template compiles it with no writing unit of work open: however slow a
template is to compile, it never holds the database's write lock, and other instances keep
working meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import airspeed
import httpx
import pytest
from sqlalchemy import event
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.storage.database import WRITE_OPTION

V = {"api-version": "2024-05-01"}
BODY = "<html><body><p>Hello $DevFirstName, welcome.</p></body></html>"


class WritingUnits:
    """Which threads have a writing transaction open right now, from the engine's own
    begin, commit and rollback events."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.threads: set[int] = set()

    def _begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            self.threads.add(threading.get_ident())

    def _end(self, connection: Any) -> None:
        self.threads.discard(threading.get_ident())

    def __enter__(self) -> WritingUnits:
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._end)
        event.listen(self.engine, "rollback", self._end)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._end)
        event.remove(self.engine, "rollback", self._end)

    def open_here(self) -> bool:
        return threading.get_ident() in self.threads


class CompileSpy:
    """Calls `hook` with each template airspeed is about to compile, in the compiling thread."""

    def __init__(self) -> None:
        self.hook: Callable[[airspeed.Template], None] = lambda _template: None


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> CompileSpy:
    spy = CompileSpy()
    real = airspeed.Template.ensure_compiled

    def observed(template: airspeed.Template) -> None:
        if template.root_element is None:
            spy.hook(template)
        real(template)

    monkeypatch.setattr(airspeed.Template, "ensure_compiled", observed)
    return spy


def put_template(admin: httpx.Client, shop: ServiceRef, body: str) -> httpx.Response:
    return admin.put(
        shop.url("/templates/NewDeveloperNotificationMessage"),
        params=V,
        json={"properties": {"subject": "Welcome", "body": body}},
    )


def test_a_template_is_compiled_while_no_writing_unit_is_open(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, compiles: CompileSpy
) -> None:
    body = BODY.replace("welcome", "welcome aboard 8d1e")
    during: list[bool] = []
    with WritingUnits(app.runtime.database.engine) as units:
        compiles.hook = lambda template: during.append(units.open_here())
        response = put_template(admin, shop, body)
    assert response.status_code == 201, response.text
    assert during, "the body was never compiled"
    assert not any(during), "a template was compiled inside a writing unit of work"


def test_a_slow_template_save_does_not_hold_up_a_user_create_elsewhere(
    app: InProcessServer, admin: httpx.Client, compiles: CompileSpy
) -> None:
    templates_of = app.new_service("slow-template-owner")
    users_of = app.new_service("busy-neighbour")
    body = BODY.replace("welcome", "welcome 4b7c")
    compiling, release = threading.Event(), threading.Event()

    def hold(template: airspeed.Template) -> None:
        if "4b7c" in template.content:
            compiling.set()
            release.wait(timeout=120)

    compiles.hook = hold
    saved: list[httpx.Response] = []
    with app.client() as other:
        saver = threading.Thread(
            target=lambda: saved.append(put_template(other, templates_of, body))
        )
        saver.start()
        try:
            assert compiling.wait(timeout=60), "the save never compiled the template"
            # The compile is held still: were it inside a writing unit, on SQLite this
            # create would wait for the write lock until it gave up.
            created = admin.put(
                users_of.url("/users/neighbour"),
                params=V,
                json={
                    "properties": {
                        "email": "neighbour@example.com",
                        "firstName": "Nia",
                        "lastName": "Neighbour",
                    }
                },
            )
            assert created.status_code == 201, created.text
        finally:
            release.set()
            saver.join(timeout=120)
    assert saved and saved[0].status_code == 201, saved[0].text if saved else "no answer"
