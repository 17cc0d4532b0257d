"""Service instances: ARM's PUT/GET/DELETE of `Microsoft.ApiManagement/service`, plus lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response

from apidesk.api.management.deps import Req, ResourceGroup, ServiceName, SubscriptionId
from apidesk.api.management.etag import parse_if_match
from apidesk.api.management.routing import ManagementRoute
from apidesk.api.management.schemas.common import errors
from apidesk.api.management.schemas.services import (
    ServiceCollection,
    ServiceContract,
    ServiceResource,
    ServiceUpdateParameters,
)
from apidesk.api.management.views.services import service as render
from apidesk.domain import numbers, validation
from apidesk.domain.instances import service as instances
from apidesk.errors import Forbidden, Invalid
from apidesk.storage.models import Instance

router = APIRouter(tags=["Services"], route_class=ManagementRoute)
PROVIDER_PATH = "/providers/Microsoft.ApiManagement/service"
SERVICE_PATH = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    + PROVIDER_PATH
    + "/{serviceName}"
)


def _fields(body: ServiceResource | ServiceUpdateParameters) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    fields: dict[str, Any] = {}
    if "location" in given:
        fields["location"] = given["location"]
    if "tags" in given:
        fields["tags"] = given["tags"] or {}
    sku = given.get("sku") or {}
    if "name" in sku:
        fields["sku_name"] = sku["name"]
    if "capacity" in sku:
        fields["sku_capacity"] = sku["capacity"]
    properties = given.get("properties") or {}
    for wire, name in (
        ("publisherEmail", "publisher_email"),
        ("publisherName", "publisher_name"),
        ("notificationSenderEmail", "notification_sender_email"),
    ):
        if wire in properties:
            fields[name] = properties[wire]
    if "hostnameConfigurations" in properties:
        fields["portal_url"] = _portal_url(properties["hostnameConfigurations"] or [])
    return fields


def _portal_url(configurations: list[dict[str, Any]]) -> str | None:
    for index, configuration in enumerate(configurations):
        if str(configuration.get("type", "")).lower() == "developerportal":
            address = _host_and_port(configuration.get("hostName"))
            if address is None:
                raise Invalid.field(
                    f"hostnameConfigurations[{index}].hostName",
                    "A host name is required, such as developer.example.com, with a port "
                    "after a colon if it is not 443.",
                )
            return f"https://{address}"
    return None


def _host_and_port(given: Any) -> str | None:
    """`name[:port]` as the portal's address spells it: the name in ASCII (punycode), no
    final dot, the port only when it is not 443; None unless `given` is such a thing."""
    if not isinstance(given, str):
        return None
    name, colon, port = given.rpartition(":") if ":" in given else (given, "", "")
    host = validation.ascii_host(name)
    if host is None or ":" in host:  # a name, not an IPv6 address
        return None
    if not colon:
        return host
    number = numbers.whole(port, 1, 65535)
    if number is None:
        return None
    return host if number == 443 else f"{host}:{number}"


def _visible(call: Req, items: list[Instance]) -> list[Instance]:
    return [item for item in items if call.principal.may_use(item.id)]


def _refuse_unless_allowed(
    call: Req, instance: Instance | None, *, changing: bool = False, deleting: bool = False
) -> None:
    """Reading a service needs access to it. Changing one needs an admin token (a service's
    own signature manages what is in it, not the service); creating or deleting one needs a
    token that is not limited to one service."""
    principal = call.principal
    if instance is not None and not principal.may_use(instance.id):
        raise Forbidden("This credential may not manage that service.", code="AuthorizationFailed")
    if (changing or deleting) and not principal.name.startswith("token:"):
        raise Forbidden(
            "A shared access signature cannot change or delete the service itself.",
            code="AuthorizationFailed",
        )
    if (instance is None or deleting) and principal.instance_id is not None:
        raise Forbidden(
            "This token is limited to one service; it cannot create or delete services.",
            code="AuthorizationFailed",
        )


@router.put(
    SERVICE_PATH,
    operation_id="ApiManagementService_CreateOrUpdate",
    summary="Create a service instance, or update one",
    response_model=None,
    responses={
        200: {"model": ServiceContract},
        201: {"model": ServiceContract},
        **errors(409, 412),
    },
)
def create_or_update_service(
    call: Req,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
    body: ServiceResource,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> JSONResponse:
    fields = _fields(body)
    with call.context() as ctx:
        _refuse_unless_allowed(call, instances.find_by_name(ctx, service_name), changing=True)
        instance, created = instances.create_or_update(
            ctx,
            subscription_id,
            resource_group,
            service_name,
            fields,
            expected_etag=parse_if_match(if_match),
        )
        body_out = render(instance, call.runtime.settings.public_url)
    return JSONResponse(body_out, status_code=201 if created else 200)


@router.patch(
    SERVICE_PATH,
    operation_id="ApiManagementService_Update",
    summary="Change some fields of a service instance",
    description=(
        "Publisher e-mail and name, notification sender, tags, SKU and the developer-portal "
        "host name can change; the location cannot. The change is done when the answer comes."
    ),
    response_model=None,
    responses={200: {"model": ServiceContract}, **errors(412)},
)
def update_service(
    call: Req,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
    body: ServiceUpdateParameters,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> JSONResponse:
    instances.check_path(subscription_id, resource_group, service_name)
    fields = _fields(body)
    with call.context() as ctx:
        instance = instances.get_or_raise(ctx, subscription_id, resource_group, service_name)
        _refuse_unless_allowed(call, instance, changing=True)
        instance = instances.update(
            ctx,
            subscription_id,
            resource_group,
            service_name,
            fields,
            expected_etag=parse_if_match(if_match),
        )
        return JSONResponse(render(instance, call.runtime.settings.public_url))


@router.get(
    SERVICE_PATH,
    operation_id="ApiManagementService_Get",
    summary="Get a service instance",
    response_model=None,
    responses={200: {"model": ServiceContract}, **errors()},
)
def get_service(
    call: Req,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
) -> JSONResponse:
    instances.check_path(subscription_id, resource_group, service_name)
    with call.context() as ctx:
        instance = instances.get_or_raise(ctx, subscription_id, resource_group, service_name)
        _refuse_unless_allowed(call, instance)
        return JSONResponse(render(instance, call.runtime.settings.public_url))


@router.delete(
    SERVICE_PATH,
    operation_id="ApiManagementService_Delete",
    summary="Delete a service instance and everything in it",
    response_model=None,
    # Empty answers: no JSON content type to document.
    response_class=Response,
    responses={
        200: {"description": "Deleted."},
        204: {"description": "Nothing to delete."},
        **errors(),
    },
)
def delete_service(
    call: Req,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
) -> Response:
    instances.check_path(subscription_id, resource_group, service_name)
    with call.context() as ctx:
        existing = instances.find_by_name(ctx, service_name)
        if existing is not None:
            _refuse_unless_allowed(call, existing, deleting=True)
        deleted = instances.delete_instance(ctx, subscription_id, resource_group, service_name)
    return Response(status_code=200 if deleted else 204)


@router.get(
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}" + PROVIDER_PATH,
    operation_id="ApiManagementService_ListByResourceGroup",
    summary="List the service instances of a resource group",
    response_model=None,
    responses={200: {"model": ServiceCollection}, **errors()},
)
def list_services_in_group(
    call: Req, subscription_id: SubscriptionId, resource_group: ResourceGroup
) -> JSONResponse:
    with call.context() as ctx:
        found = _visible(call, list(instances.list_all(ctx, subscription_id, resource_group)))
        url = call.runtime.settings.public_url
        return JSONResponse({"value": [render(item, url) for item in found], "nextLink": None})


@router.get(
    "/subscriptions/{subscriptionId}" + PROVIDER_PATH,
    operation_id="ApiManagementService_List",
    summary="List the service instances of a subscription",
    response_model=None,
    responses={200: {"model": ServiceCollection}, **errors()},
)
def list_services(call: Req, subscription_id: SubscriptionId) -> JSONResponse:
    with call.context() as ctx:
        found = _visible(call, list(instances.list_all(ctx, subscription_id)))
        url = call.runtime.settings.public_url
        return JSONResponse({"value": [render(item, url) for item in found], "nextLink": None})
