"""`apidesk serve`: everything on one port, schema upgraded on start."""

from __future__ import annotations

import logging
import os

import typer
import uvicorn

from apidesk.app import create_app
from apidesk.bootstrap import build_runtime, prepare
from apidesk.cli.banner import first_start
from apidesk.cli.common import console, fail
from apidesk.security.secretbox import SecretKeyError
from apidesk.settings import Settings


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the management API and the other front doors on one port."""
    settings = Settings()
    if "APIDESK_PUBLIC_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        settings = settings.model_copy(update={"public_url": f"http://{shown}:{port}"})
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
    uvicorn.run(
        create_app(runtime),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


def _describe(url: str) -> str:
    """The database URL without a password."""
    from sqlalchemy.engine import make_url

    from apidesk.storage.database import driver_url

    return make_url(driver_url(url)).render_as_string(hide_password=True)
