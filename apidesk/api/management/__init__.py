"""The management REST API: APIM's wire format over the domain services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

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


def routers() -> list[tuple[APIRouter, str]]:
    """The app's routers with their prefixes, in the order FastAPI matches them. Each
    module's routes go straight under the app: FastAPI matches a request by walking the
    included routers, and a router of routers was one more level on every request."""
    from apidesk.api.management import docs
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

    modules = (
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
    )
    return [(docs.router, ""), (services.router, "")] + [
        (module.router, SERVICE_PREFIX) for module in modules
    ]


def create_app(runtime: Runtime, *, direct: bool = True) -> FastAPI:
    """The management app; with `direct`, plainly valid requests to the routes that take
    plain values skip FastAPI's routing and dependency solving (`direct`)."""
    from fastapi import FastAPI

    from apidesk import __version__
    from apidesk.api.management import errors
    from apidesk.api.management.deps import PLUMBING
    from apidesk.api.management.direct import DirectRoutes

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
    included = routers()
    for router, prefix in included:
        app.include_router(router, prefix=prefix)
    if direct:
        app.add_middleware(
            DirectRoutes, routers=included, plumbing=PLUMBING, handlers=app.exception_handlers
        )
    return app
