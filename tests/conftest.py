"""Fixtures: every database-backed test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from azure.mgmt.apimanagement import ApiManagementClient
from support.databases import BACKENDS, database_for
from support.inprocess import InProcessServer, in_process_server
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service, live_server

from apidesk.bootstrap import build_runtime, prepare
from apidesk.domain.context import Runtime
from apidesk.settings import Settings

# Fixtures every folder may use: `mailbox`, an SMTP server on loopback for the module.
pytest_plugins = ["support.mailbox"]


@dataclass(frozen=True)
class Workspace:
    backend: str
    directory: Path
    database_url: str

    @property
    def key_file(self) -> Path:
        return self.directory / "secret.key"

    def settings(self, **overrides: object) -> Settings:
        return Settings(
            database_url=self.database_url,
            secret_key_file=self.key_file,
            **overrides,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="session", params=BACKENDS)
def workspace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    directory = tmp_path_factory.mktemp(request.param)
    with database_for(request.param, directory) as url:
        yield Workspace(request.param, directory, url)


@pytest.fixture(scope="session")
def runtime(workspace: Workspace) -> Iterator[Runtime]:
    """An in-process runtime on the workspace database (schema prepared)."""
    rt = build_runtime(workspace.settings())
    prepare(rt, bootstrap=False)
    yield rt
    rt.database.dispose()


@pytest.fixture(scope="module")
def workspace_app(workspace: Workspace) -> Iterator[InProcessServer]:
    """The app `apidesk serve` runs, served in this process on the workspace database (its
    directory holds the key the database was set up with), one per test module: for tests
    that watch or patch what runs inside it."""
    with in_process_server(workspace.database_url, workspace.directory, None) as running:
        yield running


@pytest.fixture(scope="session")
def server(workspace: Workspace, runtime: Runtime) -> Iterator[LiveServer]:
    with live_server(workspace.database_url, workspace.directory) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def service(http: httpx.Client) -> ServiceRef:
    """A fresh service instance for each test, so tests never see each other's data."""
    return create_service(http)


@pytest.fixture
def sdk(server: LiveServer, service: ServiceRef) -> Iterator[ApiManagementClient]:
    client = client_for(server.url, server.token, service.subscription_id)
    yield client
    client.close()


@pytest.fixture(params=BACKENDS)
def workspace_backend(request: pytest.FixtureRequest) -> str:
    """A backend name, for tests that need a database of their own."""
    return str(request.param)
