"""Tenant access: the `access` and `gitAccess` key pairs of an instance.

The `access` keys sign users' shared-access tokens, so regenerating a key voids every token
signed with the old one.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select

from apidesk.domain.context import InstanceContext
from apidesk.errors import NotFound
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
