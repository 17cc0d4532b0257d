"""`apidesk serve`: everything on one port, schema upgraded on start."""

from __future__ import annotations

import contextlib
import errno
import inspect
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator

import typer
import uvicorn
from sqlalchemy.engine import make_url
from uvicorn.supervisors import Multiprocess

from apidesk import server
from apidesk.app import LOG_FORMAT, create_app
from apidesk.bootstrap import build_runtime, prepare
from apidesk.cli.banner import first_start
from apidesk.cli.common import console, fail
from apidesk.cli.common import settings as read_settings
from apidesk.cli.operators import announce_first_operator
from apidesk.security.secretbox import SecretKeyError
from apidesk.storage.database import driver_url

# What uvicorn exits with when the app cannot start.
STARTUP_FAILURE = 3
WORKER_HEALTHCHECK_SECONDS = 60


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    # Alembic names each of its plugins at start-up; the migrations it runs still show.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        help="Worker processes. Default: APIDESK_WORKERS, or one per CPU core.",
    ),
) -> None:
    """Run the management API and the other front doors on one port."""
    if "APIDESK_PUBLIC_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        # Set in the environment so that worker processes see it too.
        os.environ["APIDESK_PUBLIC_URL"] = f"http://{_host_in_url(shown)}:{port}"
    settings = read_settings()
    configure_logging(settings.log_level)
    workers = workers or settings.workers or os.cpu_count() or 1
    # Each worker hashes passwords on its share of the cores (apidesk.security.passwords).
    os.environ["APIDESK_WORKERS"] = str(workers)
    settings = settings.model_copy(update={"workers": workers})
    # The port first: a start that cannot have it changes nothing, not even the database.
    sock = _listen(host, port)
    try:
        runtime = build_runtime(settings)
        result = prepare(runtime)
    except SecretKeyError as error:
        sock.close()
        raise fail(str(error)) from None
    if result.created_default is not None:
        first_start(runtime, result.created_default, settings.public_url)
    announce_first_operator(runtime)
    address = f"http://{_host_in_url(host)}:{sock.getsockname()[1]}"
    listening = f"Apidesk listening on {address} (database: {_describe(settings.database_url)})"
    common = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 10,
        **server.OPTIONS,
    }
    if workers == 1:
        config = uvicorn.Config(create_app(runtime), **common)
        started = _Server(config, lambda: _say(listening))
        with contextlib.suppress(KeyboardInterrupt):
            started.run(sockets=[sock])
        if not started.started:
            raise typer.Exit(STARTUP_FAILURE)
        return
    # Each worker builds its own app (and dispatcher; they share the outbox safely) and
    # serves the socket bound here.
    runtime.database.dispose()
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # A worker answers the supervisor's health checks only once it has imported what
        # `apidesk` imports (spawned workers rerun the console script's imports): give a busy
        # machine time for that rather than killing and restarting workers for ever.
        common["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_SECONDS
    config = uvicorn.Config(
        "apidesk.app:create_app_from_settings", factory=True, workers=workers, **common
    )
    _say(f"{listening}, {workers} workers")
    with _metrics_directory(), contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()


@contextlib.contextmanager
def _metrics_directory() -> Iterator[None]:
    """Where worker processes pool their metrics, unless the environment names one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="apidesk-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


class _Server(uvicorn.Server):
    """uvicorn's server, saying so once the app has started on the bound socket."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


def _say(line: str) -> None:
    console.print(line, highlight=False, soft_wrap=True)
    console.file.flush()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening, or a clear failure."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        hint = (
            " (another process has it; choose one with --port)"
            if (error.errno == errno.EADDRINUSE)
            else ""
        )
        raise fail(f"cannot listen on {_host_in_url(host)}:{port}: {reason}{hint}") from None
    sock.set_inheritable(True)
    return sock


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _describe(url: str) -> str:
    """The database URL without a password."""
    return make_url(driver_url(url)).render_as_string(hide_password=True)
