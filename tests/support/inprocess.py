"""The whole service on a loopback port inside the test process, so tests can move its clock.

It is the same ASGI app `apidesk serve` runs, under uvicorn, with the outbox dispatcher; only
the clock is a `ManualClock` that the test controls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from support.server import (
    API_VERSION,
    RESOURCE_GROUP,
    SUBSCRIPTION,
    ServiceRef,
    free_port,
    service_body,
    uvicorn_thread,
)

from apidesk.app import create_app
from apidesk.bootstrap import build_runtime, prepare
from apidesk.clock import ManualClock
from apidesk.domain import admin_tokens
from apidesk.domain.context import Context, Runtime
from apidesk.settings import Settings


@dataclass
class InProcessServer:
    url: str
    runtime: Runtime
    clock: ManualClock
    token: str

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )

    def portal(self, **kwargs: object) -> httpx.Client:
        """A browser-like client: keeps cookies, does not follow redirects."""
        return httpx.Client(base_url=self.url, timeout=30, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def new_service(self, name: str) -> ServiceRef:
        """A service whose publisher address is its own, `publisher@{name}.example`: every
        dispatcher sends every service's mail, so tests tell theirs apart by address."""
        ref = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, name)
        body = service_body(publisher(ref))
        with self.client() as client:
            response = client.put(ref.path, params={"api-version": API_VERSION}, json=body)
            assert response.status_code == 201, response.text
        return ref


def publisher(service: ServiceRef) -> str:
    return f"publisher@{service.name}.example"


@contextmanager
def in_process_server(
    database_url: str, directory: Path, smtp_port: int | None, **settings: object
) -> Iterator[InProcessServer]:
    port = free_port()
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key_file": directory / "secret.key",
        "public_url": f"http://127.0.0.1:{port}",
        "outbox_poll_seconds": 0.1,
        "outbox_retry_seconds": 30,
        **settings,
    }
    if smtp_port is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none")
    clock = ManualClock()
    runtime = build_runtime(Settings(**values), clock)  # type: ignore[arg-type]
    prepare(runtime, bootstrap=False)
    with runtime.database.unit_of_work() as session:
        token = admin_tokens.create(Context(runtime, session, "tests"), None).secret
    try:
        with uvicorn_thread(create_app(runtime), port) as url:
            yield InProcessServer(url, runtime, clock, token)
    finally:
        runtime.database.dispose()
