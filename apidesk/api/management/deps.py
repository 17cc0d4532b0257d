"""Request plumbing shared by every management route: the unit of work, authentication,
`api-version`, the instance named by the path and list parameters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from apidesk.api.management.odata import FieldSpec, FilterError, parse_filter
from apidesk.domain import admin_tokens, tenant
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.instances import service as instances
from apidesk.errors import Forbidden, Invalid, Unauthorized
from apidesk.query import ListQuery

API_VERSION = "2024-05-01"
SUPPORTED_API_VERSIONS = frozenset({API_VERSION})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@dataclass(frozen=True)
class Principal:
    name: str
    instance_id: int | None

    def may_use(self, instance_id: int) -> bool:
        return self.instance_id is None or self.instance_id == instance_id


def principal(request: Request) -> Principal:
    """Authenticate before anything else is looked at. The token lookup uses its own short
    read transaction, so no connection is held while the request waits for a thread."""
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    rt = runtime(request)
    if scheme.lower() == "sharedaccesssignature" and credential:
        return _signature_principal(request, rt, credential)
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized(
            "Authentication is required: send 'Authorization: Bearer <token>'. Create a token "
            "with 'apidesk token create'."
        )
    with rt.database.unit_of_work(write=False) as session:
        record = admin_tokens.authenticate(Context(rt, session, "anonymous"), credential)
        return Principal(name=f"token:{record.name}", instance_id=record.instance_id)


def _signature_principal(request: Request, rt: Runtime, credential: str) -> Principal:
    """APIM's management shared-access signature, signed with a key of the service's own
    `access` entry: it authenticates calls to that one service."""
    failure = Unauthorized(
        "The shared access signature is invalid, expired, signed with a key that has been "
        "regenerated, or REST access is disabled for this service."
    )
    name = request.path_params.get("serviceName")
    if not isinstance(name, str):
        raise failure
    with rt.database.unit_of_work(write=False) as session:
        ctx = Context(rt, session, "anonymous")
        instance = instances.find_by_name(ctx, name)
        if instance is None:
            raise failure
        uid = tenant.management_principal(InstanceContext.of(ctx, instance), credential)
        if uid is None:
            raise failure
        return Principal(name=f"sas:{uid}", instance_id=instance.id)


async def api_version(
    version: Annotated[
        str | None,
        Query(alias="api-version", description=f"Must be {API_VERSION}."),
    ] = None,
) -> str:
    if not version:
        raise Invalid(
            "The api-version query parameter (?api-version=) is required for all requests.",
            code="MissingApiVersionParameter",
        )
    if version not in SUPPORTED_API_VERSIONS:
        raise Invalid(
            f"The api-version '{version}' is invalid. The supported versions are "
            f"'{', '.join(sorted(SUPPORTED_API_VERSIONS))}'.",
            code="InvalidApiVersionParameter",
        )
    return version


SubscriptionId = Annotated[str, Path(alias="subscriptionId", description="A UUID.")]
ResourceGroup = Annotated[str, Path(alias="resourceGroupName", max_length=90)]
ServiceName = Annotated[str, Path(alias="serviceName", max_length=50)]


@dataclass(frozen=True)
class Call:
    """An authenticated management request. Its unit of work is opened by the handler, so
    every statement, and the one commit, run in the handler's thread."""

    runtime: Runtime
    principal: Principal
    write: bool

    @contextmanager
    def context(self, *, write: bool | None = None) -> Iterator[Context]:
        """A unit of work that commits when the block ends without an error; it writes when
        the request's method does, unless `write` says otherwise."""
        with self.runtime.database.unit_of_work(
            write=self.write if write is None else write
        ) as session:
            yield Context(runtime=self.runtime, session=session, actor=self.principal.name)


@dataclass(frozen=True)
class InstanceCall(Call):
    subscription_id: str
    resource_group: str
    service_name: str

    @contextmanager
    def instance(self, *, write: bool | None = None) -> Iterator[InstanceContext]:
        """A unit of work inside the instance named by the path."""
        instances.check_path(self.subscription_id, self.resource_group, self.service_name)
        with self.context(write=write) as ctx:
            instance = instances.get_or_raise(
                ctx, self.subscription_id, self.resource_group, self.service_name
            )
            if not self.principal.may_use(instance.id):
                raise Forbidden(
                    f"The credential '{self.principal.name}' is limited to another service "
                    f"and cannot manage '{instance.name}'.",
                    code="AuthorizationFailed",
                )
            yield InstanceContext.of(ctx, instance)


# The dependencies that do no I/O are coroutines: FastAPI runs a plain function in the thread
# pool, and each such hop costs about as much as SQLite takes to answer a query.
async def call(
    request: Request,
    who: Annotated[Principal, Depends(principal)],
    _version: Annotated[str, Depends(api_version)],
) -> Call:
    return Call(runtime(request), who, request.method not in READ_METHODS)


async def instance_call(
    request: Request,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
    who: Annotated[Principal, Depends(principal)],
    _version: Annotated[str, Depends(api_version)],
) -> InstanceCall:
    return InstanceCall(
        runtime(request),
        who,
        request.method not in READ_METHODS,
        subscription_id,
        resource_group,
        service_name,
    )


Req = Annotated[Call, Depends(call)]
IReq = Annotated[InstanceCall, Depends(instance_call)]
Top = Annotated[
    int | None, Query(alias="$top", ge=1, le=2_147_483_647, description="Page size (at least 1).")
]
Skip = Annotated[
    int | None, Query(alias="$skip", ge=0, le=2_147_483_647, description="Records to skip.")
]
FilterText = Annotated[
    str | None, Query(alias="$filter", max_length=4000, description="OData filter expression.")
]


def list_query(
    rt: Runtime,
    text: str | None,
    top: int | None,
    skip: int | None,
    fields: Mapping[str, FieldSpec],
) -> ListQuery:
    node = None
    if text is not None:
        try:
            node = parse_filter(text, fields)
        except FilterError as exc:
            raise Invalid.field("$filter", str(exc)) from None
    page_size = min(top or rt.settings.page_size, rt.settings.max_page_size)
    return ListQuery(filter=node, skip=skip or 0, top=page_size)
