"""Request plumbing shared by every management route: the unit of work, authentication,
`api-version`, the instance named by the path and list parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Query, Request

from apidesk.api.management.odata import FieldSpec, FilterError, parse_filter
from apidesk.api.management.routing import READ_METHODS, Placed, short_read
from apidesk.domain import admin_tokens, tenant
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.instances import service as instances
from apidesk.errors import Forbidden, Invalid, Unauthorized
from apidesk.query import ListQuery
from apidesk.security import sas

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from apidesk.storage.models import Instance

API_VERSION = "2024-05-01"
SUPPORTED_API_VERSIONS = frozenset({API_VERSION})


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@dataclass(frozen=True)
class Principal:
    name: str
    instance_id: int | None

    def may_use(self, instance_id: int) -> bool:
        return self.instance_id is None or self.instance_id == instance_id


@dataclass(frozen=True)
class Credential:
    """What the Authorization header presents, not yet checked."""

    scheme: str  # "bearer" or "sas"
    value: str
    service_name: str | None


_SIGNATURE_FAILURE = (
    "The shared access signature is invalid, expired, signed with a key that has been "
    "regenerated, or REST access is disabled for this service."
)


async def credential(request: Request) -> Credential:
    """A request without a credential, or with a bearer value that cannot be a token, is
    refused before anything else is looked at. The credential itself is checked in the
    handler's own unit of work (`Call`): a separate one cost a thread hop and a transaction
    on every call."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    service = request.path_params.get("serviceName")
    service_name = service if isinstance(service, str) else None
    if scheme.lower() == "sharedaccesssignature" and value:
        if sas.parse_management(value) is None:
            raise Unauthorized(_SIGNATURE_FAILURE)
        return Credential("sas", value, service_name)
    if scheme.lower() != "bearer" or not value:
        raise Unauthorized(
            "Authentication is required: send 'Authorization: Bearer <token>'. Create a token "
            "with 'apidesk token create'."
        )
    if not admin_tokens.well_formed(value):
        raise Unauthorized(admin_tokens.FAILURE)
    return Credential("bearer", value, service_name)


@dataclass(frozen=True)
class _Checked:
    principal: Principal
    # With `service`: the service of that name as read in the check (None: there is none).
    service: Instance | None = None
    looked_up: bool = False


def _authenticate(ctx: Context, given: Credential, service: str | None = None) -> _Checked:
    """Check `given`; with `service` (the service the path names), read that service in the
    same statement as a token, or as the signature's check reads it anyway."""
    if given.scheme == "bearer":
        if service is None:
            record = admin_tokens.authenticate(ctx, given.value)
            return _Checked(Principal(f"token:{record.name}", record.instance_id))
        record, instance = admin_tokens.authenticate_at(ctx, given.value, service)
        return _Checked(Principal(f"token:{record.name}", record.instance_id), instance, True)
    # APIM's management shared-access signature, signed with a key of the service's own
    # `access` entry: it authenticates calls to that one service.
    instance = instances.find_by_name(ctx, given.service_name) if given.service_name else None
    if instance is None:
        raise Unauthorized(_SIGNATURE_FAILURE)
    uid = tenant.management_principal(InstanceContext.of(ctx, instance), given.value)
    if uid is None:
        raise Unauthorized(_SIGNATURE_FAILURE)
    principal = Principal(name=f"sas:{uid}", instance_id=instance.id)
    return _Checked(principal, instance, given.service_name == service)


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


