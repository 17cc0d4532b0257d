"""Fixtures the management API's modules share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.server import uvicorn_thread

from apidesk.app import create_app
from apidesk.domain.context import Runtime


@pytest.fixture(scope="module")
def h11_url(runtime: Runtime) -> Iterator[str]:
    """The app under uvicorn's pure-Python parser (as where httptools is missing), with the
    server's protocol around it."""
    with uvicorn_thread(
        create_app(runtime, dispatch=False), http="apidesk.server:H11WithLimits"
    ) as url:
        yield url
