"""An in-process Apidesk with a real SMTP server on loopback, and helpers to act in the
console as an operator would: a browser-like client that keeps cookies and sends each form
with the CSRF token of the page it came from."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.browser import browser  # noqa: F401 (a fixture for the *_browser.py modules)
from support.console import Person
from support.databases import Isolated, database_for
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox
from support.server import ServiceRef


@pytest.fixture(scope="module")
def app(
    workspace: object, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Iterator[InProcessServer]:
    directory = tmp_path_factory.mktemp("console")
    with database_for(workspace.backend, directory) as url:  # type: ignore[attr-defined]
        isolated = Isolated(url, directory)
        with in_process_server(isolated.database_url, directory, mailbox.port) as running:
            yield running


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> Iterator[None]:
    if "mailbox" in request.fixturenames:
        box = request.getfixturevalue("mailbox")
        with box.lock:
            box.messages.clear()
    yield
    if "app" in request.fixturenames:
        request.getfixturevalue("app").clock.reset()


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def shop(app: InProcessServer) -> ServiceRef:
    return app.new_service(f"con-{next(_counter)}-{id(app) % 10000}")


@pytest.fixture
def admin(app: InProcessServer) -> Iterator[httpx.Client]:
    with app.client() as client:
        yield client


@pytest.fixture
def person(app: InProcessServer) -> Iterator[Person]:
    with app.portal() as client:
        yield Person(client)


@pytest.fixture
def other_person(app: InProcessServer) -> Iterator[Person]:
    with app.portal() as client:
        yield Person(client)