@dataclass
class Call(Placed):
    """A management request. Its unit of work is opened by the handler, so every statement,
    and the one commit, run in the handler's thread; the credential is checked first thing
    in it, or, for a write that waits for its turn, in a short read just before (`context`).
    A handler that does costly work before its unit of work (hashing a password, reading an
    upload) calls `authenticate` before that work."""

    runtime: Runtime
    credential: Credential
    write: bool
    on_loop: bool = field(default=False, kw_only=True)
    at_once: int = field(default=0, kw_only=True)
    _principal: Principal | None = field(default=None, init=False)
    _units: int = field(default=0, init=False)
    # The service the credential's check read, with the number of the unit it serves: the
    # unit it was read in, or the one after a check of its own (`authenticate`).
    _read: tuple[int, Instance | None] | None = field(default=None, init=False)

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise RuntimeError("the credential has not been checked yet")
        return self._principal

    def authenticate(self) -> Principal:
        """Check the credential now, in a short read of its own; the service read with it
        serves the unit of work that follows."""
        if self._principal is None:
            with self.runtime.database.unit_of_work(write=False) as session:
                self._units += 1
                self._check(session)
            if self._read is not None:
                self._read = (self._units + 1, self._read[1])
        return self.principal

    @contextmanager
    def context(self, *, write: bool | None = None) -> Iterator[Context]:
        """A unit of work that commits when the block ends without an error; it writes when
        the request's method does, unless `write` says otherwise."""
        writes = self.write if write is None else write
        database = self.runtime.database
        if writes and database.queues_writers:
            # Writers take turns (SQLite): the credential and the service are read before
            # queueing, so that a turn lasts only as long as the write. A service deleted in
            # between leaves nothing to change (404), or its foreign keys refuse the write (409).
            self.authenticate()
        with database.unit_of_work(write=writes) as session:
            self._units += 1
            if self._principal is None:
                self._check(session)
            yield Context(runtime=self.runtime, session=session, actor=self.principal.name)

    def _check(self, session: Session) -> None:
        checked = _authenticate(
            Context(self.runtime, session, "anonymous"), self.credential, self._service()
        )
        self._principal = checked.principal
        self._read = (self._units, checked.service) if checked.looked_up else None

    def _service(self) -> str | None:
        """The service the call is about, for the credential's check to read with it."""
        return None


@dataclass
class InstanceCall(Call):
    subscription_id: str
    resource_group: str
    service_name: str

    @contextmanager
    def instance(self, *, write: bool | None = None) -> Iterator[InstanceContext]:
        """A unit of work inside the instance named by the path."""
        with self.context(write=write) as ctx:
            instances.check_path(self.subscription_id, self.resource_group, self.service_name)
            path = (self.subscription_id, self.resource_group, self.service_name)
            read, self._read = self._read, None
            if read is not None and read[0] == self._units:
                instance = instances.located(read[1], *path)
            else:
                instance = instances.get_or_raise(ctx, *path)
            if not self.principal.may_use(instance.id):
                raise Forbidden(
                    f"The credential '{self.principal.name}' is limited to another service "
                    f"and cannot manage '{instance.name}'.",
                    code="AuthorizationFailed",
                )
            yield InstanceContext.of(ctx, instance)

    def _service(self) -> str | None:
        return self.service_name


def _short_read(request: Request, rt: Runtime) -> bool:
    return short_read(request, on_loop=rt.database.reads_on_loop, page_size=rt.settings.page_size)


# The dependencies that do no I/O are coroutines: FastAPI runs a plain function in the thread
# pool, and each such hop costs about as much as SQLite takes to answer a query.
async def call(
    request: Request,
    who: Annotated[Credential, Depends(credential)],
    _version: Annotated[str, Depends(api_version)],
) -> Call:
    rt = runtime(request)
    write = request.method not in READ_METHODS
    return Call(
        rt,
        who,
        write,
        on_loop=_short_read(request, rt),
        at_once=rt.database.at_once(write=write),
    )


async def instance_call(
    request: Request,
    subscription_id: SubscriptionId,
    resource_group: ResourceGroup,
    service_name: ServiceName,
    who: Annotated[Credential, Depends(credential)],
    _version: Annotated[str, Depends(api_version)],
) -> InstanceCall:
    rt = runtime(request)
    write = request.method not in READ_METHODS
    return InstanceCall(
        rt,
        who,
        write,
        subscription_id,
        resource_group,
        service_name,
        on_loop=_short_read(request, rt),
        at_once=rt.database.at_once(write=write),
    )


# The dependencies `direct` may run itself: they read the request and act on nothing.
PLUMBING: frozenset[Callable[..., Any]] = frozenset({credential, api_version, call, instance_call})

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
