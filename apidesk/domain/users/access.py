"""Signed access for users: shared-access tokens and single sign-on URLs."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from apidesk.domain import audit, tenant
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications.values import portal_base_url
from apidesk.domain.users import repository
from apidesk.domain.users.service import get_or_raise
from apidesk.errors import Invalid
from apidesk.security import sas
from apidesk.storage.models import User

MAX_TOKEN_LIFETIME = timedelta(days=30)


def shared_access_token(
    ctx: InstanceContext, user_id: str, *, key_type: str, expiry: datetime
) -> str:
    user = get_or_raise(ctx, user_id)
    now = ctx.now()
    if expiry <= now:
        raise Invalid.field("expiry", "'expiry' must be in the future.")
    if expiry > now + MAX_TOKEN_LIFETIME:
        raise Invalid.field("expiry", "'expiry' must be at most 30 days from now.")
    if key_type not in ("primary", "secondary"):
        raise Invalid.field("keyType", "'keyType' must be 'primary' or 'secondary'.")
    key = tenant.signing_key(ctx, "primary" if key_type == "primary" else "secondary")
    audit.record(ctx, "user.token", f"users/{user.name}", {"keyType": key_type, "expiry": expiry})
    return sas.create(key, user.name, expiry)


def sso_url(ctx: InstanceContext, user_id: str) -> str:
    user = get_or_raise(ctx, user_id)
    expiry = ctx.now() + timedelta(minutes=ctx.runtime.settings.sso_token_minutes)
    token = sas.create(tenant.signing_key(ctx, "primary"), user.name, expiry)
    audit.record(ctx, "user.sso", f"users/{user.name}")
    return f"{portal_base_url(ctx)}/signin-sso?token={quote(token, safe='')}"


def verify_token(ctx: InstanceContext, token: str) -> User | None:
    """The user a shared-access token speaks for, if it is genuine, current and theirs."""
    parsed = sas.parse(token)
    if parsed is None:
        return None
    if not sas.verify(parsed, tenant.verification_keys(ctx), ctx.now()):
        return None
    return repository.find(ctx, parsed.user_id)
