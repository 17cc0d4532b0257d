"""Tenant access: the `access` and `gitAccess` key pairs of an instance.

The `access` keys sign users' shared-access tokens, so regenerating a key voids every token
signed with the old one.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.errors import Collection, Invalid, NotFound, PreconditionFailed
from apidesk.security import sas
from apidesk.storage.models import TenantAccess

KeySlot = Literal["primary", "secondary"]
SIGNING_ACCESS = "access"
DEFAULTS = {"access": ("integration", True), "gitAccess": ("git", False)}


def new_key() -> str:
    return base64.b64encode(os.urandom(64)).decode("ascii")


def _context(row: TenantAccess) -> str:
    # Binding ciphertexts to their row stops anyone from swapping keys between rows.
    return f"tenant/{row.instance_id}/{row.name_key}"


def seal(ctx: InstanceContext, row: TenantAccess, slot: KeySlot, value: str) -> None:
    sealed = ctx.runtime.secrets.encrypt(value, context=_context(row))
    if slot == "primary":
        row.primary_key = sealed
    else:
        row.secondary_key = sealed


def reveal(ctx: InstanceContext, row: TenantAccess, slot: KeySlot) -> str:
    stored = row.primary_key if slot == "primary" else row.secondary_key
    return ctx.runtime.secrets.decrypt(stored, context=_context(row))


def create_defaults(ctx: InstanceContext) -> None:
    for name, (principal, enabled) in DEFAULTS.items():
        row = TenantAccess(
            instance_id=ctx.instance.id,
            name=name,
            name_key=name.lower(),
            principal_id=principal,
            primary_key="",
            secondary_key="",
            enabled=enabled,
        )
        seal(ctx, row, "primary", new_key())
        seal(ctx, row, "secondary", new_key())
        ctx.session.add(row)


def find(ctx: InstanceContext, name: str) -> TenantAccess | None:
    return ctx.session.scalars(
        select(TenantAccess).where(
            TenantAccess.instance_id == ctx.instance.id,
            TenantAccess.name_key == name.lower(),
        )
    ).first()


def get_or_raise(ctx: InstanceContext, name: str) -> TenantAccess:
    row = find(ctx, name)
    if row is None:
        raise NotFound(f"Access information '{name}' was not found.")
    return row


def list_all(ctx: InstanceContext) -> Sequence[TenantAccess]:
    return ctx.session.scalars(
        select(TenantAccess)
        .where(TenantAccess.instance_id == ctx.instance.id)
        .order_by(TenantAccess.id)
    ).all()


def signing_key(ctx: InstanceContext, slot: KeySlot) -> str:
    return reveal(ctx, get_or_raise(ctx, SIGNING_ACCESS), slot)


def verification_keys(ctx: InstanceContext) -> list[str]:
    row = get_or_raise(ctx, SIGNING_ACCESS)
    return [reveal(ctx, row, "primary"), reveal(ctx, row, "secondary")]


def _check_etag(row: TenantAccess, expected_etag: str | None) -> None:
    if expected_etag is None:
        raise Invalid.field(
            "If-Match", "The 'If-Match' header is required; use '*' to skip the check."
        )
    if expected_etag != "*" and expected_etag != row.etag:
        raise PreconditionFailed()


def update(
    ctx: InstanceContext, name: str, *, enabled: Any, expected_etag: str | None
) -> TenantAccess:
    row = get_or_raise(ctx, name)
    _check_etag(row, expected_etag)
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise Invalid.field("enabled", "'enabled' must be true or false.")
        row.enabled = enabled
        audit.record(ctx, "tenant.update", f"tenant/{row.name}", {"enabled": enabled})
    ctx.session.flush()
    return row


def put(
    ctx: InstanceContext, name: str, fields: dict[str, Any], *, expected_etag: str | None
) -> TenantAccess:
    """APIM's TenantAccess_Create: set the principal, the keys or `enabled` of an entry that
    always exists. `If-Match` is required, as in APIM."""
    row = get_or_raise(ctx, name)
    _check_etag(row, expected_etag)
    problems = Collection()
    clean: dict[str, Any] = {}
    if fields.get("principal_id") is not None:
        clean["principal_id"] = validation.text(
            problems, "principalId", fields["principal_id"], max_length=100
        )
    for slot in ("primary", "secondary"):
        value = fields.get(f"{slot}_key")
        if value is not None:
            clean[slot] = validation.text(
                problems, f"{slot}Key", value, min_length=16, max_length=256
            )
    if fields.get("enabled") is not None:
        if not isinstance(fields["enabled"], bool):
            problems.add("enabled", "'enabled' must be true or false.")
        else:
            clean["enabled"] = fields["enabled"]
    problems.raise_if_any()
    if "principal_id" in clean:
        row.principal_id = clean["principal_id"]
    if "enabled" in clean:
        row.enabled = clean["enabled"]
    for slot in ("primary", "secondary"):
        if slot in clean:
            seal(ctx, row, slot, clean[slot])  # type: ignore[arg-type]
    audit.record(
        ctx,
        "tenant.put",
        f"tenant/{row.name}",
        {
            **({"principalId": clean["principal_id"]} if "principal_id" in clean else {}),
            **({"enabled": clean["enabled"]} if "enabled" in clean else {}),
            **{f"{slot}Key": "set" for slot in ("primary", "secondary") if slot in clean},
        },
    )
    ctx.session.flush()
    return row


def regenerate(ctx: InstanceContext, name: str, slot: KeySlot) -> TenantAccess:
    row = get_or_raise(ctx, name)
    seal(ctx, row, slot, new_key())
    audit.record(ctx, f"tenant.regenerate-{slot}-key", f"tenant/{row.name}")
    ctx.session.flush()
    return row


def secrets(ctx: InstanceContext, name: str) -> tuple[TenantAccess, str, str]:
    row = get_or_raise(ctx, name)
    audit.record(ctx, "tenant.list-secrets", f"tenant/{row.name}")
    return row, reveal(ctx, row, "primary"), reveal(ctx, row, "secondary")


def management_principal(ctx: InstanceContext, token: str) -> str | None:
    """The principal of a management shared-access signature
    (`uid={principal}&ex={expiry:O}&sn={signature}`), if it is genuine, current and `access`
    is enabled; None otherwise."""
    parsed = sas.parse_management(token)
    if parsed is None or parsed.expiry <= ctx.now():
        return None
    row = find(ctx, SIGNING_ACCESS)
    if row is None or not row.enabled or parsed.uid != row.principal_id:
        return None
    keys = [reveal(ctx, row, "primary"), reveal(ctx, row, "secondary")]
    return parsed.uid if sas.verify_management(parsed, keys, ctx.now()) else None
