"""A real `apidesk serve` process on a loopback port, and the clients that talk to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from apidesk import server as apidesk_server

API_VERSION = "2024-05-01"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
RESOURCE_GROUP = "rg-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(
    env: dict[str, str], *args: str, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `apidesk` command line with the server's settings."""
    return subprocess.run(
        [sys.executable, "-m", "apidesk", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input_text,
        timeout=120,
        check=False,
    )


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    token: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
            **kwargs,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def live_server(database_url: str, directory: Path, **settings: str) -> Iterator[LiveServer]:
    port = free_port()
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": database_url,
        "APIDESK_SECRET_KEY_FILE": str(directory / "secret.key"),
        "APIDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "APIDESK_LOG_LEVEL": "info",
        **{f"APIDESK_{key.upper()}": value for key, value in settings.items()},
    }
    env.pop("APIDESK_SECRET_KEY", None)
    log_path = directory / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            # One worker: a test server starts faster; tests/cli/test_workers.py runs several.
            [
                sys.executable,
                "-m",
                "apidesk",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log_path)
        made = cli(env, "token", "create", "--name", f"tests-{uuid.uuid4().hex[:8]}")
        if made.returncode != 0:
            raise RuntimeError(f"token create failed: {made.stderr}")
        token = made.stdout.strip().splitlines()[-1]
        yield LiveServer(url, env, token, database_url, log_path, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def sqlite_live_server(
    directory: Path, smtp_port: int | None = None, **settings: str
) -> Iterator[LiveServer]:
    """`live_server` on a new SQLite file in `directory`; given `smtp_port`, it sends its
    e-mail to the SMTP server on that loopback port (no TLS), polling its outbox every 0.2 s."""
    if smtp_port is not None:
        settings = {
            "smtp_host": "127.0.0.1",
            "smtp_port": str(smtp_port),
            "smtp_security": "none",
            "outbox_poll_seconds": "0.2",
            **settings,
        }
    with live_server(f"sqlite:///{directory / 'apidesk.db'}", directory, **settings) as server:
        yield server


@contextmanager
def uvicorn_thread(app: Any, port: int | None = None, **options: Any) -> Iterator[str]:
    """`app` under uvicorn in a thread of the test process, on `port` (a free one unless
    given), with the options `apidesk serve` gives uvicorn (`apidesk.server.OPTIONS`) and
    `options` over them (say `http="apidesk.server:H11WithLimits"`). Yields the base URL once
    uvicorn has started; stops it on the way out."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            **{**apidesk_server.OPTIONS, **options},
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"apidesk serve exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"apidesk serve did not come up:\n{log_path.read_text()}")


@dataclass(frozen=True)
class ServiceRef:
    """A service instance on the live server, and the paths under it."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def path(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.ApiManagement/service/{self.name}"
        )

    def url(self, suffix: str = "") -> str:
        return f"{self.path}{suffix}"


def service_body(publisher_email: str = "admin@example.net") -> dict[str, Any]:
    return {
        "location": "West Europe",
        "sku": {"name": "Developer", "capacity": 1},
        "properties": {"publisherEmail": publisher_email, "publisherName": "Example Publisher"},
    }


def create_service(client: httpx.Client, name: str | None = None, **body: Any) -> ServiceRef:
    ref = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, name or f"svc-{uuid.uuid4().hex[:10]}")
    response = client.put(
        ref.path, params={"api-version": API_VERSION}, json={**service_body(), **body}
    )
    assert response.status_code == 201, response.text
    return ref
