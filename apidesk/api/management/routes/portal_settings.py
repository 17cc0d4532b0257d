"""Developer-portal settings (reference §2.7): sign-in, sign-up and delegation.

The three settings share one shape of operations (HEAD, GET, PUT, PATCH), so their routes are
made by one function; only the wire body differs.
"""

# No `from __future__ import annotations`: the routes are made inside a function, and FastAPI
# must see their parameter types as real types, not as names to look up in this module.

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from apidesk.api.management import envelope
from apidesk.api.management.deps import IReq
from apidesk.api.management.etag import parse_if_match, quoted
from apidesk.api.management.routes.common import IfMatch, IfMatchRequired
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import ETAG_ONLY, errors
from apidesk.api.management.schemas.portal import (
    PortalDelegationSettings,
    PortalSettingsCollection,
    PortalSettingValidationKeyContract,
    PortalSigninSettings,
    PortalSignupSettings,
)
from apidesk.api.management.views import portal as views
from apidesk.domain.portal import settings

router = APIRouter(tags=["Portal settings"], route_class=ManagementRoute)


@router.get(
    "/portalsettings",
    operation_id="PortalSettings_ListByService",
    summary="List the developer-portal settings",
    response_model=None,
    responses={200: {"model": PortalSettingsCollection}, **errors()},
)
def list_portal_settings(call: IReq) -> JSONResponse:
    with call.instance() as ctx:
        values = [views.setting(ctx.instance, row, listed=True) for row in settings.list_all(ctx)]
    # Not pageable in APIM: the whole list, with its count.
    return JSONResponse({"value": values, "count": len(values)})


def _signin_fields(body: PortalSigninSettings) -> dict[str, Any]:
    p = body.properties
    return {"enabled": p.enabled if p else None}


def _signup_fields(body: PortalSignupSettings) -> dict[str, Any]:
    p = body.properties
    terms = p.termsOfService if p else None
    return {
        "enabled": p.enabled if p else None,
        "terms_text": terms.text if terms else None,
        "terms_enabled": terms.enabled if terms else None,
        "terms_consent_required": terms.consentRequired if terms else None,
    }


def _delegation_fields(body: PortalDelegationSettings) -> dict[str, Any]:
    p = body.properties
    if p is None:
        return {}
    return {
        "url": p.url,
        "validation_key": p.validationKey,
        "subscriptions": p.subscriptions.enabled if p.subscriptions else None,
        "user_registration": p.userRegistration.enabled if p.userRegistration else None,
    }


def _register(
    name: str,
    prefix: str,
    title: str,
    model: type[BaseModel],
    fields_of: Callable[[Any], dict[str, Any]],
) -> None:
    path = f"/portalsettings/{name}"

    @router.head(
        path,
        operation_id=f"{prefix}_GetEntityTag",
        summary=f"Get the entity tag of the {title} settings",
        response_model=None,
        response_class=Response,
        responses={200: ETAG_ONLY, **errors()},
    )
    def entity_tag(call: IReq) -> Response:
        with call.instance() as ctx:
            return envelope.entity_tag(settings.get_or_raise(ctx, name).etag)

    @router.get(
        path,
        operation_id=f"{prefix}_Get",
        summary=f"Get the {title} settings",
        response_model=None,
        responses={200: {"model": model}, **errors()},
    )
    def get(call: IReq) -> JSONResponse:
        with call.instance() as ctx:
            row = settings.get_or_raise(ctx, name)
            return envelope.entity(views.setting(ctx.instance, row), etag=row.etag)

    @router.put(
        path,
        operation_id=f"{prefix}_CreateOrUpdate",
        summary=f"Set the {title} settings (fields left out keep their values)",
        response_model=None,
        responses={200: {"model": model}, **errors(412)},
    )
    def put(call: IReq, body: model, if_match: IfMatch = None) -> JSONResponse:  # type: ignore[valid-type]
        with call.instance() as ctx:
            row = settings.change(
                ctx,
                name,
                fields_of(body),
                expected_etag=parse_if_match(if_match),
                etag_required=False,
            )
            return envelope.entity(views.setting(ctx.instance, row), etag=row.etag)

    @router.patch(
        path,
        operation_id=f"{prefix}_Update",
        summary=f"Change some of the {title} settings",
        status_code=204,
        response_model=None,
        response_class=Response,
        responses={204: {"description": "Changed."}, **errors(412)},
    )
    def update(call: IReq, body: model, if_match: IfMatchRequired) -> Response:  # type: ignore[valid-type]
        with call.instance() as ctx:
            row = settings.change(
                ctx,
                name,
                fields_of(body),
                expected_etag=parse_if_match(if_match),
                etag_required=True,
            )
            etag = row.etag
        return Response(status_code=204, headers={"ETag": quoted(etag)})


_register(settings.SIGNIN, "SignInSettings", "sign-in", PortalSigninSettings, _signin_fields)
_register(settings.SIGNUP, "SignUpSettings", "sign-up", PortalSignupSettings, _signup_fields)
_register(
    settings.DELEGATION,
    "DelegationSettings",
    "delegation",
    PortalDelegationSettings,
    _delegation_fields,
)


@router.post(
    "/portalsettings/delegation/listSecrets",
    operation_id="DelegationSettings_ListSecrets",
    summary="Get the key that signs delegation requests (created when there is none)",
    response_model=None,
    responses={200: {"model": PortalSettingValidationKeyContract}, **errors()},
)
def list_delegation_secrets(request: Request, call: IReq) -> JSONResponse:
    with call.instance() as ctx:
        _, key = settings.reveal_key(ctx)
    return JSONResponse({"validationKey": key}, headers={"Cache-Control": "no-store"})
