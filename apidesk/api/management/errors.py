"""Every failure of the management API leaves as an ARM error body, and bad input never as
a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from apidesk.api.management.envelope import error_body
from apidesk.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    Unauthorized,
)
from apidesk.storage.availability import is_unavailable
from apidesk.storage.integrity import constraint_name, translated

log = logging.getLogger("apidesk.api")

VALIDATION_MESSAGE = "One or more fields contain incorrect values:"
STATUS = {
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
}
HTTP_CODES = {
    400: "BadRequest",
    401: "AuthenticationFailed",
    403: "AuthorizationFailed",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    411: "LengthRequired",
    412: "PreconditionFailed",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
}


def _status_of(error: DomainError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def domain_error_response(error: DomainError) -> JSONResponse:
    status = _status_of(error)
    details: list[dict[str, Any]] | None = None
    if isinstance(error, Invalid) and error.problems:
        details = [
            {"code": "ValidationError", "target": p.target, "message": p.message}
            for p in error.problems
        ]
    elif isinstance(error, Conflict) and error.target:
        details = [{"code": error.code, "target": error.target, "message": error.message}]
    headers = {"WWW-Authenticate": 'Bearer realm="apidesk"'} if status == 401 else None
    return JSONResponse(
        error_body(error.code, error.message, details), status_code=status, headers=headers
    )


def _target(location: tuple[Any, ...]) -> str:
    """`('body', 'properties', 'identities', 0, 'provider')` → `identities[0].provider`."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    if parts and parts[0] == "properties" and len(parts) > 1:
        parts = parts[1:]
    target = ""
    for part in parts:
        if isinstance(part, int):
            target += f"[{part}]"
        else:
            target += ("." if target else "") + str(part)
    return target or str(location[0] if location else "body")


def _message(error: dict[str, Any], target: str) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "syntax error")
        return f"The request body is not valid JSON: {reason}."
    if kind == "missing":
        return f"'{target}' is required."
    text = str(error.get("msg", "is invalid"))
    return f"'{target}': {text[0].lower() + text[1:] if text else text}."


def validation_response(exc: RequestValidationError) -> JSONResponse:
    details = []
    for error in exc.errors():
        location = tuple(error.get("loc", ()))
        target = "body" if error.get("type") == "json_invalid" else _target(location)
        details.append(
            {"code": "ValidationError", "target": target, "message": _message(error, target)}
        )
    return JSONResponse(error_body("ValidationError", VALIDATION_MESSAGE, details), status_code=400)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (each operation is its own route)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match == Match.PARTIAL:
            allowed |= set(getattr(route, "methods", ()) or ())
    return sorted(allowed)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(exc)

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        return domain_error_response(PreconditionFailed())

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A unit of work raises a unique or foreign-key violation as the domain's error
        # already (storage.integrity); this is for any other, or one raised outside a unit.
        domain_error = translated(exc)
        if domain_error is not None:
            return domain_error_response(domain_error)
        name = constraint_name(exc)
        log.info("integrity conflict on %s", name or "an unnamed constraint")
        return domain_error_response(
            Conflict("The request conflicts with a concurrent change; read the entity and retry.")
        )

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not is_unavailable(exc):
            return await _unexpected(request, exc)
        original = getattr(exc, "orig", None) or exc
        log.warning("database unavailable: %s: %s", type(original).__name__, original)
        return JSONResponse(
            error_body("ServiceUnavailable", "The database is busy or unreachable; retry shortly."),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # The framework raises this when a body is not decodable JSON at all.
            detail = {
                "code": "ValidationError",
                "target": "body",
                "message": "The request body is not valid UTF-8 JSON.",
            }
            return JSONResponse(
                error_body("ValidationError", VALIDATION_MESSAGE, [detail]), status_code=400
            )
        code = HTTP_CODES.get(exc.status_code, "Error")
        message = exc.detail if isinstance(exc.detail, str) else code
        headers = exc.headers
        if exc.status_code == 404 and message == "Not Found":
            message = "The requested resource or operation does not exist."
        elif exc.status_code == 405:
            message = "The method is not allowed for this resource."
            headers = {"Allow": ", ".join(_allowed_methods(request))}
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    app.add_exception_handler(Exception, _unexpected)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body(
            "InternalServerError", "The service hit an unexpected error; it has been logged."
        ),
        status_code=500,
    )
