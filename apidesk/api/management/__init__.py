"""The management REST API: APIM's wire format over the domain services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from apidesk.domain.context import Runtime

# FastAPI and the routes load when the app is built: the command line imports modules of this
# package (resource ids, $filter fields) and must not pay for the web stack.

SERVICE_PREFIX = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    "/providers/Microsoft.ApiManagement/service/{serviceName}"
)
DESCRIPTION = """\
The Azure API Management control plane (`api-version=2024-05-01`) for users and everything
around them. Authenticate with `Authorization: Bearer <token>` (`apidesk token create`).
"""


def create_app(runtime: Runtime) -> FastAPI:
    from fastapi import FastAPI

    from apidesk import __version__
    from apidesk.api.management import docs, errors
    from apidesk.api.management.routes import (
        apis,
        groups,
        notifications,
        portal_settings,
        product_api_links,
        product_links,
        products,
        services,
        subscriptions,
        templates,
        tenant,
        user_import,
        users,
    )

    app = FastAPI(
        title="Apidesk management API",
        version=__version__,
        description=DESCRIPTION,
        # Our own /docs (see docs.py): FastAPI's loads Swagger UI from a CDN, inline.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    errors.install(app)
    app.include_router(docs.router)
    app.include_router(services.router)
    # Each module's routes go straight under the app: FastAPI matches a request by walking
    # the included routers, and a router of routers was one more level on every request.
    for module in (
        user_import,
        users,
        groups,
        products,
        product_links,
        product_api_links,
        apis,
        subscriptions,
        tenant,
        templates,
        notifications,
        portal_settings,
    ):
        app.include_router(module.router, prefix=SERVICE_PREFIX)
    return app
