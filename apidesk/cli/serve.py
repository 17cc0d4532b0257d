"""`apidesk serve`: everything on one port, schema upgraded on start."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator

import typer
import uvicorn
from sqlalchemy.engine import make_url

from apidesk import server
from apidesk.app import LOG_FORMAT, create_app
from apidesk.bootstrap import build_runtime, prepare
from apidesk.cli.banner import first_start
from apidesk.cli.common import console, fail
from apidesk.security.secretbox import SecretKeyError
from apidesk.settings import Settings
from apidesk.storage.database import driver_url


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes."),
) -> None:
    """Run the management API and the other front doors on one port."""
    if "APIDESK_PUBLIC_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        # Set in the environment so that worker processes see it too.
        os.environ["APIDESK_PUBLIC_URL"] = f"http://{shown}:{port}"
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        runtime = build_runtime(settings)
        result = prepare(runtime)
    except SecretKeyError as error:
        raise fail(str(error)) from None
    if result.created_default is not None:
        first_start(runtime, result.created_default, settings.public_url)
    console.print(
        f"Apidesk listening on http://{host}:{port} (database: {_describe(settings.database_url)})",
        highlight=False,
    )
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
        uvicorn.run(create_app(runtime), **common)
        return
    # Each worker builds its own app (and dispatcher; they share the outbox safely).
    runtime.database.dispose()
    with _metrics_directory():
        uvicorn.run(
            "apidesk.app:create_app_from_settings",
            factory=True,
            workers=workers,
            **common,
        )


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


def _describe(url: str) -> str:
    """The database URL without a password."""
    return make_url(driver_url(url)).render_as_string(hide_password=True)
