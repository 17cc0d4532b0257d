"""Apidesk as bench/servers.py serves it under granian: the app each worker of
`apidesk serve` builds, behind the proxy-header handling `apidesk serve` has uvicorn add, so
that the two servers run the same stack.

    granian --interface asgi --factory servers_app:create_app
"""

from __future__ import annotations

from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from apidesk.app import create_app_from_settings


def create_app() -> Any:
    return ProxyHeadersMiddleware(create_app_from_settings(), trusted_hosts="127.0.0.1")
