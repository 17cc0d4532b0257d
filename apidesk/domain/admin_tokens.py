"""Management API credentials: created by the CLI, shown once, stored as digests."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, select

from apidesk.domain import audit
from apidesk.domain.context import Context
from apidesk.errors import Conflict, Invalid, NotFound, Unauthorized
from apidesk.security import tokens
from apidesk.storage.models import AdminToken, Instance
from apidesk.storage.models.base import Readable

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Built once: every management call runs it, and building a statement costs more than
# SQLite takes to answer it (see docs/benchmarks.md, "Where the time went"). It reads the
# five columns the check needs as a plain row through the session's connection: a third of
# the time of loading the ORM entity.
_BY_DIGEST = select(
    AdminToken.id,
    AdminToken.name,
    AdminToken.instance_id,
    AdminToken.revoked_at,
    AdminToken.expires_at,
).where(AdminToken.digest == bindparam("digest"))


# The token and the service a call names, in one statement: nearly every management call is
# about one service, and on PostgreSQL each statement is a round trip. The service's columns
# come as part of the row and are made an entity without the ORM's loading (`as_read`).
_SERVICE = Readable(Instance)
_BY_DIGEST_AT = (
    select(
        *_BY_DIGEST.selected_columns,
        *(column.label(f"service_{column.key}") for column in _SERVICE.columns),
    )
    .outerjoin(Instance, Instance.name_key == bindparam("key"))
    .where(AdminToken.digest == bindparam("digest"))
)
_SERVICE_AT = len(_BY_DIGEST.selected_columns)


class LiveToken(Protocol):
    """What `authenticate` reads of a token."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def instance_id(self) -> int | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class IssuedToken:
    record: AdminToken
    secret: str
    replaced: bool = False


def create(
    ctx: Context,
    name: str | None = None,
    *,
    expires_in_days: int | None = None,
    instance: Instance | None = None,
    replace: bool = False,
) -> IssuedToken:
    """A new token. With `replace`, a token of the same name is rotated: its old value stops
    working at once and the name carries the new value, scope and expiry."""
    name = name or f"token-{secrets.token_hex(4)}"
    if not NAME_PATTERN.fullmatch(name):
        raise Invalid.field(
            "name",
            "A token name is 1-100 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit.",
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise Invalid.field("expiresIn", "A token expires in 1 to 3650 days.")
    existing = ctx.session.scalars(select(AdminToken).where(AdminToken.name == name)).first()
    if existing is not None and not replace:
        raise Conflict(f"A token named '{name}' already exists.", target="name")
    secret = tokens.new_token(tokens.ADMIN_TOKEN_PREFIX)
    now = ctx.now()
    record = existing or AdminToken(name=name)
    record.digest = tokens.digest(secret)
    record.instance_id = instance.id if instance else None
    record.created_at = now
    record.expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    record.revoked_at = None
    if existing is None:
        ctx.session.add(record)
    audit.record(
        ctx,
        "token.rotate" if existing is not None else "token.create",
        f"token/{name}",
        {"expiresAt": record.expires_at, "service": instance.name if instance else None},
    )
    ctx.session.flush()
    return IssuedToken(record, secret, replaced=existing is not None)


def list_all(ctx: Context) -> Sequence[AdminToken]:
    return ctx.session.scalars(select(AdminToken).order_by(AdminToken.id)).all()


def revoke(ctx: Context, name: str) -> AdminToken:
    record = ctx.session.scalars(select(AdminToken).where(AdminToken.name == name)).first()
    if record is None:
        raise NotFound(f"No token is named '{name}'.")
    if record.revoked_at is None:
        record.revoked_at = ctx.now()
        audit.record(ctx, "token.revoke", f"token/{name}")
    ctx.session.flush()
    return record


FAILURE = (
    "The access token is missing, invalid, expired or revoked. Create one with "
    "'apidesk token create'."
)


def well_formed(secret: str) -> bool:
    """Whether `secret` could be a token at all. Front doors refuse anything else before they
    open a unit of work: a write's unit waits for SQLite's write turn, which a request
    without a credential must not take."""
    return secret.startswith(tokens.ADMIN_TOKEN_PREFIX) and len(secret) <= 200


def authenticate(ctx: Context, secret: str) -> LiveToken:
    """The live token behind `secret`; `Unauthorized` for anything else, with one message."""
    if not well_formed(secret):
        raise Unauthorized(FAILURE)
    found = ctx.session.connection().execute(_BY_DIGEST, {"digest": tokens.digest(secret)})
    return _live(ctx, found.first())


def authenticate_at(ctx: Context, secret: str, service: str) -> tuple[LiveToken, Instance | None]:
    """`authenticate`, and the service named `service` (None if there is none), read together."""
    if not well_formed(secret):
        raise Unauthorized(FAILURE)
    values = {"digest": tokens.digest(secret), "key": service.lower()}
    row = ctx.session.connection().execute(_BY_DIGEST_AT, values).first()
    if row is None:
        raise Unauthorized(FAILURE)
    token = _live(ctx, row)
    if row.service_id is None:
        return token, None
    return token, _SERVICE.entity(row[_SERVICE_AT:])


def _live(ctx: Context, record: LiveToken | None) -> LiveToken:
    if record is None or record.revoked_at is not None:
        raise Unauthorized(FAILURE)
    if record.expires_at is not None and record.expires_at <= ctx.now():
        raise Unauthorized(FAILURE)
    return record
