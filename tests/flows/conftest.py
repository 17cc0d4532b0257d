"""An in-process Apidesk with a movable clock, sending to a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.databases import Isolated, database_for
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox
from support.portal import Browser
from support.server import ServiceRef


@pytest.fixture(scope="module")
def isolated(workspace: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Isolated]:
    """A database of its own: a dispatcher sends every queued e-mail of its database, and the
    mail other tests queue must not land in these tests' mailbox."""
    directory = tmp_path_factory.mktemp("flows")
    with database_for(workspace.backend, directory) as url:  # type: ignore[attr-defined]
        yield Isolated(url, directory)


@pytest.fixture(scope="module")
def app(isolated: Isolated, mailbox: Mailbox) -> Iterator[InProcessServer]:
    with in_process_server(isolated.database_url, isolated.directory, mailbox.port) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_clock_and_mailbox(request: pytest.FixtureRequest) -> Iterator[None]:
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
    return app.new_service(f"mail-{next(_counter)}-{id(app) % 10000}")


@pytest.fixture
def admin(app: InProcessServer) -> Iterator[httpx.Client]:
    with app.client() as client:
        yield client


@pytest.fixture
def browser(app: InProcessServer) -> Iterator[Browser]:
    with app.portal() as client:
        yield Browser(client)


@pytest.fixture
def other_browser(app: InProcessServer) -> Iterator[Browser]:
    with app.portal() as client:
        yield Browser(client)
